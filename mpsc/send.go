package mpsc

import (
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/wakelist"
)

// Every waiting future is a Future, a Dropper and a Stringer.
var _ waitingFuture[error] = (*SendFuture[int])(nil)

// SendFuture is the future returned by [Sender.Send]. Its output is nil once
// the value is buffered, or a [*SendError] holding the value when the
// Receiver was closed first. It implements [future.Dropper]: dropping it
// before it completes sends nothing and gives back its place and any slot it
// was granted.
//
// Polling it after its Sender was closed panics, like a send on a closed Go
// channel.
type SendFuture[T any] struct {
	s   *Sender[T]
	v   T
	acq acquire[T]
}

// Poll waits for a slot and buffers the value. It consumes one unit of the
// task's budget when it completes.
func (f *SendFuture[T]) Poll(cx *future.Context) (error, bool) {
	if !cx.ConsumeBudget() {
		return nil, false
	}
	c := f.s.h.c
	var wl wakelist.List
	c.mu.Lock()
	if f.acq.state == acquireDone {
		c.mu.Unlock()
		panic("mpsc: Send future polled after completion")
	}
	f.s.h.mustBeOpenLocked()
	done, err := f.acq.pollLocked(c, cx, &wl)
	if !done {
		c.mu.Unlock()
		cx.RefundBudget()
		return nil, false
	}
	v := f.v
	var zero T
	f.v = zero
	if err != nil {
		c.checkLocked()
		c.mu.Unlock()
		wl.WakeAll()
		return &SendError[T]{Value: v}, true
	}
	c.held--
	rx := c.pushLocked(v)
	c.checkLocked()
	c.mu.Unlock()
	rx.Wake()
	return nil, true
}

// Drop abandons a send that has not completed: the value is not sent, and
// the future's place in line and any slot granted to it go to the next
// sender.
func (f *SendFuture[T]) Drop() {
	if f.acq.state == acquireDone {
		return
	}
	c := f.s.h.c
	var wl wakelist.List
	c.mu.Lock()
	f.acq.abandonLocked(c, &wl)
	c.checkLocked()
	c.mu.Unlock()
	wl.WakeAll()
	var zero T
	f.v = zero
}

// String describes what the future waits for.
func (f *SendFuture[T]) String() string { return "mpsc.Send" }

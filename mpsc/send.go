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
//
// A SendFuture kept by value and renewed with [SendFuture.Reset] sends again
// and again without allocating; the zero SendFuture is usable only after a
// Reset.
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
	c.mu.Lock()
	if f.acq.state == acquireIdle && c.free > 0 && !c.rxClosed {
		// Fast path: a slot is free (so nobody waits for one: see the
		// slot rules in chan.go), and the value goes from the future
		// straight into it. This is acquire.pollLocked's immediate grant
		// followed by the push below, without the wake list the slow path
		// may need (zeroing its 384 bytes was 3% of the CPU time of an
		// uncontended stream of sends and receives).
		f.s.h.mustBeOpenLocked()
		c.free--
		f.acq.state = acquireDone
		f.bufferAndUnlock(c)
		return nil, true
	}
	return f.pollSlowLocked(cx, c)
}

// bufferAndUnlock moves the value into the buffer, in a slot the caller
// took for it (out of free or held), releases c.mu and wakes the receiver.
func (f *SendFuture[T]) bufferAndUnlock(c *chanState[T]) {
	c.buf.pushFrom(&f.v)
	var zero T
	f.v = zero
	rx := c.takeRxWakerLocked()
	c.checkLocked()
	c.mu.Unlock()
	rx.Wake()
}

// pollSlowLocked is Poll when the send may have to wait, the Receiver is
// closed, or the future was polled before; c.mu is held and released here.
func (f *SendFuture[T]) pollSlowLocked(cx *future.Context, c *chanState[T]) (error, bool) {
	var wl wakelist.List
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
	if err != nil {
		v := f.v
		var zero T
		f.v = zero
		c.checkLocked()
		c.mu.Unlock()
		wl.WakeAll()
		return &SendError[T]{Value: v}, true
	}
	c.held--
	f.bufferAndUnlock(c)
	return nil, true
}

// Reset makes f an unpolled Send of v on s, as if returned by s.Send(v), so
// that a future kept by value inside a larger future (or an Async body) can
// send again and again without allocating (Send allocates a new future each
// time). The zero SendFuture may be Reset. Reset panics if f is waiting for
// a slot (Drop it first: a send is reset only after it completed, was
// dropped, or was never polled; an unpolled send that is reset is simply not
// made). A completed send has handed its value over, so nothing is lost.
func (f *SendFuture[T]) Reset(s *Sender[T], v T) {
	if f.acq.state == acquireWaiting {
		panic("mpsc: SendFuture.Reset while it waits for a slot")
	}
	if s == nil {
		panic("mpsc: SendFuture.Reset with a nil Sender")
	}
	f.s, f.v = s, v
	f.acq.reset(1)
}

// Drop abandons a send that has not completed: the value is not sent, and
// the future's place in line and any slot granted to it go to the next
// sender.
func (f *SendFuture[T]) Drop() {
	if f.acq.state != acquireWaiting {
		// Not polled, or completed: nothing is registered.
		f.acq.state = acquireDone
		var zero T
		f.v = zero
		return
	}
	f.acq.abandon(f.s.h.c)
	var zero T
	f.v = zero
}

// String describes what the future waits for.
func (f *SendFuture[T]) String() string { return "mpsc.Send" }

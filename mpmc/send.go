package mpmc

import (
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/invariants"
	"github.com/weftrt/weft/internal/waitq"
)

// Every waiting future is a Future, a Dropper and a Stringer.
var _ waitingFuture[error] = (*SendFuture[int])(nil)

// SendFuture is the future returned by [Sender.Send]. Its output is nil once
// the value is buffered, or a [*SendError] holding the value if the channel
// was closed first. It implements [future.Dropper]: dropping it before it
// completes sends nothing and passes its place in line, and any slot it was
// granted, to the next sender.
//
// A SendFuture kept by value and renewed with [SendFuture.Reset] sends again
// and again without allocating; the zero SendFuture is usable only after a
// Reset. It is polled by one task or goroutine at a time.
type SendFuture[T any] struct {
	c     *chanState[T]
	v     T
	w     waitq.Waiter // in c.sendq while waiting; guarded by c.mu
	state waitState
}

// Poll waits for a slot and buffers the value. It consumes one unit of the
// task's budget when it completes, and panics when polled after it
// completed.
func (f *SendFuture[T]) Poll(cx *future.Context) (error, bool) {
	c := f.c
	if c == nil {
		panic("mpmc: Poll of a zero SendFuture (Sender.Send or Reset makes one)")
	}
	if !cx.ConsumeBudget() {
		return nil, false
	}
	c.mu.Lock()
	switch f.state {
	case waitIdle:
		if c.closed {
			f.state = waitDone
			c.mu.Unlock()
			return f.fail(), true
		}
		if c.free > 0 {
			c.free--
			return f.sendLocked(), true
		}
		// No room; free == 0, so nobody is overtaken by waiting last.
		f.w.N, f.w.Notified, f.w.Waker = 0, false, cx.Waker()
		c.sendq.PushBack(&f.w)
		f.state = waitWaiting
	case waitWaiting:
		if c.closed {
			// Woken by the close, or polled while the close wakes the
			// queue: leave, and give back a slot granted before it.
			f.state = waitDone
			w := f.leaveLocked()
			c.checkLocked()
			c.mu.Unlock()
			w.Wake()
			return f.fail(), true
		}
		if f.w.N == granted {
			c.held--
			return f.sendLocked(), true
		}
		invariants.Check(f.w.Linked(), "mpmc: a Send was unlinked without a slot on an open channel")
		if w := cx.Waker(); f.w.Waker != w {
			f.w.Waker = w
		}
	default:
		c.mu.Unlock()
		panic("mpmc: SendFuture polled after it completed (Reset it to send again)")
	}
	c.mu.Unlock()
	cx.RefundBudget()
	return nil, false
}

// sendLocked buffers the value into the slot the caller took for it,
// unlocks, and wakes the receiver it was promised to.
func (f *SendFuture[T]) sendLocked() error {
	c := f.c
	v := f.v
	var zero T
	f.v = zero
	f.state = waitDone
	w := c.pushLocked(v)
	c.checkLocked()
	c.mu.Unlock()
	w.Wake()
	return nil
}

// fail returns the error of a send the close prevented, with the value.
func (f *SendFuture[T]) fail() error {
	v := f.v
	var zero T
	f.v = zero
	return &SendError[T]{Value: v}
}

// leaveLocked unlinks a waiting future, or gives back the slot it was
// granted; it returns the waker of the Send that slot went to.
func (f *SendFuture[T]) leaveLocked() future.Waker {
	c := f.c
	f.w.Waker = future.Waker{}
	if c.sendq.Remove(&f.w) || f.w.N != granted {
		return future.Waker{}
	}
	c.held--
	return c.releaseSlotLocked()
}

// Reset makes f an unpolled Send of v on s, as if returned by s.Send(v), so
// that a future kept by value inside a larger future (or an Async body) can
// send again and again without allocating. The zero SendFuture may be Reset.
// Reset panics if f is waiting (Drop it first): a send is reset only after
// it completed, was dropped, or was never polled, and an unpolled send that
// is reset is simply not made.
func (f *SendFuture[T]) Reset(s *Sender[T], v T) {
	if f.state == waitWaiting {
		panic("mpmc: SendFuture.Reset while it waits (Drop it first)")
	}
	f.c, f.v, f.state = s.chanOf(), v, waitIdle
}

// Drop abandons a send that has not completed: the value is not sent, and
// the future's place in line, or the slot it was granted, goes to the next
// sender. Dropping a completed or unpolled future does nothing.
func (f *SendFuture[T]) Drop() {
	var zero T
	f.v = zero
	if f.state != waitWaiting {
		f.state = waitDone
		return
	}
	f.state = waitDone
	c := f.c
	c.mu.Lock()
	w := f.leaveLocked()
	c.checkLocked()
	c.mu.Unlock()
	w.Wake()
}

// String describes the future for task dumps, with the channel's fill and
// queues: "mpmc.Send (waiting; 64/64 buffered, 3 senders and 0 receivers
// waiting)". It takes the channel's lock for a moment.
func (f *SendFuture[T]) String() string {
	if f.c == nil {
		return "mpmc.Send (zero)"
	}
	return f.c.describe("Send", f.state)
}

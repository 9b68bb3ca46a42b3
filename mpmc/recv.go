package mpmc

import (
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/invariants"
	"github.com/weftrt/weft/internal/waitq"
)

// Every waiting future is a Future, a Dropper and a Stringer.
var _ waitingFuture[future.Result[int]] = (*RecvFuture[int])(nil)

// RecvFuture is the future returned by [Receiver.Recv]. Its output is the
// next value, or [ErrClosed] once the channel is closed and empty. It
// implements [future.Dropper]: dropping it while it waits gives up its place
// in line, and a value that was promised to it goes to the next waiting
// receiver or stays in the buffer.
//
// A RecvFuture kept by value and renewed with [RecvFuture.Reset] receives
// again and again without allocating; the zero RecvFuture is usable only
// after a Reset. It is polled by one task or goroutine at a time.
type RecvFuture[T any] struct {
	c     *chanState[T]
	w     waitq.Waiter // in c.recvq while waiting; guarded by c.mu
	state waitState
}

// Poll takes the next value, or waits for one. It consumes one unit of the
// task's budget when it completes, and panics when polled after it
// completed.
func (f *RecvFuture[T]) Poll(cx *future.Context) (future.Result[T], bool) {
	c := f.c
	if c == nil {
		panic("mpmc: Poll of a zero RecvFuture (Receiver.Recv or Reset makes one)")
	}
	if !cx.ConsumeBudget() {
		return future.Result[T]{}, false
	}
	c.mu.Lock()
	switch f.state {
	case waitIdle:
		if c.openLocked() {
			return f.takeLocked(), true
		}
		if c.endLocked() {
			f.state = waitDone
			c.mu.Unlock()
			return future.Result[T]{Err: ErrClosed}, true
		}
		// Nothing open: every buffered value is promised, so nobody is
		// overtaken by waiting last.
		f.w.N, f.w.Notified, f.w.Waker = 0, false, cx.Waker()
		c.recvq.PushBack(&f.w)
		f.state = waitWaiting
	case waitWaiting:
		if f.w.N == granted {
			// Promised a value: take the oldest (values are
			// interchangeable among the promised receivers).
			c.promised--
			return f.takeLocked(), true
		}
		if c.endLocked() {
			// Woken at the end, or polled while the end wakes the queue.
			c.recvq.Remove(&f.w)
			f.w.Waker = future.Waker{}
			f.state = waitDone
			c.mu.Unlock()
			return future.Result[T]{Err: ErrClosed}, true
		}
		invariants.Check(f.w.Linked(), "mpmc: a Recv was unlinked without a value before the end")
		if w := cx.Waker(); f.w.Waker != w {
			f.w.Waker = w
		}
	default:
		c.mu.Unlock()
		panic("mpmc: RecvFuture polled after it completed (Reset it to receive again)")
	}
	c.mu.Unlock()
	cx.RefundBudget()
	return future.Result[T]{}, false
}

// takeLocked pops the oldest value, passes its slot to a waiting sender,
// wakes the waiting receivers if that was the last value of a closed
// channel, unlocks, and wakes the sender.
func (f *RecvFuture[T]) takeLocked() future.Result[T] {
	c := f.c
	f.state = waitDone
	f.w.Waker = future.Waker{}
	v, w := c.popLocked()
	c.checkLocked()
	c.wakeReceiversAtEndLocked()
	c.mu.Unlock()
	w.Wake()
	return future.Result[T]{Value: v}
}

// Reset makes f an unpolled Recv on r, as if returned by r.Recv(), so that
// a future kept by value inside a larger future (or an Async body) can
// receive again and again without allocating. The zero RecvFuture may be
// Reset. Reset panics if f is waiting (Drop it first).
func (f *RecvFuture[T]) Reset(r *Receiver[T]) {
	if f.state == waitWaiting {
		panic("mpmc: RecvFuture.Reset while it waits (Drop it first)")
	}
	f.c, f.state = r.chanOf(), waitIdle
}

// Drop abandons a receive that has not completed: the future leaves the
// line, and a value promised to it goes to the next waiting receiver, or
// stays buffered for the next one to come. Dropping a completed or unpolled
// future does nothing.
func (f *RecvFuture[T]) Drop() {
	if f.state != waitWaiting {
		f.state = waitDone
		return
	}
	f.state = waitDone
	c := f.c
	c.mu.Lock()
	f.w.Waker = future.Waker{}
	var w future.Waker
	if !c.recvq.Remove(&f.w) && f.w.N == granted {
		// Give the promise back: the value is still buffered.
		c.promised--
		w = c.promiseLocked()
	}
	c.checkLocked()
	c.mu.Unlock()
	w.Wake()
}

// String describes the future for task dumps, with the channel's fill and
// queues: "mpmc.Recv (waiting; 0/64 buffered, 0 senders and 8 receivers
// waiting)". It takes the channel's lock for a moment.
func (f *RecvFuture[T]) String() string {
	if f.c == nil {
		return "mpmc.Recv (zero)"
	}
	return f.c.describe("Recv", f.state)
}

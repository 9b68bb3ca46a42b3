package mpsc

import (
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/wakelist"
)

// Every waiting future is a Future, a Dropper and a Stringer.
var _ waitingFuture[future.Result[*Permit[int]]] = (*ReserveFuture[int])(nil)

// ReserveFuture is the future returned by [Sender.Reserve] and
// [Sender.ReserveMany]. It completes with a [Permit] holding the slots, or
// with [ErrClosed] or [ErrReserveCount]. It implements [future.Dropper]:
// dropping it before it completes gives back its place and any slot it was
// granted.
type ReserveFuture[T any] struct {
	s   *Sender[T]
	err error // set at construction for an impossible count
	acq acquire[T]
}

// Poll waits for the slots. It consumes one unit of the task's budget when
// it completes.
func (f *ReserveFuture[T]) Poll(cx *future.Context) (future.Result[*Permit[T]], bool) {
	if !cx.ConsumeBudget() {
		return future.Result[*Permit[T]]{}, false
	}
	c := f.s.h.c
	var wl wakelist.List
	c.mu.Lock()
	if f.acq.state == acquireDone {
		c.mu.Unlock()
		panic("mpsc: Reserve future polled after completion")
	}
	f.s.h.mustBeOpenLocked()
	if f.err != nil {
		f.acq.state = acquireDone
		c.mu.Unlock()
		return future.Result[*Permit[T]]{Err: f.err}, true
	}
	done, err := f.acq.pollLocked(c, cx, &wl)
	if !done {
		c.mu.Unlock()
		cx.RefundBudget()
		return future.Result[*Permit[T]]{}, false
	}
	var p *Permit[T]
	if err == nil {
		p = newPermitLocked(c, int(f.acq.want))
	}
	c.checkLocked()
	c.mu.Unlock()
	wl.WakeAll()
	return future.Result[*Permit[T]]{Value: p, Err: err}, true
}

// Drop abandons a reservation that has not completed.
func (f *ReserveFuture[T]) Drop() {
	if f.acq.state == acquireDone {
		return
	}
	f.acq.abandon(f.s.h.c)
}

// String describes what the future waits for.
func (f *ReserveFuture[T]) String() string { return "mpsc.Reserve" }

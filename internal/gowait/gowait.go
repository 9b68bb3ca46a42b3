// Package gowait lets a plain goroutine wait for a future, like
// future.Block, without allocating when the future is ready at once: the
// Blocking methods of weft's channels call it on every operation.
//
// It keeps no pool of Signals. A Signal is a channel, and a channel made
// inside a testing/synctest bubble must never be touched from outside it (the
// Go runtime aborts the process): a pooled Signal made in one test's bubble
// and reused by another test, or woken by a stale waker, would be. A wait that
// really has to sleep parks the goroutine anyway, so the two small
// allocations it makes are not what it costs.
package gowait

import (
	"context"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/gident"
)

// firstCx is the Context of the first poll of every Wait. Its waker is the
// zero Waker and its budget is unconstrained, so no future changes it
// (ConsumeBudget and RefundBudget do nothing on an unconstrained budget) and
// all goroutines may share it.
var firstCx future.Context

// Wait polls f on the calling goroutine until it completes or ctx is done,
// sleeping between polls until f's waker is woken. f is dropped in both
// cases; when ctx ends first the error is ctx.Err().
//
// The first poll uses a shared Context whose waker wakes nothing; only when
// it returns Pending does Wait make a Signal and poll again with a waker that
// wakes it, which replaces the registration of the first poll as the Future
// contract requires.
//
// Wait panics when ctx is nil, and, when it would have to sleep, when the
// calling goroutine runs tasks (gident.InTask): it would block their
// goroutine, for ever when what it waits for can only run there.
func Wait[T any](ctx context.Context, f future.Future[T]) (T, error) {
	CheckContext(ctx)
	if v, ok := f.Poll(&firstCx); ok {
		future.Drop(f)
		return v, nil
	}
	if gident.InTask() {
		future.Drop(f)
		panic("weft: a Blocking method called from inside a task, whose goroutine it would block " +
			"(for ever when what it waits for can only run there): await the future instead")
	}
	sig := future.NewSignal()
	cx := future.NewContext(sig.Waker())
	for {
		if v, ok := f.Poll(cx); ok {
			future.Drop(f)
			return v, nil
		}
		if err := sig.BlockingWait(ctx); err != nil {
			future.Drop(f)
			var zero T
			return zero, err
		}
	}
}

// CheckContext panics when ctx is nil. A Blocking method with a fast path
// that does not reach Wait calls it first, so that a nil context is reported
// on every call, not only on the calls that happen to wait.
func CheckContext(ctx context.Context) {
	if ctx == nil {
		panic("weft: a Blocking method called with a nil context.Context (use context.Background())")
	}
}

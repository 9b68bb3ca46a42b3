// Package gowait lets a plain goroutine wait for a future, like
// future.Block, but with the wake Signal and the Context taken from a pool,
// so that the Blocking methods of weft's channels do not allocate on every
// call that has to wait.
package gowait

import (
	"context"
	"sync"

	"github.com/weftrt/weft/future"
)

// waiter is a reusable Signal with a Context that wakes it.
type waiter struct {
	sig *future.Signal
	cx  *future.Context
}

var pool = sync.Pool{New: func() any {
	s := future.NewSignal()
	return &waiter{sig: s, cx: future.NewContext(s.Waker())}
}}

// Wait polls f on the calling goroutine until it completes or ctx is done,
// sleeping between polls until f's waker is woken. f is dropped in both
// cases; when ctx ends first the error is ctx.Err().
//
// A waker that f registered and that fires after Wait returned may wake the
// pooled Signal while another Wait uses it: that Wait polls once more for
// nothing, which the Future contract allows.
func Wait[T any](ctx context.Context, f future.Future[T]) (T, error) {
	w := pool.Get().(*waiter)
	defer release(w)
	for {
		if v, ok := f.Poll(w.cx); ok {
			future.Drop(f)
			return v, nil
		}
		if err := w.sig.Wait(ctx); err != nil {
			future.Drop(f)
			var zero T
			return zero, err
		}
	}
}

// release clears a pending wake and returns w to the pool.
func release(w *waiter) {
	select {
	case <-w.sig.C():
	default:
	}
	pool.Put(w)
}

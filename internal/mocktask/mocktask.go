// Package mocktask polls a future by hand, the way Tokio's tokio_test::task
// does, so that tests can check exactly when a future registers its waker and
// when it is woken, without a runtime.
package mocktask

import (
	"sync/atomic"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/rtx"
)

// counter is a Wakeable that counts wakes.
type counter struct {
	n atomic.Int64
}

func (c *counter) Wake(uint64) { c.n.Add(1) }

// Task wraps a future for manual polling. It is not safe for concurrent
// polling; wakes may come from any goroutine.
type Task[T any] struct {
	f       future.Future[T]
	w       *counter
	cx      *future.Context
	seen    int64 // wake count at the start of the last poll
	done    bool
	dropped bool
}

// Spawn wraps f. The Context it polls with has an unconstrained budget and
// task id 1.
func Spawn[T any](f future.Future[T]) *Task[T] {
	w := &counter{}
	cx := future.NewContext(future.NewWaker(w))
	futurecx.SetTaskID(cx, 1)
	return &Task[T]{f: f, w: w, cx: cx}
}

// Context returns the Context used for polling.
func (t *Task[T]) Context() *future.Context { return t.cx }

// SetBudget gives the next polls n units of budget (see futurecx.SetBudget;
// negative: unconstrained, 0: spent).
func (t *Task[T]) SetBudget(n int) { futurecx.SetBudget(t.cx, n) }

// SetExecutor sets the executor the polled future sees, for futures that
// need a runtime (timers).
func (t *Task[T]) SetExecutor(e rtx.Executor) { futurecx.SetExecutor(t.cx, e) }

// Waker returns the task's waker.
func (t *Task[T]) Waker() future.Waker { return t.cx.Waker() }

// Poll polls the future once. It panics when the future already completed or
// was dropped. When the future completes, Poll drops it (as a task would).
func (t *Task[T]) Poll() (T, bool) {
	if t.done || t.dropped {
		panic("mocktask: poll after completion or drop")
	}
	t.seen = t.w.n.Load()
	v, ok := t.f.Poll(t.cx)
	if ok {
		t.done = true
		future.Drop(t.f)
	}
	return v, ok
}

// IsWoken reports whether the waker was woken since the last Poll began.
func (t *Task[T]) IsWoken() bool { return t.w.n.Load() > t.seen }

// WakeCount returns how many times the waker was woken in total.
func (t *Task[T]) WakeCount() int { return int(t.w.n.Load()) }

// Done reports whether the future completed.
func (t *Task[T]) Done() bool { return t.done }

// Drop drops the future if it has not completed, as an aborted task would.
// Dropping twice does nothing.
func (t *Task[T]) Drop() {
	if t.done || t.dropped {
		return
	}
	t.dropped = true
	future.Drop(t.f)
}

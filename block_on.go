package weft

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/gident"
	"github.com/weftrt/weft/internal/sched/currentthread"
	"github.com/weftrt/weft/internal/timer"
	"github.com/weftrt/weft/internal/values"
)

// BlockOn runs f to completion on the calling goroutine and returns its
// output. It returns early with ctx.Err() when ctx ends first, and with
// ErrRuntimeShutdown (or a *PanicShutdownError) when the runtime shuts down
// first; f is dropped in every case.
//
// On a current-thread runtime, BlockOn also drives the runtime: every task
// runs on this goroutine while BlockOn waits. On a multi-thread runtime the
// workers run the tasks and BlockOn only polls f. Futures polled by BlockOn
// see the runtime as cx.Executor(), so they may spawn, sleep and await join
// handles.
//
// BlockOn must not be called from inside a task, of this runtime or of any
// other (from a worker, a current-thread driver, a LocalSet's goroutine, or
// an Async body they poll): it returns ErrNestedBlockOn at once, since it
// would block the goroutine that runs tasks (and, when the future needs a
// task only that goroutine can run, wait for ever). Inside a task, await
// the future instead. The check needs goroutine identity (amd64 and arm64);
// elsewhere such a call blocks as described.
//
// A BlockOn whose future is ready at its first poll allocates nothing and
// neither waits nor reads the clock (unless the clock is paused).
//
//go:noinline
func BlockOn[F future.Future[T], T any](ctx context.Context, rt *Runtime, f F) (T, error) {
	var zero T
	if rt == nil {
		panic("weft: BlockOn with a nil *Runtime")
	}
	if values.IsNil(f) {
		panic("weft: BlockOn of a nil future")
	}
	if ctx == nil {
		panic("weft: BlockOn with a nil context.Context (use context.Background())")
	}
	h := rt.h
	entered := false // the fast start holds the core of h.ct
	// The only defer, so that it stays open-coded (BlockOn is not inlined
	// for the same reason): it gives the core back if f's first poll
	// panics, and drops f in every case.
	defer func() {
		if entered {
			_ = h.ct.Exit()
		}
		values.Drop(f)
	}()
	if gident.InTask() {
		// A worker, driver or LocalSet goroutine of any runtime: blocking
		// here would stall its tasks, or wait for ever for a task only it
		// can run.
		return zero, ErrNestedBlockOn
	}
	select {
	case <-h.closing:
		return zero, h.shutdownErr()
	default:
	}
	if h.ct != nil {
		// Fast start: poll f here, holding the core, and drive the
		// scheduler only if f is not ready (currentthread/enter.go).
		if cx, ok := h.ct.Enter(ctx); ok {
			entered = true
			v, ready := f.Poll(cx)
			entered = false
			if ready {
				if err := h.ct.Exit(); err != nil {
					return zero, blockOnCurrentThreadErr(h, err)
				}
				return v, nil
			}
			return blockOnCurrentThread(ctx, h, f, true)
		}
		return blockOnCurrentThread(ctx, h, f, false)
	}
	if h.act != nil {
		return blockOnPaused(ctx, h, f)
	}
	w := getBlockOnWaiter(h)
	if v, ok := f.Poll(&w.cx); ok {
		putBlockOnWaiter(w)
		return v, nil
	}
	// (A waiter whose BlockOn panics is not recycled.)
	v, err := blockOnWait(ctx, h, f, w)
	putBlockOnWaiter(w)
	return v, err
}

// blockOnCurrentThread is BlockOn on a current-thread runtime past the fast
// start: it drives the scheduler until f completes. entered says that
// Enter took the core and f's first poll returned Pending. f is a copy of
// BlockOn's (the caller drops its own), kept apart so that the closure
// below, which makes it escape, costs nothing on the fast path.
func blockOnCurrentThread[F future.Future[T], T any](ctx context.Context, h *Handle, f F, entered bool) (T, error) {
	var out, zero T
	poll := func(cx *future.Context) bool {
		v, ok := f.Poll(cx)
		if ok {
			out = v
		}
		return ok
	}
	var err error
	if entered {
		err = h.ct.Continue(ctx, poll)
	} else {
		err = h.ct.BlockOn(ctx, poll)
	}
	if err != nil {
		return zero, blockOnCurrentThreadErr(h, err)
	}
	return out, nil
}

// blockOnCurrentThreadErr maps an error of the current-thread scheduler's
// BlockOn to BlockOn's.
func blockOnCurrentThreadErr(h *Handle, err error) error {
	switch {
	case errors.Is(err, currentthread.ErrNested):
		return ErrNestedBlockOn
	case errors.Is(err, currentthread.ErrStuck):
		return ErrDeadlock
	case errors.Is(err, currentthread.ErrShutdown):
		return h.shutdownErr()
	}
	var pe *currentthread.PanicShutdownError
	if errors.As(err, &pe) {
		h.beginShutdown()
		return &PanicShutdownError{Err: pe.Err}
	}
	return err
}

// blockOnWait is BlockOn on a multi-thread runtime after f's first poll
// returned Pending: it sleeps until w is woken and polls f again, until f
// completes, ctx ends or the runtime shuts down.
func blockOnWait[F future.Future[T], T any](ctx context.Context, h *Handle, f F, w *blockOnWaiter) (T, error) {
	var zero T
	sig := w.arm()
	for {
		select {
		case <-sig.C():
		case <-ctx.Done():
			return zero, ctx.Err()
		case <-h.closing:
			return zero, h.shutdownErr()
		}
		futurecx.SetBudget(&w.cx, future.DefaultBudget)
		if v, ok := f.Poll(&w.cx); ok {
			return v, nil
		}
	}
}

/*
# The multi-thread BlockOn's waiter

A BlockOn on a multi-thread runtime polls its future on the calling
goroutine with the Context of a blockOnWaiter, and sleeps on a Signal
between polls. Waiters are recycled through a sync.Pool, so that a BlockOn
whose future is ready at its first poll allocates nothing; the Signal (a
channel) is made only when the goroutine has to sleep, and never pooled: a
channel made inside a testing/synctest bubble must not be touched from
outside it (see internal/gowait).

Rules:

 1. Every use of a waiter has its own generation, gen, and the Context's
    Waker carries it as its tag. Wake ignores any other tag, so a Waker kept
    by a future past the end of its BlockOn does not wake the next user of
    the waiter (the rare wake that passes the check just before the waiter
    is recycled is a spurious wake, which futures allow).
 2. Wake sets woken, then loads sig and wakes it if it is set. arm stores the
    new Signal in sig, then takes woken: either Wake saw the Signal, or arm
    sees woken and wakes the Signal itself, so a wake between the first
    poll and arm is not lost (Go's atomics are sequentially consistent).
 3. Once armed, every wake reaches the Signal, which remembers one.
*/

// blockOnWaiter is the Context and the wake-up of one BlockOn on a
// multi-thread runtime; see the comment above.
type blockOnWaiter struct {
	cx    future.Context // owned by the BlockOn using the waiter
	gen   atomic.Uint64  // generation of the current use (rule 1); never 0
	woken atomic.Bool    // a wake arrived (rule 2)
	sig   atomic.Pointer[future.Signal]
}

var blockOnWaiters = sync.Pool{New: func() any { return new(blockOnWaiter) }}

// getBlockOnWaiter returns a recycled waiter that has begun a use on h.
func getBlockOnWaiter(h *Handle) *blockOnWaiter {
	w := blockOnWaiters.Get().(*blockOnWaiter)
	w.begin(h)
	return w
}

// putBlockOnWaiter ends w's use and recycles it, once its BlockOn returns.
func putBlockOnWaiter(w *blockOnWaiter) {
	w.end()
	blockOnWaiters.Put(w)
}

// begin starts a use of w by a BlockOn on h: a new generation, its tagged
// Waker, h as the executor and a fresh budget.
func (w *blockOnWaiter) begin(h *Handle) {
	g := w.gen.Add(1)
	w.woken.Store(false)
	futurecx.SetWaker(&w.cx, future.NewTaggedWaker(w, g))
	futurecx.SetExecutor(&w.cx, h)
	futurecx.SetBudget(&w.cx, future.DefaultBudget)
}

// end ends the use of w: it forgets the Signal and what the Context points
// to.
func (w *blockOnWaiter) end() {
	w.sig.Store(nil)
	futurecx.SetWaker(&w.cx, future.Waker{})
	futurecx.SetExecutor(&w.cx, nil)
}

// Wake wakes the BlockOn of generation tag, if it still uses w.
func (w *blockOnWaiter) Wake(tag uint64) {
	if w.gen.Load() != tag {
		return
	}
	w.woken.Store(true)
	if s := w.sig.Load(); s != nil {
		s.Wake(0)
	}
}

// arm gives w the Signal its BlockOn sleeps on (rule 2).
func (w *blockOnWaiter) arm() *future.Signal {
	sig := future.NewSignal()
	w.sig.Store(sig)
	if w.woken.Swap(false) {
		sig.Wake(0)
	}
	return sig
}

// blockOnPaused is BlockOn on a multi-thread runtime whose clock is paused.
// f's wakes count as work in progress until f has been polled: the clock
// must not jump past a timer that woke f before f has seen it
// (internal/timer/activity.go). f is a copy of BlockOn's, which drops it.
func blockOnPaused[F future.Future[T], T any](ctx context.Context, h *Handle, f F) (T, error) {
	var zero T
	sig := future.NewSignal()
	w, flag := timer.SignalWaker(sig, h.act)
	took := false // a poll in progress holds the wake's unit
	defer func() {
		flag.EndPoll(took) // a poll that panicked or called Goexit
		flag.Close()
	}()
	cx := future.NewContext(w)
	futurecx.SetExecutor(cx, h)
	for {
		futurecx.SetBudget(cx, future.DefaultBudget)
		took = flag.BeginPoll()
		v, ok := f.Poll(cx)
		flag.EndPoll(took)
		took = false
		if ok {
			return v, nil
		}
		select {
		case <-sig.C():
		case <-ctx.Done():
			return zero, ctx.Err()
		case <-h.closing:
			return zero, h.shutdownErr()
		}
	}
}

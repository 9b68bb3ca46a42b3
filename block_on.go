package weft

import (
	"context"
	"errors"

	"github.com/weftrt/weft/future"
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
	defer values.Drop(&f)
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
		var out T
		err := h.ct.BlockOn(ctx, func(cx *future.Context) bool {
			v, ok := f.Poll(cx)
			if ok {
				out = v
			}
			return ok
		})
		switch {
		case err == nil:
			return out, nil
		case errors.Is(err, currentthread.ErrNested):
			return zero, ErrNestedBlockOn
		case errors.Is(err, currentthread.ErrStuck):
			return zero, ErrDeadlock
		case errors.Is(err, currentthread.ErrShutdown):
			return zero, h.shutdownErr()
		default:
			var pe *currentthread.PanicShutdownError
			if errors.As(err, &pe) {
				h.beginShutdown()
				return zero, &PanicShutdownError{Err: pe.Err}
			}
			return zero, err
		}
	}
	sig := future.NewSignal()
	// Under a paused clock, f's wakes count as work in progress until f
	// has been polled: the clock must not jump past a timer that woke f
	// before f has seen it (internal/timer/activity.go).
	w, flag := timer.SignalWaker(sig, h.act)
	took := false // a poll in progress holds the wake's unit
	defer func() {
		flag.EndPoll(took) // a poll that panicked or called Goexit
		flag.Close()
	}()
	cx := future.NewContext(w)
	cx.SetExecutor(h)
	for {
		cx.SetBudget(future.DefaultBudget)
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

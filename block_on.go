package weft

import (
	"context"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/gident"
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
func BlockOn[F future.Future[T], T any](ctx context.Context, rt *Runtime, f F) (v T, err error) {
	// The results are named, and no zero T is declared but on the error
	// paths, so that a ready poll's value is copied once, into v: a local
	// returned at the end, and a zero T for the errors, cost a copy and a
	// zeroing more (with a 32 KiB value, a pass over it each).
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
	var entered *future.Context // set from Enter to Exit
	// The only defer, so that it stays open-coded (BlockOn is not inlined
	// for the same reason): it calls Exit if a poll of f panics (or a
	// task polled inside Wait calls runtime.Goexit), and drops f in every
	// case.
	defer func() {
		if entered != nil {
			_ = h.eng.Exit(entered)
		}
		values.Drop(f)
	}()
	if gident.InTask() {
		// A worker, driver or LocalSet goroutine of any runtime: blocking
		// here would stall its tasks, or wait for ever for a task only it
		// can run.
		return v, ErrNestedBlockOn
	}
	select {
	case <-h.closing:
		return v, h.shutdownErr()
	default:
	}
	// The engine's protocol (sched.Engine): f is polled here, directly,
	// so that neither a ready future nor a pending one costs an
	// allocation or an indirect call per poll.
	cx, ok := h.eng.Enter(ctx)
	if !ok {
		return blockOnEngine(ctx, h, f)
	}
	entered = cx
	for {
		var ready bool
		v, ready = f.Poll(cx)
		if ready {
			entered = nil
			if err = h.eng.Exit(cx); err != nil {
				var zero T
				return zero, h.blockOnErr(err)
			}
			return // v, and err == nil
		}
		if err = h.eng.Wait(ctx, cx); err != nil {
			entered = nil
			_ = h.eng.Exit(cx) // Wait's error says why the BlockOn ended
			var zero T         // a pending poll's output is not ours to return
			return zero, h.blockOnErr(err)
		}
	}
}

// blockOnEngine is BlockOn when the engine's Enter turned it away (a
// paused clock, another goroutine driving a current-thread runtime, a
// context already ended): the engine polls f through a MainFuture. f is a
// copy of BlockOn's (the caller drops its own), kept apart so that
// mainFuture, which makes it escape, costs nothing on the common path.
func blockOnEngine[F future.Future[T], T any](ctx context.Context, h *Handle, f F) (T, error) {
	var zero T
	m := &mainFuture[F, T]{f: f}
	if err := h.eng.BlockOn(ctx, m); err != nil {
		return zero, h.blockOnErr(err)
	}
	return m.out, nil
}

// mainFuture is BlockOn's future as the engine sees it (sched.MainFuture).
type mainFuture[F future.Future[T], T any] struct {
	f   F
	out T
}

// PollMain polls the future and keeps its output.
func (m *mainFuture[F, T]) PollMain(cx *future.Context) bool {
	v, ok := m.f.Poll(cx)
	if ok {
		m.out = v
	}
	return ok
}

// blockOnErr is BlockOn's error for an error of the engine, which returns
// this package's errors (engineErrors): a shutdown is reported with its
// cause, a task panic when there was one.
func (h *Handle) blockOnErr(err error) error {
	if err == ErrRuntimeShutdown {
		return h.shutdownErr()
	}
	return err
}

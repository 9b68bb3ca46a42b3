package weft_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/gident"
	"github.com/weftrt/weft/mpsc"
	"github.com/weftrt/weft/task"
)

// Blocking calls made from inside a task: each must refuse at once instead
// of blocking the goroutine that runs tasks (and, on a current-thread
// runtime or a LocalSet, waiting for ever for a task only that goroutine can
// run).

// spawnBody spawns a task that runs body once and returns its result.
type spawnBody func(body func(cx *future.Context) error) *task.JoinHandle[error]

// eachTaskKind runs fn for every kind of goroutine that runs tasks: a
// multi-thread worker, a current-thread driver, a LocalSet's goroutine, and
// an Async body polled by a worker. fn gets the runtime and a spawn of the
// kind; BlockOn(rt, handle) from the test goroutine awaits the task.
func eachTaskKind(t *testing.T, fn func(t *testing.T, rt *weft.Runtime, spawn spawnBody)) {
	if !gident.Supported {
		t.Skip("the checks need goroutine identity (amd64, arm64)")
	}
	onRuntime := func(rt *weft.Runtime) spawnBody {
		return func(body func(cx *future.Context) error) *task.JoinHandle[error] {
			return weft.Spawn(rt, fn1(body))
		}
	}
	t.Run("multi-thread", func(t *testing.T) {
		rt := newRuntime(t, weft.WithWorkers(2))
		fn(t, rt, onRuntime(rt))
	})
	t.Run("current-thread", func(t *testing.T) {
		rt := newRuntime(t, weft.WithCurrentThread())
		fn(t, rt, onRuntime(rt))
	})
	t.Run("local-set", func(t *testing.T) {
		rt := newRuntime(t, weft.WithWorkers(1))
		ls := weft.NewLocalSet(rt)
		t.Cleanup(ls.Close)
		fn(t, rt, func(body func(cx *future.Context) error) *task.JoinHandle[error] {
			return weft.SpawnLocal(ls, fn1(body))
		})
	})
	t.Run("async-body", func(t *testing.T) {
		rt := newRuntime(t, weft.WithWorkers(2))
		fn(t, rt, func(body func(cx *future.Context) error) *task.JoinHandle[error] {
			return weft.Spawn(rt, weft.Async(func(a *weft.A) error { return body(a.Context()) }))
		})
	})
}

// fn1 is a future that runs body once and completes with its result.
type fn1 func(cx *future.Context) error

func (f fn1) Poll(cx *future.Context) (error, bool) { return f(cx), true }

// awaitTask awaits h from the test goroutine.
func awaitTask(t *testing.T, rt *weft.Runtime, h *task.JoinHandle[error]) future.Result[error] {
	t.Helper()
	r, err := weft.BlockOn(context.Background(), rt, h)
	if err != nil {
		t.Fatalf("BlockOn: %v", err)
	}
	return r
}

// mustTaskPanicWith checks that the task panicked with a message containing
// want.
func mustTaskPanicWith(t *testing.T, r future.Result[error], want string) {
	t.Helper()
	var je *task.JoinError
	if !errors.As(r.Err, &je) || !je.IsPanic() {
		t.Fatalf("task result %+v, want a panic saying %q", r, want)
	}
	if s, _ := je.PanicValue().(string); !strings.Contains(s, want) {
		t.Fatalf("panic %v, want it to say %q", je.PanicValue(), want)
	}
}

// BlockOn of another runtime from inside a task used to block the task's
// goroutine (a worker of the first runtime) until the second runtime's
// future was ready; Tokio panics. Now it returns ErrNestedBlockOn at once,
// whatever the flavour of either runtime.
func TestBlockOnOfAnotherRuntimeFromATaskReturnsErrNestedBlockOn(t *testing.T) {
	eachTaskKind(t, func(t *testing.T, rt *weft.Runtime, spawn spawnBody) {
		for _, other := range []weft.Option{weft.WithWorkers(1), weft.WithCurrentThread()} {
			rt2 := newRuntime(t, other)
			h := spawn(func(*future.Context) error {
				_, err := weft.BlockOn(context.Background(), rt2, future.Ready(1))
				return err
			})
			if r := awaitTask(t, rt, h); r.Err != nil || !errors.Is(r.Value, weft.ErrNestedBlockOn) {
				t.Fatalf("BlockOn of another runtime from a task: %+v, want ErrNestedBlockOn", r)
			}
		}
		// The runtime itself too (already refused before, now by the
		// same check on every kind of task).
		h := spawn(func(*future.Context) error {
			_, err := weft.BlockOn(context.Background(), rt, future.Ready(1))
			return err
		})
		if r := awaitTask(t, rt, h); !errors.Is(r.Value, weft.ErrNestedBlockOn) {
			t.Fatalf("nested BlockOn of the same runtime: %+v, want ErrNestedBlockOn", r)
		}
	})
}

// JoinHandle.Join from inside a task used to hang for ever on a
// current-thread runtime (the joined task could only run on the blocked
// driver) and to block a worker on a multi-thread one. Now it panics, saying
// to await the handle, on every kind of task, even when the joined task has
// already finished (so that the mistake does not hide until the day it
// hangs).
func TestJoinFromInsideATaskPanicsSayingToAwait(t *testing.T) {
	eachTaskKind(t, func(t *testing.T, rt *weft.Runtime, spawn spawnBody) {
		other := weft.Spawn(rt, future.Ready(3))
		h := spawn(func(*future.Context) error {
			_, err := other.BlockingJoin(context.Background())
			return err
		})
		mustTaskPanicWith(t, awaitTask(t, rt, h), "await the handle instead")
		// The handle was not used up: the test goroutine joins it.
		if r, err := weft.BlockOn(context.Background(), rt, other); err != nil || r.Value != 3 {
			t.Fatalf("joining the handle afterwards: %+v, %v", r, err)
		}
	})
}

// The channels' Blocking methods wait like Join: from inside a task they
// panic instead, when they would have to wait (a BlockingRecv in a
// current-thread task waited for ever for the sender task it blocked). One
// that need not wait still works.
func TestBlockingRecvFromInsideATaskPanicsWhenItWouldWait(t *testing.T) {
	eachTaskKind(t, func(t *testing.T, rt *weft.Runtime, spawn spawnBody) {
		tx, rx := mpsc.New[int](1)
		defer tx.Close()
		h := spawn(func(*future.Context) error {
			_, err := rx.BlockingRecv(context.Background())
			return err
		})
		mustTaskPanicWith(t, awaitTask(t, rt, h), "await the future instead")
		if err := tx.TrySend(5); err != nil {
			t.Fatal(err)
		}
		h = spawn(func(*future.Context) error {
			if v, err := rx.BlockingRecv(context.Background()); err != nil || v != 5 {
				return fmt.Errorf("BlockingRecv of a buffered value = %d, %v", v, err)
			}
			return nil
		})
		if r := awaitTask(t, rt, h); r.Err != nil || r.Value != nil {
			t.Fatalf("ready BlockingRecv in a task: %+v", r)
		}
	})
}

// JoinSet.BlockingJoinNext is the JoinSet's Join: from inside a task it
// panics when it would have to wait.
func TestBlockingJoinNextFromInsideATaskPanicsSayingToAwait(t *testing.T) {
	eachTaskKind(t, func(t *testing.T, rt *weft.Runtime, spawn spawnBody) {
		js := weft.NewJoinSet[struct{}]()
		g := &gate{}
		weft.SpawnInto(js, rt, g)
		h := spawn(func(*future.Context) error {
			_, _, err := js.BlockingJoinNext(context.Background())
			return err
		})
		mustTaskPanicWith(t, awaitTask(t, rt, h), "await JoinNext instead")
		// The set is still usable: its task is joined as usual.
		g.Open()
		if r, err := weft.BlockOn(context.Background(), rt, js.JoinNext()); err != nil || r.Err != nil {
			t.Fatalf("JoinNext afterwards: %+v, %v", r, err)
		}
		js.Close()
	})
}

// A nil context was a bare nil-interface panic deep inside the wait.
func TestNilContextPanicsWithAMessage(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread())
	//lint:ignore SA1012 the nil context is what is tested
	syncMustPanic(t, "weft: BlockOn with a nil context.Context", func() { _, _ = weft.BlockOn(nil, rt, future.Ready(1)) })
	//lint:ignore SA1012 the nil context is what is tested
	syncMustPanic(t, "weft: Dump with a nil context.Context", func() { _, _ = rt.Dump(nil) })
	_, rx := mpsc.New[int](1)
	//lint:ignore SA1012 the nil context is what is tested
	syncMustPanic(t, "weft: a Blocking method called with a nil context.Context", func() { _, _ = rx.BlockingRecv(nil) })
}

// rt.Close from inside one of its tasks used to hang for ever, and every
// later Close with it (Shutdown(d) returned after d): the shutdown waits for
// the calling task's poll to return. Now it begins the shutdown and returns
// ErrShutdownFromTask at once; the calling task is cancelled at its next
// await, and a Close from outside waits for the shutdown.
func TestCloseFromInsideATaskBeginsTheShutdownWithoutWaiting(t *testing.T) {
	calls := []struct {
		name string
		call func(rt *weft.Runtime) error
	}{
		{"Close", (*weft.Runtime).Close},
		{"Shutdown(1h)", func(rt *weft.Runtime) error { return rt.Shutdown(time.Hour) }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) { testCloseFromInsideATask(t, c.call) })
	}
}

func testCloseFromInsideATask(t *testing.T, call func(rt *weft.Runtime) error) {
	eachTaskKind(t, func(t *testing.T, rt *weft.Runtime, spawn spawnBody) {
		sleeper := weft.Spawn(rt, weft.Sleep(time.Hour))
		res := make(chan error, 1)
		h := spawn(func(*future.Context) error {
			err := call(rt)
			res <- err
			return err
		})
		// BlockOn drives a current-thread runtime until the task has run;
		// it returns with the task's result or with ErrRuntimeShutdown,
		// whichever it sees first (and then drops h: res has the result).
		_, _ = weft.BlockOn(context.Background(), rt, h)
		if err := rt.Close(); err != nil {
			t.Fatalf("Close from outside afterwards: %v", err)
		}
		if err := <-res; !errors.Is(err, weft.ErrShutdownFromTask) {
			t.Fatalf("Shutdown from a task: %v; want ErrShutdownFromTask", err)
		}
		if _, err := sleeper.BlockingJoin(context.Background()); !errors.Is(err, weft.ErrRuntimeShutdown) {
			t.Fatalf("sleeper: %v, want a cancellation by the shutdown", err)
		}
	})
}

// A blocking closure that closes its own runtime used to wait for ever:
// the shutdown waits for the blocking pool, which waits for that closure.
// Now it begins the shutdown and returns ErrShutdownFromTask, and the
// shutdown finishes once the closure has returned.
func TestCloseFromABlockingClosureBeginsTheShutdownWithoutWaiting(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt, err := weft.New(opts...)
		if err != nil {
			t.Fatal(err)
		}
		sleeper := weft.Spawn(rt, weft.Sleep(time.Hour))
		h := weft.SpawnBlocking(rt, func() error { return rt.Close() })
		if got, err := h.BlockingJoin(context.Background()); err != nil || !errors.Is(got, weft.ErrShutdownFromTask) {
			t.Fatalf("Close from a blocking closure returned %v (join: %v); want ErrShutdownFromTask", got, err)
		}
		if err := rt.Close(); err != nil {
			t.Fatalf("Close from outside afterwards: %v", err)
		}
		if _, err := sleeper.BlockingJoin(context.Background()); !errors.Is(err, weft.ErrRuntimeShutdown) {
			t.Fatalf("sleeper: %v, want a cancellation by the shutdown", err)
		}
	})
}

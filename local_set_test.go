package weft_test

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/gident"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/task"
	"go.uber.org/goleak"
)

// Every task of a LocalSet runs on the set's own goroutine (and OS thread),
// whoever spawned it.
func TestLocalSetRunsEveryTaskOnItsGoroutine(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(2))
	ls := weft.NewLocalSet(rt)
	defer ls.Close()
	var home atomic.Uintptr
	var wrong atomic.Int64
	check := func() {
		g := gident.Current()
		if !home.CompareAndSwap(0, g) && home.Load() != g {
			wrong.Add(1)
		}
	}
	const n = 200
	var wg sync.WaitGroup
	hs := make([]*task.JoinHandle[int], n)
	for i := range n {
		wg.Add(1)
		go func() { // spawned from many goroutines
			defer wg.Done()
			hs[i] = weft.SpawnLocal(ls, fn[int](func(cx *future.Context) int {
				check()
				// and from inside a local task
				weft.SpawnLocal(cx, fn[int](func(*future.Context) int { check(); return 1 })).Detach()
				return i
			}))
		}()
	}
	wg.Wait()
	for i, h := range hs {
		v, err := h.BlockingJoin(context.Background())
		if err != nil || v != i {
			t.Fatalf("task %d: %v %v", i, v, err)
		}
	}
	if w := wrong.Load(); w != 0 {
		t.Fatalf("%d local tasks ran off the set's goroutine", w)
	}
}

func TestLocalSetTasksUseTheRuntime(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(2), weft.WithPausedClock())
	ls := weft.NewLocalSet(rt)
	defer ls.Close()
	// A local task spawns onto the runtime through its Context, awaits the
	// handle, and sleeps on the runtime's timers.
	h := weft.SpawnLocal(ls, weft.Async(func(a *weft.A) int {
		r := weft.Await(a, weft.Spawn(a.Context(), future.Ready(5)))
		weft.Await(a, weft.Sleep(time.Hour))
		return r.Value
	}))
	v, err := h.BlockingJoin(context.Background())
	if err != nil || v != 5 {
		t.Fatalf("got %v %v", v, err)
	}
}

func TestLocalSetCloseCancelsTasks(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(1))
	ls := weft.NewLocalSet(rt)
	gs := make([]*gate, 10)
	hs := make([]*task.JoinHandle[struct{}], 10)
	for i := range gs {
		gs[i] = &gate{}
		hs[i] = weft.SpawnLocal(ls, gs[i])
	}
	ls.Close()
	for i, h := range hs {
		_, err := h.BlockingJoin(context.Background())
		if !errors.Is(err, task.ErrCancelled) || !errors.Is(err, weft.ErrLocalSetClosed) {
			t.Fatalf("task %d: %v", i, err)
		}
		if gs[i].Dropped() != 1 {
			t.Fatalf("task %d dropped %d times", i, gs[i].Dropped())
		}
	}
	// Spawning onto a closed set reports the same cause.
	_, err := weft.SpawnLocal(ls, future.Ready(1)).BlockingJoin(context.Background())
	if !errors.Is(err, weft.ErrLocalSetClosed) {
		t.Fatalf("spawn after close: %v", err)
	}
	ls.Close() // idempotent
}

func TestLocalSetClosedWithTheRuntime(t *testing.T) {
	rt, err := weft.New(weft.WithWorkers(1))
	if err != nil {
		t.Fatal(err)
	}
	ls := weft.NewLocalSet(rt)
	h := weft.SpawnLocal(ls, &gate{})
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := h.BlockingJoin(context.Background()); !errors.Is(err, task.ErrCancelled) {
		t.Fatalf("local task after runtime close: %v", err)
	}
}

// A local task woken from another goroutine (a remote wake) runs.
func TestLocalSetRemoteWake(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(1))
	ls := weft.NewLocalSet(rt)
	defer ls.Close()
	for range 100 {
		g := &gate{}
		h := weft.SpawnLocal(ls, g)
		go g.Open()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := h.BlockingJoin(ctx)
		cancel()
		if err != nil {
			t.Fatalf("remote wake lost: %v", err)
		}
	}
}

// An Async body started on the set's locked thread may only be resumed on
// that thread (the Go runtime aborts the process otherwise). Closing the set,
// or the runtime, unwinds such a body on the set's own thread: its defers run
// and nothing crashes. Closing from inside one of the set's tasks works too.
func TestLocalSetClosesSuspendedAsyncBodiesOnItsThread(t *testing.T) {
	for _, closeWith := range []string{"LocalSet.Close", "Runtime.Close", "Close from a local task"} {
		t.Run(closeWith, func(t *testing.T) {
			rt, err := weft.New(weft.WithWorkers(1))
			if err != nil {
				t.Fatal(err)
			}
			ls := weft.NewLocalSet(rt)
			started := make(chan struct{})
			var unwound atomic.Bool
			var unwoundOn atomic.Uintptr
			var startedOn atomic.Uintptr
			h := weft.SpawnLocal(ls, weft.Async(func(a *weft.A) int {
				defer func() { unwound.Store(true); unwoundOn.Store(gident.Current()) }()
				startedOn.Store(gident.Current())
				close(started)
				return weft.Await(a, future.Pending[int]())
			}))
			<-started
			switch closeWith {
			case "LocalSet.Close":
				ls.Close()
			case "Runtime.Close":
				// closes the set below
			case "Close from a local task":
				weft.SpawnLocal(ls, fn[int](func(*future.Context) int { ls.Close(); return 0 })).Detach()
			}
			if err := rt.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := h.BlockingJoin(context.Background()); !errors.Is(err, task.ErrCancelled) {
				t.Fatalf("Async task: %v", err)
			}
			if !unwound.Load() {
				t.Fatal("the body's defers did not run")
			}
			// The coroutine runs on its own goroutine, but it was started and
			// unwound by the set's goroutine on the set's thread.
			if startedOn.Load() != unwoundOn.Load() {
				t.Fatal("the body was unwound on a different goroutine than it ran on")
			}
		})
	}
}

func TestLocalSetGoroutineExitsOnClose(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(1))
	// Everything alive now (the test, the runtime's workers) is not the
	// set's: whatever goroutine NewLocalSet starts must be gone after Close.
	// (Counting runtime.NumGoroutine instead was flaky: goroutines of
	// earlier tests may exit in between.)
	existing := goleak.IgnoreCurrent()
	ls := weft.NewLocalSet(rt)
	h := weft.SpawnLocal(ls, fn[string](func(*future.Context) string { return goroutineHeader() }))
	home, err := h.BlockingJoin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if home == goroutineHeader() {
		t.Fatal("a LocalSet should run its tasks on a goroutine of its own")
	}
	ls.Close()
	goleak.VerifyNone(t, existing)
}

// goroutineHeader returns the calling goroutine's "goroutine N" header.
func goroutineHeader() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	if i := bytes.Index(buf, []byte(" [")); i > 0 {
		buf = buf[:i]
	}
	return string(buf)
}

// A local task that closes its own set after another goroutine has begun
// closing it must not wait for itself: only the set's goroutine can finish
// the close.
func TestLocalSetClosedFromItsTaskAfterAnOutsideClose(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(1))
	ls := weft.NewLocalSet(rt)
	closedInside := make(chan struct{})
	running := make(chan struct{})
	outsideClosing := make(chan struct{})
	weft.SpawnLocal(ls, fn[int](func(*future.Context) int {
		close(running)
		<-outsideClosing
		// Wait until the outside Close has marked the set closed: a spawn
		// from another goroutine is then cancelled at once.
		for {
			probe := make(chan bool)
			go func() {
				h := weft.SpawnLocal(ls, future.Ready(0))
				finished := h.IsFinished()
				h.Detach()
				probe <- finished
			}()
			if <-probe {
				break
			}
		}
		ls.Close()
		close(closedInside)
		return 0
	})).Detach()
	<-running // the task is being polled: the close must wait for it
	outsideDone := make(chan struct{})
	go func() {
		close(outsideClosing)
		ls.Close()
		close(outsideDone)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, ch := range []chan struct{}{closedInside, outsideDone} {
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatal("Close deadlocked: the set's own task waited for itself")
		}
	}
}

// TestLocalSetKeepsRunningAfterGoexitInATask: runtime.Goexit in a local
// task (t.FailNow in a test does exactly this) completes that task with
// task.ErrGoexit, and the set carries on: the next local task runs, and an
// Async body that was suspended on the set's thread before the Goexit
// resumes on that same goroutine and thread (resuming it on another thread
// would abort the process). Close returns, and so does the runtime's Close.
// The Goexit used to end the set's goroutine: the next task never ran and
// both Closes hung.
func TestLocalSetKeepsRunningAfterGoexitInATask(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(1))
	ls := weft.NewLocalSet(rt)
	started := make(chan uintptr, 1)
	resume := &gate{}
	suspended := weft.SpawnLocal(ls, weft.Async(func(a *weft.A) [2]uintptr {
		before := gident.Effective()
		started <- before
		weft.Await(a, resume)
		return [2]uintptr{before, gident.Effective()}
	}))
	home := <-started
	for round := range 3 { // each Goexit nests one more level on the set's goroutine
		exiter := weft.SpawnLocal(ls, fn[int](func(*future.Context) int {
			runtime.Goexit()
			return 0
		}))
		_, err := exiter.BlockingJoin(context.Background())
		var je *task.JoinError
		if !errors.As(err, &je) || !je.IsPanic() || !errors.Is(err, task.ErrGoexit) {
			t.Fatalf("round %d: a local task that called Goexit reports %v, want a panic with task.ErrGoexit", round, err)
		}
		next := weft.SpawnLocal(ls, fn[uintptr](func(*future.Context) uintptr { return gident.Current() }))
		if g, err := next.BlockingJoin(context.Background()); err != nil || g != home {
			t.Fatalf("round %d: the next local task ran on %#x (%v), want the set's goroutine %#x", round, g, err, home)
		}
	}
	resume.Open()
	if gs, err := suspended.BlockingJoin(context.Background()); err != nil || gs[0] != home || gs[1] != home {
		t.Fatalf("the suspended body resumed on %#x (started on %#x, set %#x): %v", gs[1], gs[0], home, err)
	}
	closed := make(chan struct{})
	go func() { ls.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(rttest.Patience):
		t.Fatal("ls.Close hung after a Goexit in a local task")
	}
}

package weft_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/gident"
	"github.com/weftrt/weft/task"
)

// runLocal drives ls on its own goroutine until the returned stop function is
// called; stop returns Run's error.
func runLocal(t *testing.T, ls *weft.LocalSet) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ls.Run(ctx) }()
	return func() error {
		cancel()
		return <-done
	}
}

// Every task of a LocalSet runs on the goroutine (and OS thread) that drives
// it, whoever spawned it.
func TestLocalSetRunsEveryTaskOnTheDriver(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(2))
	ls := weft.NewLocalSet(rt)
	defer ls.Close()
	driverG := make(chan uintptr, 1)
	var wrong atomic.Int64
	var expected atomic.Uintptr
	check := func() {
		if g := gident.Current(); expected.Load() != 0 && g != expected.Load() {
			wrong.Add(1)
		}
	}
	first := weft.SpawnLocal(ls, fn[int](func(*future.Context) int {
		driverG <- gident.Current()
		return 0
	}))
	stop := runLocal(t, ls)
	expected.Store(<-driverG)
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
				inner := weft.SpawnLocal(cx, fn[int](func(*future.Context) int { check(); return 1 }))
				inner.Detach()
				return i
			}))
		}()
	}
	wg.Wait()
	for i, h := range hs {
		v, err := h.Join(context.Background())
		if err != nil || v != i {
			t.Fatalf("task %d: %v %v", i, v, err)
		}
	}
	if _, err := first.Join(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
	if w := wrong.Load(); w != 0 {
		t.Fatalf("%d local tasks ran off the driver goroutine", w)
	}
}

func TestLocalSetTasksCanUseTheRuntime(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(2))
	ls := weft.NewLocalSet(rt)
	defer ls.Close()
	stop := runLocal(t, ls)
	defer stop()
	h := weft.SpawnLocal(ls, future.Then[struct{}, future.Result[int]](future.Ready(struct{}{}),
		func(struct{}) future.Future[future.Result[int]] {
			// Not reachable from here without a Context; spawn through the
			// runtime handle instead.
			return weft.Spawn(rt, future.Ready(5))
		}))
	r, err := h.Join(context.Background())
	if err != nil || r.Value != 5 {
		t.Fatalf("got %+v %v", r, err)
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
	running := make(chan struct{})
	weft.SpawnLocal(ls, fn[int](func(*future.Context) int { close(running); return 0 })).Detach()
	stop := runLocal(t, ls)
	<-running // Close now has to stop an active Run
	ls.Close()
	if err := stop(); err != nil {
		t.Fatalf("Run after Close returned %v, want nil", err)
	}
	for i, h := range hs {
		_, err := h.Join(context.Background())
		if !errors.Is(err, task.ErrCancelled) || !errors.Is(err, weft.ErrLocalSetClosed) {
			t.Fatalf("task %d: %v", i, err)
		}
		if gs[i].Dropped() != 1 {
			t.Fatalf("task %d dropped %d times", i, gs[i].Dropped())
		}
	}
	// Spawning onto a closed set reports the same cause.
	_, err := weft.SpawnLocal(ls, future.Ready(1)).Join(context.Background())
	if !errors.Is(err, weft.ErrLocalSetClosed) {
		t.Fatalf("spawn after close: %v", err)
	}
	if err := ls.Run(context.Background()); !errors.Is(err, weft.ErrLocalSetClosed) {
		t.Fatalf("Run on a closed set: %v", err)
	}
}

func TestLocalSetClosedWithTheRuntime(t *testing.T) {
	rt, err := weft.New(weft.WithWorkers(1))
	if err != nil {
		t.Fatal(err)
	}
	ls := weft.NewLocalSet(rt)
	g := &gate{}
	h := weft.SpawnLocal(ls, g)
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Join(context.Background()); !errors.Is(err, task.ErrCancelled) {
		t.Fatalf("local task after runtime close: %v", err)
	}
}

func TestLocalSetRunIsExclusive(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(1))
	ls := weft.NewLocalSet(rt)
	defer ls.Close()
	started := make(chan struct{})
	weft.SpawnLocal(ls, fn[int](func(*future.Context) int { close(started); return 0 })).Detach()
	stop := runLocal(t, ls)
	<-started
	if err := ls.Run(context.Background()); !errors.Is(err, weft.ErrLocalSetBusy) {
		t.Fatalf("second Run: %v", err)
	}
	stop()
}

// A local task woken from another goroutine (a remote wake) runs.
func TestLocalSetRemoteWake(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(1))
	ls := weft.NewLocalSet(rt)
	defer ls.Close()
	stop := runLocal(t, ls)
	defer stop()
	for range 100 {
		g := &gate{}
		h := weft.SpawnLocal(ls, g)
		go g.Open()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		_, err := h.Join(ctx)
		cancel()
		if err != nil {
			t.Fatalf("remote wake lost: %v", err)
		}
	}
}

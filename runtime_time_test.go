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
	"github.com/weftrt/weft/task"
)

// With a paused clock an hour-long sleep completes at once when nothing else
// can happen, and the clock reads an hour later.
func TestPausedClockAutoAdvancesWhenIdle(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, append(opts, weft.WithPausedClock())...)
		start := rt.Now()
		h := weft.Spawn(rt, weft.Sleep(time.Hour))
		if _, err := weft.BlockOn(context.Background(), rt, h); err != nil {
			t.Fatal(err)
		}
		if got := rt.Now().Sub(start); got < time.Hour || got > time.Hour+time.Second {
			t.Fatalf("clock moved %v, want about an hour", got)
		}
	})
}

// Timers fire in deadline order under the paused clock, across tasks.
func TestPausedClockFiresInDeadlineOrder(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, append(opts, weft.WithPausedClock())...)
		var order []int
		var mu sync.Mutex
		// The sleepers are spawned by a task, so that the runtime is busy
		// until every one of them has started its sleep: spawned from
		// here, one could start after the clock jumped for the others.
		spawner := weft.Spawn(rt, fn[[]*task.JoinHandle[int]](func(cx *future.Context) []*task.JoinHandle[int] {
			hs := make([]*task.JoinHandle[int], 0, 5)
			for _, d := range []int{5, 1, 4, 2, 3} {
				hs = append(hs, weft.Spawn(cx, future.Map[struct{}, int](weft.Sleep(time.Duration(d)*time.Minute), func(struct{}) int {
					mu.Lock()
					order = append(order, d)
					mu.Unlock()
					return d
				})))
			}
			return hs
		}))
		r, err := weft.BlockOn(context.Background(), rt, spawner)
		if err != nil || r.Err != nil {
			t.Fatal(err, r.Err)
		}
		if _, err := weft.BlockOn(context.Background(), rt, &awaitAll{hs: r.Value}); err != nil {
			t.Fatal(err)
		}
		for i, d := range order {
			if d != i+1 {
				t.Fatalf("timers fired in order %v", order)
			}
		}
	})
}

func TestRealClockSleepAndTimeout(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		start := time.Now()
		if _, err := weft.BlockOn(context.Background(), rt, weft.Sleep(20*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		if el := time.Since(start); el < 20*time.Millisecond {
			t.Fatalf("a 20ms sleep ended after %v", el)
		}
		r, err := weft.BlockOn(context.Background(), rt, weft.Timeout[struct{}](10*time.Millisecond, future.Pending[struct{}]()))
		if err != nil || !errors.Is(r.Err, weft.ErrElapsed) {
			t.Fatalf("timeout of a pending future: %+v %v", r, err)
		}
		// A task sleeping inside the runtime.
		h := weft.Spawn(rt, weft.Timeout[struct{}](time.Minute, weft.Sleep(time.Millisecond)))
		r2, err := weft.BlockOn(context.Background(), rt, h)
		if err != nil || r2.Err != nil || r2.Value.Err != nil {
			t.Fatalf("sleep inside timeout inside a task: %+v %v", r2, err)
		}
	})
}

// Aborting sleeping tasks deregisters their timers.
func TestAbortedSleepsLeaveNoTimer(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		var hs []*task.JoinHandle[struct{}]
		for range 100 {
			hs = append(hs, weft.Spawn(rt, weft.Sleep(time.Hour)))
		}
		// Let them register (a current-thread runtime needs driving).
		weft.BlockOn(context.Background(), rt, weft.Sleep(time.Millisecond))
		for _, h := range hs {
			h.Abort()
		}
		for _, h := range hs {
			if _, err := weft.BlockOn(context.Background(), rt, h); err != nil {
				t.Fatal(err)
			}
		}
		if n := weft.TimerDriverOf(rt).Len(); n != 0 {
			t.Fatalf("%d timers left after aborting every sleeper", n)
		}
	})
}

func TestSpawnBlocking(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, append(opts, weft.WithMaxBlocking(2))...)
		hs := make([]*task.JoinHandle[int], 10)
		for i := range hs {
			hs[i] = weft.SpawnBlocking(rt, func() int { return i })
		}
		sum, err := weft.BlockOn(context.Background(), rt, &awaitAll{hs: hs})
		if err != nil || sum != 45 {
			t.Fatalf("sum %d err %v", sum, err)
		}
		p := weft.SpawnBlocking(rt, func() int { panic("blocking boom") })
		if _, err := p.BlockingJoin(context.Background()); !errors.Is(err, task.ErrPanicked) {
			t.Fatalf("panicking closure: %v", err)
		}
	})
}

// A blocking task aborted before it starts never runs; one already running
// runs to the end and delivers.
func TestSpawnBlockingAbort(t *testing.T) {
	rt := newRuntime(t, weft.WithMaxBlocking(1))
	release := make(chan struct{})
	running := make(chan struct{})
	first := weft.SpawnBlocking(rt, func() int { close(running); <-release; return 1 })
	<-running
	var ran atomic.Bool
	second := weft.SpawnBlocking(rt, func() int { ran.Store(true); return 2 })
	second.Abort()
	first.Abort() // already running: no effect
	close(release)
	if v, err := first.BlockingJoin(context.Background()); err != nil || v != 1 {
		t.Fatalf("running blocking task: %v %v", v, err)
	}
	if _, err := second.BlockingJoin(context.Background()); !errors.Is(err, task.ErrCancelled) {
		t.Fatalf("aborted queued blocking task: %v", err)
	}
	if ran.Load() {
		t.Fatal("an aborted queued blocking task ran")
	}
}

func TestSpawnBlockingAfterShutdown(t *testing.T) {
	rt := newRuntime(t)
	rt.Close()
	_, err := weft.SpawnBlocking(rt, func() int { return 1 }).BlockingJoin(context.Background())
	if !errors.Is(err, task.ErrCancelled) || !errors.Is(err, weft.ErrRuntimeShutdown) {
		t.Fatalf("blocking spawn after shutdown: %v", err)
	}
}

// Shutdown waits for running blocking work up to its timeout.
func TestShutdownWaitsForBlockingWork(t *testing.T) {
	rt, err := weft.New()
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	running := make(chan struct{})
	h := weft.SpawnBlocking(rt, func() int { close(running); <-release; return 7 })
	<-running
	if err := rt.Shutdown(10 * time.Millisecond); !errors.Is(err, weft.ErrShutdownTimeout) {
		t.Fatalf("Shutdown with a running closure: %v", err)
	}
	close(release)
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	if v, err := h.BlockingJoin(context.Background()); err != nil || v != 7 {
		t.Fatalf("closure finished during shutdown: %v %v", v, err)
	}
}

// A paused clock does not jump while blocking work runs: the work may be
// what the sleeping task waits for.
func TestPausedClockWaitsForBlockingWork(t *testing.T) {
	parked := make(chan struct{}, 100)
	rt := newRuntime(t, weft.WithPausedClock(), weft.WithWorkers(1),
		weft.WithWorkerHooks(nil, nil, func(int) {
			select {
			case parked <- struct{}{}:
			default:
			}
		}, nil))
	release := make(chan struct{})
	running := make(chan struct{})
	var done atomic.Bool
	b := weft.SpawnBlocking(rt, func() int { close(running); <-release; done.Store(true); return 0 })
	<-running
	for len(parked) > 0 {
		<-parked
	}
	sleeper := weft.Spawn(rt, future.Map[struct{}, bool](weft.Sleep(time.Hour), func(struct{}) bool { return done.Load() }))
	go func() {
		// Release only after the worker, having registered the sleep,
		// goes idle: that is when a wrong auto-advance would fire it.
		<-parked
		close(release)
	}()
	r, err := weft.BlockOn(context.Background(), rt, sleeper)
	if err != nil || !r.Value {
		t.Fatalf("the hour passed while blocking work ran: %+v %v", r, err)
	}
	b.BlockingJoin(context.Background())
}

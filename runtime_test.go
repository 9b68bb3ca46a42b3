package weft_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

func TestSpawnAndJoinEveryTask(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		hs := make([]*task.JoinHandle[int], 1000)
		for i := range hs {
			hs[i] = weft.Spawn(rt, future.Ready(i))
		}
		sum, err := weft.BlockOn(context.Background(), rt, &awaitAll{hs: hs})
		if err != nil || sum != 999*1000/2 {
			t.Fatalf("sum %d err %v", sum, err)
		}
	})
}

func TestSpawnFromInsideTaskUsesContext(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		outer := weft.Spawn(rt, fn[int](func(cx *future.Context) int {
			id, ok := task.CurrentID(cx)
			if !ok || id == 0 {
				t.Errorf("no current task id inside a task")
			}
			inner := weft.Spawn(cx, future.Ready(41))
			inner.Detach()
			return 1
		}))
		v, err := weft.BlockOn(context.Background(), rt, outer)
		if err != nil || v.Value != 1 || v.Err != nil {
			t.Fatalf("got %+v, %v", v, err)
		}
	})
}

func TestBlockOnReturnsOnContextCancelAndDropsFuture(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		ctx, cancel := context.WithCancel(context.Background())
		g := &gate{}
		go cancel()
		_, err := weft.BlockOn(ctx, rt, g)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v, want context.Canceled", err)
		}
		if g.Dropped() != 1 {
			t.Fatalf("future dropped %d times, want 1", g.Dropped())
		}
	})
}

func TestSpawnAfterShutdownReportsRuntimeShutdown(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		if err := rt.Close(); err != nil {
			t.Fatal(err)
		}
		g := &gate{}
		h := weft.Spawn(rt, g)
		_, err := h.BlockingJoin(context.Background())
		if !errors.Is(err, task.ErrCancelled) || !errors.Is(err, weft.ErrRuntimeShutdown) {
			t.Fatalf("err %v, want a cancellation caused by ErrRuntimeShutdown", err)
		}
		if g.Dropped() != 1 {
			t.Fatalf("future dropped %d times, want 1", g.Dropped())
		}
		if _, err := weft.BlockOn(context.Background(), rt, future.Ready(1)); !errors.Is(err, weft.ErrRuntimeShutdown) {
			t.Fatalf("BlockOn after shutdown: %v", err)
		}
	})
}

func TestShutdownCancelsWaitingTasksAndDropsTheirFutures(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		const n = 200
		gates := make([]*gate, n)
		hs := make([]*task.JoinHandle[struct{}], n)
		started := make(chan struct{}, n)
		for i := range hs {
			g := &gate{}
			gates[i] = g
			hs[i] = weft.Spawn(rt, future.Then[struct{}, struct{}](future.Ready(struct{}{}), func(struct{}) future.Future[struct{}] {
				started <- struct{}{}
				return g
			}))
		}
		// Let every task reach its await point (a current-thread runtime
		// runs them only inside BlockOn).
		weft.BlockOn(context.Background(), rt, future.PollFunc(func(cx *future.Context) (int, bool) {
			if len(started) == n {
				return 0, true
			}
			cx.Waker().Wake()
			return 0, false
		}))
		if err := rt.Close(); err != nil {
			t.Fatal(err)
		}
		for i, h := range hs {
			_, err := h.BlockingJoin(context.Background())
			if !errors.Is(err, task.ErrCancelled) {
				t.Fatalf("task %d: err %v, want cancelled", i, err)
			}
			if d := gates[i].Dropped(); d != 1 {
				t.Fatalf("task %d: future dropped %d times", i, d)
			}
		}
	})
}

// A task in the middle of a poll when shutdown begins is cancelled when that
// poll returns Pending: at its next await point.
func TestShutdownCancelsRunningTaskAtNextAwait(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(2))
	inPoll := make(chan struct{})
	release := make(chan struct{})
	var polls atomic.Int32
	h := weft.Spawn(rt, future.PollFunc(func(cx *future.Context) (int, bool) {
		if polls.Add(1) == 1 {
			close(inPoll)
			<-release
		}
		return 0, false
	}))
	<-inPoll
	if err := rt.Shutdown(0); !errors.Is(err, weft.ErrShutdownTimeout) {
		t.Fatalf("Shutdown(0) with a task mid-poll: %v", err)
	}
	close(release)
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := h.BlockingJoin(context.Background())
	if !errors.Is(err, task.ErrCancelled) {
		t.Fatalf("err %v, want cancelled", err)
	}
	if p := polls.Load(); p != 1 {
		t.Fatalf("polled %d times after shutdown began", p)
	}
}

func TestPanicIsCapturedWithStack(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		h := weft.Spawn(rt, fn[int](func(*future.Context) int { panicHere("boom"); return 0 }))
		r, err := weft.BlockOn(context.Background(), rt, h)
		if err != nil {
			t.Fatal(err)
		}
		var je *task.JoinError
		if !errors.As(r.Err, &je) || !je.IsPanic() || je.PanicValue() != "boom" {
			t.Fatalf("got %v, want a panic JoinError", r.Err)
		}
		if !strings.Contains(string(je.Stack()), "panicHere") {
			t.Fatalf("stack does not show the panicking function:\n%s", je.Stack())
		}
		// The runtime carries on.
		v, err := weft.BlockOn(context.Background(), rt, weft.Spawn(rt, future.Ready(7)))
		if err != nil || v.Value != 7 {
			t.Fatalf("runtime broken after a panic: %+v %v", v, err)
		}
	})
}

func panicHere(v any) { panic(v) }

func TestShutdownOnPanicPolicy(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt, err := weft.New(append(opts, weft.WithUnhandledPanic(weft.ShutdownOnPanic))...)
		if err != nil {
			t.Fatal(err)
		}
		weft.Spawn(rt, fn[int](func(*future.Context) int { panic("fatal") })).Detach()
		_, err = weft.BlockOn(context.Background(), rt, &gate{})
		var pe *weft.PanicShutdownError
		if !errors.As(err, &pe) || pe.Err.PanicValue() != "fatal" {
			t.Fatalf("BlockOn: %v, want a PanicShutdownError", err)
		}
		if err := rt.Close(); !errors.As(err, &pe) {
			t.Fatalf("Close: %v, want a PanicShutdownError", err)
		}
	})
}

// A local task's panic goes through the same policy as any task's: under
// ShutdownOnPanic it shuts the runtime down, of either flavour. (The
// current-thread runtime used to record it and carry on running.)
func TestShutdownOnPanicOfALocalTaskStopsTheRuntime(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt, err := weft.New(append(opts, weft.WithUnhandledPanic(weft.ShutdownOnPanic))...)
		if err != nil {
			t.Fatal(err)
		}
		defer rt.Close()
		ls := weft.NewLocalSet(rt)
		jh := weft.SpawnLocal(ls, fn[int](func(*future.Context) int { panic("local") }))
		// The policy runs before the task completes, so before Join
		// returns.
		if _, err := jh.BlockingJoin(context.Background()); err == nil {
			t.Fatal("the panicking local task reported no error")
		}
		var pe *weft.PanicShutdownError
		_, err = weft.BlockOn(context.Background(), rt, future.Ready(1))
		if !errors.As(err, &pe) || pe.Err.PanicValue() != "local" {
			t.Fatalf("BlockOn after a local task's panic: %v, want a PanicShutdownError", err)
		}
		if err := rt.Close(); !errors.As(err, &pe) {
			t.Fatalf("Close: %v, want a PanicShutdownError", err)
		}
	})
}

func TestNestedBlockOnIsAnError(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		h := weft.Spawn(rt, fn[error](func(*future.Context) error {
			_, err := weft.BlockOn(context.Background(), rt, future.Ready(1))
			return err
		}))
		r, err := weft.BlockOn(context.Background(), rt, h)
		if err != nil || !errors.Is(r.Value, weft.ErrNestedBlockOn) {
			t.Fatalf("nested BlockOn returned %v (outer %v)", r.Value, err)
		}
	})
}

func TestInvalidOptions(t *testing.T) {
	cases := map[string]weft.Option{
		"WithWorkers needs at least 1 worker":    weft.WithWorkers(0),
		"WithMaxBlocking needs at least 1":       weft.WithMaxBlocking(-3),
		"WithBlockingKeepAlive needs a positive": weft.WithBlockingKeepAlive(-time.Second),
		"WithGlobalQueueInterval":                weft.WithGlobalQueueInterval(0),
		"WithEventInterval":                      weft.WithEventInterval(0),
		"unknown flavor":                         weft.WithFlavor(weft.Flavor(9)),
		"unknown panic policy":                   weft.WithUnhandledPanic(weft.PanicPolicy(9)),
	}
	for want, opt := range cases {
		rt, err := weft.New(opt)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "weft: ") {
			if rt != nil {
				rt.Close()
			}
			t.Errorf("option %q: err %v", want, err)
		}
	}
}

func TestTaskHooksRunForEveryTask(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		var spawn, term, before, after atomic.Int64
		rt := newRuntime(t, append(opts, weft.WithTaskHooks(task.Hooks{
			OnSpawn:     func(task.Meta) { spawn.Add(1) },
			OnTerminate: func(task.Meta) { term.Add(1) },
			BeforePoll:  func(task.Meta) { before.Add(1) },
			AfterPoll:   func(task.Meta) { after.Add(1) },
		}))...)
		hs := make([]*task.JoinHandle[int], 50)
		for i := range hs {
			hs[i] = weft.Spawn(rt, &yielder{n: 2, v: 1})
		}
		if sum, err := weft.BlockOn(context.Background(), rt, &awaitAll{hs: hs}); err != nil || sum != 50 {
			t.Fatalf("sum %d err %v", sum, err)
		}
		rt.Close()
		if spawn.Load() != 50 || term.Load() != 50 || before.Load() != 150 || after.Load() != 150 {
			t.Fatalf("hooks: spawn %d terminate %d before %d after %d", spawn.Load(), term.Load(), before.Load(), after.Load())
		}
	})
}

func TestWorkerHooks(t *testing.T) {
	var start, stop atomic.Int64
	var mu sync.Mutex
	seen := map[int]bool{}
	rt, err := weft.New(weft.WithWorkers(3), weft.WithWorkerHooks(
		func(w int) { start.Add(1); mu.Lock(); seen[w] = true; mu.Unlock() },
		func(int) { stop.Add(1) }, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	weft.BlockOn(context.Background(), rt, weft.Spawn(rt, future.Ready(1)))
	rt.Close()
	if start.Load() != 3 || stop.Load() != 3 || len(seen) != 3 {
		t.Fatalf("start %d stop %d workers %v", start.Load(), stop.Load(), seen)
	}
}

// A task that keeps yielding must not keep a task spawned from outside from
// running: the shared queue is checked every so many ticks.
func TestYieldLoopCannotStarveRemoteSpawns(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, append(opts, weft.WithWorkers(1))...)
		var stop atomic.Bool
		var yields atomic.Int64
		spinning := make(chan struct{})
		spinner := weft.Spawn(rt, future.PollFunc(func(cx *future.Context) (int, bool) {
			if stop.Load() {
				return 0, true
			}
			if yields.Add(1) == 1 {
				close(spinning)
			}
			cx.Waker().Wake()
			return 0, false
		}))
		reached := &gate{}
		go func() {
			<-spinning
			// Spawned from outside while the spinner spins.
			weft.Spawn(rt.Handle(), fn[int](func(*future.Context) int {
				stop.Store(true)
				reached.Open()
				return 0
			})).Detach()
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := weft.BlockOn(ctx, rt, reached); err != nil {
			t.Fatalf("remote spawn starved: %v (spinner yielded %d times)", err, yields.Load())
		}
		if _, err := weft.BlockOn(ctx, rt, spinner); err != nil {
			t.Fatal(err)
		}
	})
}

// pingPair is two tasks that wake each other on every poll.
type pingPair struct {
	mu      sync.Mutex
	wakers  [2]future.Waker
	done    atomic.Bool
	count   atomic.Int64
	spawned bool
}

type pinger struct {
	p    *pingPair
	self int
}

func (pg *pinger) Poll(cx *future.Context) (int, bool) {
	p := pg.p
	p.mu.Lock()
	p.wakers[pg.self] = cx.Waker()
	peer := p.wakers[1-pg.self]
	spawnPeer := pg.self == 0 && !p.spawned
	p.spawned = true
	p.mu.Unlock()
	if spawnPeer {
		weft.Spawn(cx, &pinger{p: p, self: 1}).Detach()
	}
	peer.Wake()
	if p.done.Load() {
		return 0, true
	}
	p.count.Add(1)
	return 0, false
}

// Two tasks that wake each other forever would keep a worker in its LIFO
// loop and starve everything queued; after three LIFO polls the slot is
// bypassed and the queue runs.
func TestLIFOSlotIsCapped(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(1))
	p := &pingPair{}
	var atVictim atomic.Int64
	victimRan := &gate{}
	starter := fn[int](func(cx *future.Context) int {
		// The victim is spawned first; spawning the pair then pushes it
		// from the LIFO slot to the run queue.
		weft.Spawn(cx, fn[int](func(*future.Context) int {
			atVictim.Store(p.count.Load())
			p.done.Store(true)
			victimRan.Open()
			return 0
		})).Detach()
		weft.Spawn(cx, &pinger{p: p, self: 0}).Detach()
		return 0
	})
	weft.Spawn(rt, starter).Detach()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := weft.BlockOn(ctx, rt, victimRan); err != nil {
		t.Fatalf("queued task starved behind a LIFO ping-pong (%d wakes): %v", p.count.Load(), err)
	}
	if n := atVictim.Load(); n > 8 {
		t.Fatalf("the pair ran %d polls before the queued task, want at most a few", n)
	}
}

// With the slot off, a spawned task goes to the back of the queue.
func TestLIFOSlotCanBeDisabled(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(1), weft.WithLIFOSlot(false))
	var order []int
	var mu sync.Mutex
	record := func(i int) fn[int] {
		return func(*future.Context) int { mu.Lock(); order = append(order, i); mu.Unlock(); return i }
	}
	all := &gate{}
	starter := fn[int](func(cx *future.Context) int {
		h1 := weft.Spawn(cx, record(1))
		h2 := weft.Spawn(cx, record(2))
		weft.Spawn(cx, future.Map[future.Pair[future.Result[int], future.Result[int]], int](future.Join2[future.Result[int], future.Result[int]](h1, h2), func(future.Pair[future.Result[int], future.Result[int]]) int {
			all.Open()
			return 0
		})).Detach()
		return 0
	})
	weft.Spawn(rt, starter).Detach()
	if _, err := weft.BlockOn(context.Background(), rt, all); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(order) != 2 || order[0] != 1 || order[1] != 2 {
		t.Fatalf("without the LIFO slot tasks ran in order %v, want [1 2]", order)
	}
}

func TestSpawnDetachedRunsAndCanBeAborted(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		ran := &gate{}
		weft.SpawnDetached(rt, fn[int](func(*future.Context) int { ran.Open(); return 0 }))
		if _, err := weft.BlockOn(context.Background(), rt, ran); err != nil {
			t.Fatal(err)
		}
		g := &gate{}
		a := weft.SpawnDetached(rt, g)
		if a.IsFinished() || a.ID() == 0 {
			t.Fatalf("fresh detached task: finished %v id %v", a.IsFinished(), a.ID())
		}
		a.Abort()
		// The abort is carried out by the scheduler; drive it until the
		// future has been dropped.
		weft.BlockOn(context.Background(), rt, future.PollFunc(func(cx *future.Context) (int, bool) {
			if a.IsFinished() {
				return 0, true
			}
			cx.Waker().Wake()
			return 0, false
		}))
		// Finished implies the future has been dropped.
		if g.Dropped() != 1 {
			t.Fatalf("aborted detached task dropped %d times", g.Dropped())
		}
		rt.Close()
		late := weft.SpawnDetached(rt, &gate{})
		if !late.IsFinished() || late.ID() != 0 {
			t.Fatalf("detached spawn after shutdown returned a live handle: %v", late.ID())
		}
	})
}

func TestSpawnDetachedDoesNotAllocateWithRecycledCells(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	rt := newRuntime(t, weft.WithCurrentThread())
	var ran int
	f := detachedCounter{n: &ran}
	target := 0
	wait := future.PollFunc(func(cx *future.Context) (int, bool) {
		if ran == target {
			return 0, true
		}
		cx.Waker().Wake()
		return 0, false
	})
	drive := func() {
		for range 100 {
			weft.SpawnDetached(rt, f)
		}
		target += 100
		weft.BlockOn(context.Background(), rt, wait)
	}
	drive() // fill the pool
	allocs := testing.AllocsPerRun(20, drive)
	// BlockOn itself allocates a little (its signal and context); 100
	// spawns must add nothing.
	if allocs > 10 {
		t.Fatalf("%v allocations per 100 detached spawns", allocs)
	}
	if ran == 0 {
		t.Fatal("tasks did not run")
	}
}

type detachedCounter struct{ n *int }

func (d detachedCounter) Poll(*future.Context) (struct{}, bool) { *d.n++; return struct{}{}, true }

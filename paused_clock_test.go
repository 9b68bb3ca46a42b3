package weft_test

// The paused clock's idleness rule (internal/timer/activity.go): the clock
// jumps only when nothing of the runtime can run. Each test below is a way
// the clock used to jump too early (issue 9).

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/gident"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/internal/values"
	"github.com/weftrt/weft/oneshot"
	"github.com/weftrt/weft/task"
)

// pausedFlavors runs fn on every flavour a paused clock runs on: current
// thread, one and two workers, and the simulation.
func pausedFlavors(t *testing.T, fn func(t *testing.T, rt *weft.Runtime)) {
	for _, c := range []struct {
		name string
		opts []weft.Option
	}{
		{"current-thread", []weft.Option{weft.WithCurrentThread(), weft.WithPausedClock()}},
		{"workers-1", []weft.Option{weft.WithWorkers(1), weft.WithPausedClock()}},
		{"workers-2", []weft.Option{weft.WithWorkers(2), weft.WithPausedClock()}},
		{"simulation", []weft.Option{weft.WithSimulation(1)}},
	} {
		t.Run(c.name, func(t *testing.T) { fn(t, newRuntime(t, c.opts...)) })
	}
}

// Tokio's time test "paused time is deterministic" in miniature: a task
// sleeps 100 s, the BlockOn future sleeps 10 ms and then looks. The 10 ms
// timer wakes the BlockOn future; until that future has run, nothing else
// may move the clock, so it reads 10 ms and the sleeper is still pending.
// On the multi-thread runtime the clock used to jump on to 100 s as soon as
// the timer had woken the BlockOn future, which no idle test counted.
func TestPausedClockWaitsForTheWokenBlockOnFuture(t *testing.T) {
	pausedFlavors(t, func(t *testing.T, rt *weft.Runtime) {
		type seen struct {
			elapsed  time.Duration
			finished bool
			err      error
		}
		start := rt.Now()
		got, err := weft.BlockOn(context.Background(), rt, weft.Async(func(a *weft.A) seen {
			h := weft.Spawn(a.Context(), weft.Sleep(100*time.Second))
			weft.Await(a, weft.Sleep(10*time.Millisecond))
			s := seen{elapsed: weft.Now(a.Context()).Sub(start), finished: h.IsFinished()}
			h.Abort()
			s.err = weft.Await(a, h).Err
			return s
		}))
		if err != nil {
			t.Fatal(err)
		}
		if got.elapsed != 10*time.Millisecond || got.finished || !errors.Is(got.err, task.ErrCancelled) {
			t.Fatalf("after the 10ms sleep: clock moved %v, sleeper finished %v, abort gave %v; want 10ms, pending, cancelled",
				got.elapsed, got.finished, got.err)
		}
	})
}

// The same with a task in the BlockOn future's place: a timer wakes a task
// while another sleeps far longer, and the woken task must run (and read
// the clock) before the clock moves again. Both are spawned by the BlockOn
// future: spawned from outside, one after the other, the second could be
// spawned after the clock had jumped for the first (a spawn from outside
// the runtime is not work the runtime can see coming).
func TestPausedClockWaitsForTheWokenTask(t *testing.T) {
	pausedFlavors(t, func(t *testing.T, rt *weft.Runtime) {
		start := rt.Now()
		got, err := weft.BlockOn(context.Background(), rt, weft.Async(func(a *weft.A) time.Duration {
			long := weft.Spawn(a.Context(), weft.Sleep(100*time.Second))
			short := weft.Spawn(a.Context(), weft.Async(func(a *weft.A) time.Duration {
				weft.Await(a, weft.Sleep(10*time.Millisecond))
				return weft.Now(a.Context()).Sub(start)
			}))
			r := weft.Await(a, short)
			long.Abort()
			weft.Await(a, long)
			return r.Value
		}))
		if err != nil {
			t.Fatal(err)
		}
		if got != 10*time.Millisecond {
			t.Fatalf("the woken task ran at %v, want 10ms", got)
		}
	})
}

// Tokio's blocking_when_paused: with a paused clock, time stands still
// while blocking work runs, until its result is delivered and the awaiting
// future has run. The closure really blocks, for 20 ms of the bubble's fake
// time, while every worker is idle; the 1 ms timeout around it must not
// fire, and the clock must not move. It used to move 1 ms on one and on four
// workers (about every other run): the closure's result woke the BlockOn
// future, and the pool going idle let a worker jump the clock before that
// future was polled. Twenty rounds make a pass by luck unlikely.
func TestPausedClockStandsStillWhileBlockingWorkRuns(t *testing.T) {
	for _, c := range []struct {
		name string
		opts []weft.Option
	}{
		{"current-thread", []weft.Option{weft.WithCurrentThread()}},
		{"workers-1", []weft.Option{weft.WithWorkers(1)}},
		{"workers-4", []weft.Option{weft.WithWorkers(4)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, err := weft.New(append(c.opts, weft.WithPausedClock())...)
				if err != nil {
					t.Fatal(err)
				}
				defer rt.Close()
				start := rt.Now()
				for round := range 20 {
					b := weft.SpawnBlocking(rt, func() int {
						time.Sleep(20 * time.Millisecond) // the bubble's fake time
						return 3
					})
					r, err := weft.BlockOn(context.Background(), rt, weft.Timeout[future.Result[int]](time.Millisecond, b))
					if err != nil || r.Err != nil || r.Value.Err != nil || r.Value.Value != 3 {
						t.Fatalf("round %d: Timeout(1ms, blocking) = %+v, %v; want 3", round, r, err)
					}
					if moved := rt.Now().Sub(start); moved != 0 {
						t.Fatalf("round %d: the clock moved %v while blocking work ran", round, moved)
					}
				}
			})
		})
	}
}

// A LocalSet task that yields 2,000 times before it sends: while it can run
// the clock must not jump, so an hour's timeout on the receive never
// elapses. The idle test used to count the runtime's queues and not the
// set's, and the timeout elapsed in 49 runs of 50.
func TestPausedClockWaitsForLocalSetTasks(t *testing.T) {
	pausedFlavors(t, func(t *testing.T, rt *weft.Runtime) {
		ls := weft.NewLocalSet(rt)
		defer ls.Close()
		tx, rx := oneshot.New[int]()
		weft.SpawnLocal(ls, weft.Async(func(a *weft.A) struct{} {
			for range 2000 {
				weft.Await(a, weft.YieldNow())
			}
			_ = tx.Send(7)
			return struct{}{}
		})).Detach()
		r, err := weft.BlockOn(context.Background(), rt, weft.Timeout[future.Result[int]](time.Hour, rx))
		if err != nil || r.Err != nil || r.Value.Err != nil || r.Value.Value != 7 {
			t.Fatalf("receive under an hour's timeout: %+v %v", r, err)
		}
	})
}

// Under WithSimulation a LocalSet task that sends once is work in progress,
// not a deadlock: BlockOn used to return ErrDeadlock every time.
func TestSimulationCountsLocalSetTasks(t *testing.T) {
	for seed := range uint64(20) {
		rt := newRuntime(t, weft.WithSimulation(seed))
		ls := weft.NewLocalSet(rt)
		tx, rx := oneshot.New[int]()
		weft.SpawnLocal(ls, fn[struct{}](func(*future.Context) struct{} {
			_ = tx.Send(1)
			return struct{}{}
		})).Detach()
		r, err := weft.BlockOn(context.Background(), rt, rx)
		ls.Close()
		if err != nil || r.Err != nil || r.Value != 1 {
			t.Fatalf("seed %d: receive from a local task: %+v %v", seed, r, err)
		}
	}
}

// gatedWaker stands between a timer and the task it wakes: called on the
// goroutine held in on, it announces itself (waiting) and does not wake
// the task until release is closed. It holds a wake in flight between a
// timer firing and the woken task being scheduled, as long as a test likes.
type gatedWaker struct {
	on      atomic.Uintptr
	waiting chan struct{}
	release chan struct{}

	mu    sync.Mutex
	inner future.Waker // the task's waker
}

func (g *gatedWaker) Wake(uint64) {
	if gident.Current() == g.on.Load() {
		close(g.waiting)
		<-g.release
	}
	g.mu.Lock()
	w := g.inner
	g.mu.Unlock()
	w.Wake()
}

// orderLog records the order in which tasks finish, from any goroutine.
type orderLog struct {
	mu    sync.Mutex
	order []int
}

// record returns the function a future.Map calls when task i finishes.
func (l *orderLog) record(i int) func(struct{}) int {
	return func(struct{}) int {
		l.mu.Lock()
		l.order = append(l.order, i)
		l.mu.Unlock()
		return i
	}
}

func (l *orderLog) get() []int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.order)
}

// gatedSleep is a sleep whose timer wakes its task through a gatedWaker.
type gatedSleep struct {
	sleep *weft.SleepFuture
	gate  *gatedWaker
	cx    *future.Context
}

func (s *gatedSleep) Poll(cx *future.Context) (struct{}, bool) {
	s.gate.mu.Lock()
	s.gate.inner = cx.Waker()
	s.gate.mu.Unlock()
	if s.cx == nil {
		s.cx = future.NewContext(future.NewWaker(s.gate))
		futurecx.SetExecutor(s.cx, cx.Executor())
	}
	futurecx.SetBudget(s.cx, future.DefaultBudget)
	return s.sleep.Poll(s.cx)
}

func (s *gatedSleep) Drop() { values.Drop(&s.sleep) }

// TestAdvanceFromAnotherGoroutineKeepsDeadlineOrder: a goroutine outside
// the runtime calls Advance, which fires a 1 ms timer; while that wake is
// still on its way to its task, the runtime must not jump the clock to the
// 2 ms timer and run its task first. The wake is held in flight by a
// gatedWaker; every goroutine of the bubble then blocks, and the 2 ms task
// must not have run. It used to, on a current-thread runtime in 83 runs of
// 5,000 (the window is narrow without the gate), and on a multi-thread one.
func TestAdvanceFromAnotherGoroutineKeepsDeadlineOrder(t *testing.T) {
	for _, c := range []struct {
		name string
		opt  weft.Option
	}{
		{"current-thread", weft.WithCurrentThread()},
		{"workers-1", weft.WithWorkers(1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt, err := weft.New(c.opt, weft.WithPausedClock())
				if err != nil {
					t.Fatal(err)
				}
				defer rt.Close()
				var ends orderLog
				gate := &gatedWaker{waiting: make(chan struct{}), release: make(chan struct{})}
				// Blocking work holds the clock until the wake is in
				// flight: a multi-thread runtime would otherwise jump to
				// 1 ms by itself before the Advance.
				hold := weft.SpawnBlocking(rt, func() int { <-gate.waiting; return 0 })
				first := weft.Spawn(rt, future.Map[struct{}, int](&gatedSleep{sleep: weft.Sleep(time.Millisecond), gate: gate}, ends.record(1)))
				second := weft.Spawn(rt, future.Map[struct{}, int](weft.Sleep(2*time.Millisecond), ends.record(2)))
				// Both timers are registered once their tasks have run.
				weft.BlockOn(context.Background(), rt, weft.YieldNow())
				synctest.Wait()
				advanced := make(chan struct{})
				go func() {
					defer close(advanced)
					gate.on.Store(gident.Current())
					rt.Advance(time.Millisecond)
				}()
				<-gate.waiting // the 1 ms timer fired; its wake is held
				hold.BlockingJoin(context.Background())
				joined := make(chan struct{})
				go func() {
					defer close(joined)
					weft.BlockOn(context.Background(), rt, &awaitAll{hs: []*task.JoinHandle[int]{first, second}})
				}()
				synctest.Wait() // everyone is blocked or idle
				early := ends.get()
				close(gate.release)
				<-advanced
				<-joined
				if len(early) != 0 {
					t.Fatalf("tasks %v ran while the 1 ms wake was in flight: the clock jumped past it", early)
				}
				if order := ends.get(); !slices.Equal(order, []int{1, 2}) {
					t.Fatalf("order %v, want [1 2]", order)
				}
			})
		})
	}
}

// TestAdvanceOnCurrentThreadFiresTimersOnTheDriver: two Advances from
// goroutines outside a busy current-thread runtime make a 1 ms and a 2 ms
// timer due; the 1 ms task must still run first. When each Advance fired
// timers on its own goroutine, the 1 ms wake could still be on its way (the
// gate holds it there) while the second Advance fired the 2 ms timer, and
// the 2 ms task ran first. Timers of a current-thread runtime now fire on
// the goroutine that holds its scheduler, in deadline order, and the gate's
// goroutine never sees a wake.
func TestAdvanceOnCurrentThreadFiresTimersOnTheDriver(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread(), weft.WithPausedClock())
	var ends orderLog
	gate := &gatedWaker{waiting: make(chan struct{}), release: make(chan struct{})}
	first := weft.Spawn(rt, future.Map[struct{}, int](&gatedSleep{sleep: weft.Sleep(time.Millisecond), gate: gate}, ends.record(1)))
	second := weft.Spawn(rt, future.Map[struct{}, int](weft.Sleep(2*time.Millisecond), ends.record(2)))
	// The spinner keeps the driver busy, so that it never jumps the clock
	// itself; it first runs after both sleeps are registered.
	var stop atomic.Bool
	spinning := make(chan struct{})
	var spun sync.Once
	spinner := weft.Spawn(rt, future.PollFunc(func(cx *future.Context) (struct{}, bool) {
		spun.Do(func() { close(spinning) })
		if stop.Load() {
			return struct{}{}, true
		}
		cx.Waker().Wake()
		return struct{}{}, false
	}))
	driven := make(chan struct{})
	go func() {
		defer close(driven)
		weft.BlockOn(context.Background(), rt, &awaitAll{hs: []*task.JoinHandle[int]{first, second}})
		stop.Store(true)
		weft.BlockOn(context.Background(), rt, spinner)
	}()
	<-spinning
	advanced := make(chan struct{})
	go func() {
		defer close(advanced)
		gate.on.Store(gident.Current())
		rt.Advance(time.Millisecond)
	}()
	select {
	case <-gate.waiting: // the 1 ms timer fired here, its wake held
	case <-advanced:
	}
	rt.Advance(time.Millisecond) // the 2 ms timer is due too
	close(gate.release)
	<-advanced
	<-driven
	if order := ends.get(); !slices.Equal(order, []int{1, 2}) {
		t.Fatalf("order %v, want [1 2]", order)
	}
}

// TestPausedClockMovesOnAfterGoexitInATask: a task whose poll ends in
// runtime.Goexit never returns from that poll, and must still give back the
// unit of activity it held, or the paused clock would never jump again: on a
// worker (replaced after the Goexit), on the goroutine driving a
// current-thread runtime (which the Goexit ends), and in a LocalSet.
func TestPausedClockMovesOnAfterGoexitInATask(t *testing.T) {
	exiter := func() fn[int] {
		return func(*future.Context) int {
			runtime.Goexit()
			return 0
		}
	}
	for _, c := range []struct {
		name  string
		opt   weft.Option
		local bool
	}{
		{"workers-1", weft.WithWorkers(1), false},
		{"current-thread", weft.WithCurrentThread(), false},
		{"local-set", weft.WithWorkers(1), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			rt := newRuntime(t, c.opt, weft.WithPausedClock())
			var h *task.JoinHandle[int]
			if c.local {
				ls := weft.NewLocalSet(rt)
				defer ls.Close()
				h = weft.SpawnLocal(ls, exiter())
			} else {
				h = weft.Spawn(rt, exiter())
			}
			if c.name == "current-thread" {
				// A goroutine of its own drives the runtime: the Goexit
				// ends it.
				go weft.BlockOn(context.Background(), rt, weft.YieldNow())
			}
			if _, err := h.BlockingJoin(context.Background()); !errors.Is(err, task.ErrGoexit) {
				t.Fatalf("the exiting task reports %v", err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), rttest.Patience)
			defer cancel()
			if _, err := weft.BlockOn(ctx, rt, weft.Sleep(time.Hour)); err != nil {
				t.Fatalf("an hour's sleep after the Goexit: %v (the clock no longer jumps)", err)
			}
		})
	}
}

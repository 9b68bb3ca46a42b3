package weft_test

// Primitives shared between the tasks of a LocalSet (run on the set's
// locked thread) and the tasks of its runtime (issue #4): every wake crosses
// between the set's driver and the runtime's workers, in both directions.

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/gident"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/mpsc"
	"github.com/weftrt/weft/oneshot"
	"github.com/weftrt/weft/task"
)

// integLocalSet makes a LocalSet on rt, closed when the test ends, and
// returns it with the identity of its goroutine.
func integLocalSet(t *testing.T, rt *weft.Runtime) (*weft.LocalSet, uintptr) {
	t.Helper()
	ls := weft.NewLocalSet(rt)
	t.Cleanup(ls.Close)
	h := weft.SpawnLocal(ls, fn[uintptr](func(*future.Context) uintptr { return gident.Current() }))
	return ls, rttest.MustSucceed(t, rt, []*task.JoinHandle[uintptr]{h})[0]
}

// Runtime tasks send requests over an mpsc channel to a local server task,
// which answers each over a oneshot channel: every request is answered, the
// server runs only on the set's driver, and the clients' wakes come from it.
func TestIntegrationLocalSetServesRuntimeClientsOverChannels(t *testing.T) {
	clients, rounds := integShort(32, 8), integShort(100, 20)
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		ls, driver := integLocalSet(t, rt)
		type req struct {
			n     int
			reply *oneshot.Sender[int]
		}
		reqTx, reqRx := mpsc.New[req](4)
		var offDriver atomic.Int64
		server := weft.SpawnLocal(ls, weft.Async(func(a *weft.A) int {
			served := 0
			for {
				r := weft.Await(a, reqRx.Recv())
				if r.Err != nil {
					return served
				}
				if gident.Effective() != driver {
					offDriver.Add(1)
				}
				_ = r.Value.reply.Send(r.Value.n + 1)
				served++
			}
		}))
		hs := make([]*task.JoinHandle[int], clients)
		for c := range hs {
			tx := reqTx.Clone()
			hs[c] = weft.Spawn(rt, weft.Async(func(a *weft.A) int {
				defer tx.Close()
				sum := 0
				for i := range rounds {
					reply, rx := oneshot.New[int]()
					if err := weft.Await(a, tx.Send(req{i, reply})); err != nil {
						return -1
					}
					r := weft.Await(a, rx)
					if r.Err != nil {
						return -1
					}
					sum += r.Value
				}
				return sum
			}))
		}
		reqTx.Close()
		want := rounds * (rounds + 1) / 2
		for c, v := range rttest.MustSucceed(t, rt, hs) {
			if v != want {
				t.Fatalf("client %d: sum %d, want %d", c, v, want)
			}
		}
		if n := rttest.MustSucceed(t, rt, []*task.JoinHandle[int]{server})[0]; n != clients*rounds {
			t.Fatalf("served %d, want %d", n, clients*rounds)
		}
		if o := offDriver.Load(); o != 0 {
			t.Fatalf("the local server ran %d times off the set's driver", o)
		}
	})
}

// A Mutex-protected counter incremented by local and runtime tasks alike,
// and a Semaphore bounding both kinds, keep their invariants; Notify
// ping-pong between a local task and a runtime task loses no wake-up.
func TestIntegrationLocalSetSharesSyncPrimitivesWithTheRuntime(t *testing.T) {
	tasks, each, rounds := integShort(200, 50), 5, integShort(2000, 300)
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		ls, _ := integLocalSet(t, rt)
		m := weft.NewMutex(0)
		s := weft.NewSemaphore(3)
		var inUse, maxInUse atomic.Int64
		body := func(a *weft.A) int {
			for range each {
				p := weft.Await(a, s.Acquire(1))
				if p.Err != nil {
					return -1
				}
				if cur := inUse.Add(1); cur > maxInUse.Load() {
					maxInUse.Store(cur) // racy max, but only ever too low
				}
				g := weft.Await(a, m.Lock())
				v := g.Get()
				weft.Await(a, weft.YieldNow())
				g.Set(v + 1)
				g.Unlock()
				inUse.Add(-1)
				p.Value.Release()
			}
			return 0
		}
		hs := make([]*task.JoinHandle[int], tasks)
		for i := range hs {
			if i%2 == 0 {
				hs[i] = weft.SpawnLocal(ls, weft.Async(body))
			} else {
				hs[i] = weft.Spawn(rt, weft.Async(body))
			}
		}
		// Ping-pong across the boundary.
		ping, pong := weft.NewNotify(), weft.NewNotify()
		hs = append(hs,
			weft.SpawnLocal(ls, &integPingPong{mine: ping, theirs: pong, rounds: rounds, first: true}),
			weft.Spawn(rt, &integPingPong{mine: pong, theirs: ping, rounds: rounds}))
		for i, v := range rttest.MustSucceed(t, rt, hs) {
			if v < 0 {
				t.Fatalf("task %d failed to acquire", i)
			}
		}
		g, ok := m.TryLock()
		if !ok {
			t.Fatal("Mutex still locked")
		}
		defer g.Unlock()
		if v := g.Get(); v != tasks*each {
			t.Fatalf("counter %d, want %d", v, tasks*each)
		}
		if mx := maxInUse.Load(); mx > 3 {
			t.Fatalf("%d permits in use at once, the semaphore has 3", mx)
		}
		if a := s.Available(); a != 3 {
			t.Fatalf("%d permits available, want 3", a)
		}
	})
}

// Local tasks waiting on primitives are aborted from a runtime task: their
// futures are dropped on the set's driver and leave no waiter, permit,
// timer or value behind.
func TestIntegrationLocalSetAbortedLocalWaitersLeakNothing(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		ls, _ := integLocalSet(t, rt)
		n := weft.NewNotify()
		s := weft.NewSemaphore(1)
		holder, _ := s.TryAcquire(1)
		tx, rx := mpsc.New[int](1)
		_ = tx.TrySend(0) // full
		tok := weft.NewCancellationToken()
		d := weft.TimerDriverOf(rt)
		var pc rttest.Counters
		var ac rttest.AsyncCounters
		waits := []func() future.Future[struct{}]{
			func() future.Future[struct{}] { return n.Notified() },
			func() future.Future[struct{}] { return rttest.Unit(s.Acquire(1), nil) },
			func() future.Future[struct{}] { return rttest.Unit(tx.Send(1), nil) },
			func() future.Future[struct{}] { return tok.Cancelled() },
			func() future.Future[struct{}] { return weft.Sleep(time.Hour) },
		}
		var hs []*task.JoinHandle[struct{}]
		for _, w := range waits {
			hs = append(hs,
				weft.SpawnLocal(ls, rttest.NewProbe(&pc, w())),
				weft.SpawnLocal(ls, rttest.InAsync(&ac, func() future.Future[struct{}] { return rttest.NewProbe(&pc, w()) })))
		}
		rttest.Until(t, rt, "every local task to wait", func() bool { return pc.Waiting.Load() == int64(len(hs)) })
		aborter := weft.Spawn(rt, fn[struct{}](func(*future.Context) struct{} {
			for _, h := range hs {
				h.Abort()
			}
			return struct{}{}
		}))
		rttest.MustSucceed(t, rt, []*task.JoinHandle[struct{}]{aborter})
		_, errs := rttest.JoinAll(t, rt, hs)
		for i, err := range errs {
			if !rttest.IsCancelled(err) {
				t.Fatalf("local task %d: %v", i, err)
			}
		}
		if pc.Drops.Load() != int64(len(hs)) || ac.Defers.Load() != int64(len(hs)/2) || ac.Resumed.Load() != 0 {
			t.Fatalf("%d drops, %d defers, %d resumed bodies for %d tasks", pc.Drops.Load(), ac.Defers.Load(), ac.Resumed.Load(), len(hs))
		}
		switch {
		case n.Waiters() != 0:
			t.Fatalf("%d Notify waiters left", n.Waiters())
		case weft.SemaphoreWaitersForTest(s) != 0:
			t.Fatal("Semaphore waiters left")
		case rx.Len() != 1 || tx.Capacity() != 0:
			t.Fatalf("mpsc holds %d values with capacity %d, want the one buffered and no room", rx.Len(), tx.Capacity())
		case weft.CancellationTokenWaitersForTest(tok) != 0:
			t.Fatal("Cancelled waiters left")
		case d.Len() != 0:
			t.Fatalf("%d timers left", d.Len())
		}
		// The slot freed by a receive goes to nobody dead.
		if v, err := rx.TryRecv(); err != nil || v != 0 {
			t.Fatalf("TryRecv: %d %v", v, err)
		}
		if tx.Capacity() != 1 || tx.TrySend(2) != nil {
			t.Fatal("the free slot went to an aborted Send")
		}
		holder.Release()
		if s.Available() != 1 {
			t.Fatalf("%d permits available, want 1", s.Available())
		}
	})
}

// A local task sleeping under a paused clock is woken when the runtime's
// clock jumps: the set's timers are the runtime's.
func TestIntegrationLocalSetSleepsOnThePausedClock(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, append(opts, weft.WithPausedClock())...)
		ls, _ := integLocalSet(t, rt)
		start := rt.Now()
		h := weft.SpawnLocal(ls, weft.Async(func(a *weft.A) time.Duration {
			t0 := weft.Now(a.Context())
			weft.Await(a, weft.Sleep(time.Hour))
			return weft.Now(a.Context()).Sub(t0)
		}))
		// A runtime task keeps the runtime alive until the local one is
		// done (on a current-thread runtime the clock moves only while a
		// goroutine drives it with BlockOn, as JoinAll does).
		slept := rttest.MustSucceed(t, rt, []*task.JoinHandle[time.Duration]{h})[0]
		if slept < time.Hour || rt.Now().Sub(start) < time.Hour {
			t.Fatalf("slept %v, clock moved %v; want an hour", slept, rt.Now().Sub(start))
		}
	})
}

// An Async body in a local task spawns local tasks from inside the body and
// awaits runtime tasks: SpawnLocal from the body takes the driver's direct
// path, and the tasks run on the driver.
func TestIntegrationLocalSetAsyncBodySpawnsLocalAndAwaitsRuntime(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(2))
	ls, driver := integLocalSet(t, rt)
	h := weft.SpawnLocal(ls, weft.Async(func(a *weft.A) error {
		cx := a.Context()
		inner := weft.SpawnLocal(cx, fn[uintptr](func(*future.Context) uintptr { return gident.Current() }))
		remote := weft.Spawn(cx, fn[int](func(*future.Context) int { return 7 }))
		g := weft.Await(a, inner)
		r := weft.Await(a, remote)
		switch {
		case g.Err != nil || g.Value != driver:
			return errors.New("local task spawned from a body ran off the driver")
		case r.Err != nil || r.Value != 7:
			return errors.New("runtime task awaited from a local body failed")
		}
		return nil
	}))
	if err := rttest.MustSucceed(t, rt, []*task.JoinHandle[error]{h})[0]; err != nil {
		t.Fatal(err)
	}
}

// An Async body in a local task may close its own LocalSet: the body acts
// for the set's goroutine (gident.Owner), so Close shuts the set down from
// there instead of waiting for the goroutine that is polling the body (which
// would wait for ever). The other tasks, a suspended Async body among them,
// are cancelled and unwound on the set's thread.
func TestIntegrationLocalSetCloseFromAnAsyncBody(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(1))
	ls := weft.NewLocalSet(rt)
	ctx, cancel := context.WithTimeout(context.Background(), rttest.Patience)
	defer cancel()
	g := &gate{}
	other := weft.SpawnLocal(ls, g)
	var unwound atomic.Bool
	suspended := weft.SpawnLocal(ls, weft.Async(func(a *weft.A) int {
		defer unwound.Store(true)
		return weft.Await(a, future.Pending[int]())
	}))
	closer := weft.SpawnLocal(ls, weft.Async(func(a *weft.A) int {
		weft.Await(a, weft.YieldNow())
		ls.Close()
		return 1
	}))
	if _, err := closer.BlockingJoin(ctx); err != nil && !rttest.IsCancelled(err) {
		t.Fatalf("closing task: %v", err)
	}
	for name, h := range map[string]*task.JoinHandle[struct{}]{"gate": other} {
		if _, err := h.BlockingJoin(ctx); !errors.Is(err, weft.ErrLocalSetClosed) {
			t.Fatalf("%s task: %v", name, err)
		}
	}
	if _, err := suspended.BlockingJoin(ctx); !errors.Is(err, weft.ErrLocalSetClosed) || !unwound.Load() {
		t.Fatalf("suspended Async task: %v, unwound %v", err, unwound.Load())
	}
	if g.Dropped() != 1 {
		t.Fatalf("the gate task's future dropped %d times", g.Dropped())
	}
}

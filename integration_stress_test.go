package weft_test

// Stress tests of the synchronization primitives, JoinSet, Async and
// CancellationToken on a real 4-worker runtime (issue #4). Each checks an
// exact invariant (a count, a bound, an order) and ends only if no wake-up
// is lost. Sizes shrink under -short.

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/mpsc"
	"github.com/weftrt/weft/task"
)

func integStressRuntime(t *testing.T) *weft.Runtime {
	return rttest.NewRuntime(t, weft.WithWorkers(4))
}

// integMutexIncrement is a hand-written task that increments a counter
// under a Mutex n times, holding the lock across a yield and splitting the
// read and the write around it, so that two holders at once would lose an
// update.
type integMutexIncrement struct {
	m       *weft.Mutex[int]
	n       int
	lock    *weft.MutexLockFuture[int]
	g       *weft.MutexGuard[int]
	read    int
	yielded bool
	holders *atomic.Int32
	overlap *atomic.Int32
}

func (f *integMutexIncrement) Poll(cx *future.Context) (struct{}, bool) {
	for f.n > 0 {
		if f.g == nil {
			if f.lock == nil {
				f.lock = f.m.Lock()
			}
			g, ok := f.lock.Poll(cx)
			if !ok {
				return struct{}{}, false
			}
			f.lock.Drop()
			f.lock, f.g = nil, g
			if f.holders.Add(1) != 1 {
				f.overlap.Add(1)
			}
			f.read = g.Get()
		}
		if !f.yielded {
			f.yielded = true
			cx.Waker().Wake()
			return struct{}{}, false
		}
		f.g.Set(f.read + 1)
		f.holders.Add(-1)
		f.g.Unlock()
		f.g, f.yielded = nil, false
		f.n--
	}
	return struct{}{}, true
}

// Thousands of tasks incrementing one Mutex-protected counter, holding the
// lock across a yield, end with the exact count and never overlap.
func TestIntegrationStressMutexCounterIsExact(t *testing.T) {
	tasks, each := integShort(4000, 500), 5
	rt := integStressRuntime(t)
	m := weft.NewMutex(0)
	var holders, overlap atomic.Int32
	hs := make([]*task.JoinHandle[struct{}], tasks)
	for i := range hs {
		if i%4 == 0 {
			// Some tasks are Async bodies awaiting Lock.
			hs[i] = weft.Spawn(rt, weft.Async(func(a *weft.A) struct{} {
				for range each {
					g := weft.Await(a, m.Lock())
					if holders.Add(1) != 1 {
						overlap.Add(1)
					}
					v := g.Get()
					weft.Await(a, weft.YieldNow())
					g.Set(v + 1)
					holders.Add(-1)
					g.Unlock()
				}
				return struct{}{}
			}))
			continue
		}
		hs[i] = weft.Spawn(rt, &integMutexIncrement{m: m, n: each, holders: &holders, overlap: &overlap})
	}
	rttest.MustSucceed(t, rt, hs)
	g, ok := m.TryLock()
	if !ok {
		t.Fatal("Mutex still locked after every task ended")
	}
	defer g.Unlock()
	if v := g.Get(); v != tasks*each {
		t.Fatalf("counter %d, want %d", v, tasks*each)
	}
	if o := overlap.Load(); o != 0 {
		t.Fatalf("%d times two tasks held the Mutex at once", o)
	}
	if w := weft.MutexWaitersForTest(m); w != 0 {
		t.Fatalf("%d waiters left", w)
	}
}

// A Semaphore of k permits lets at most k of thousands of tasks in at once,
// some asking for two permits, and every permit comes back.
func TestIntegrationStressSemaphoreBoundsConcurrency(t *testing.T) {
	const permits = 5
	tasks := integShort(4000, 500)
	rt := integStressRuntime(t)
	s := weft.NewSemaphore(permits)
	var inUse, maxInUse, bad atomic.Int64
	hs := make([]*task.JoinHandle[struct{}], tasks)
	for i := range hs {
		n := 1 + i%2
		hs[i] = weft.Spawn(rt, weft.Async(func(a *weft.A) struct{} {
			r := weft.Await(a, s.Acquire(n))
			if r.Err != nil || r.Value.Num() != n {
				bad.Add(1)
				return struct{}{}
			}
			cur := inUse.Add(int64(n))
			for {
				m := maxInUse.Load()
				if cur <= m || maxInUse.CompareAndSwap(m, cur) {
					break
				}
			}
			weft.Await(a, weft.YieldNow())
			inUse.Add(-int64(n))
			r.Value.Release()
			return struct{}{}
		}))
	}
	rttest.MustSucceed(t, rt, hs)
	if bad.Load() != 0 {
		t.Fatalf("%d acquires failed", bad.Load())
	}
	if m := maxInUse.Load(); m > permits {
		t.Fatalf("%d permits in use at once, the semaphore has %d", m, permits)
	}
	if a := s.Available(); a != permits {
		t.Fatalf("%d permits available after every task ended, want %d", a, permits)
	}
	if w := weft.SemaphoreWaitersForTest(s); w != 0 {
		t.Fatalf("%d waiters left", w)
	}
}

// integPair is written by writers as two equal halves; a reader that sees
// them differ read during a write.
type integPair struct{ a, b int }

// Readers and writers of an RwLock on 4 workers: a writer is always alone,
// readers never exceed the limit, every reader sees a consistent value, and
// the final value counts every write.
func TestIntegrationStressRwLockReadersWritersInvariant(t *testing.T) {
	const maxReaders = 3
	tasks := integShort(3000, 400)
	rt := integStressRuntime(t)
	l := weft.NewRwLockWithMaxReaders(integPair{}, maxReaders)
	var readers, writers, maxReadersSeen, bad atomic.Int64
	writes := 0
	hs := make([]*task.JoinHandle[struct{}], tasks)
	for i := range hs {
		if i%5 == 0 {
			writes++
			hs[i] = weft.Spawn(rt, weft.Async(func(a *weft.A) struct{} {
				g := weft.Await(a, l.Write())
				if writers.Add(1) != 1 || readers.Load() != 0 {
					bad.Add(1)
				}
				p := g.Ptr()
				p.a++
				weft.Await(a, weft.YieldNow()) // half-written across a yield
				p.b++
				writers.Add(-1)
				g.Unlock()
				return struct{}{}
			}))
			continue
		}
		hs[i] = weft.Spawn(rt, weft.Async(func(a *weft.A) struct{} {
			g := weft.Await(a, l.Read())
			r := readers.Add(1)
			if writers.Load() != 0 {
				bad.Add(1)
			}
			for {
				m := maxReadersSeen.Load()
				if r <= m || maxReadersSeen.CompareAndSwap(m, r) {
					break
				}
			}
			v := g.Get()
			weft.Await(a, weft.YieldNow())
			if v != g.Get() || v.a != v.b {
				bad.Add(1)
			}
			readers.Add(-1)
			g.Unlock()
			return struct{}{}
		}))
	}
	rttest.MustSucceed(t, rt, hs)
	if b := bad.Load(); b != 0 {
		t.Fatalf("%d violations: a writer not alone, or a reader saw a half-written value", b)
	}
	if m := maxReadersSeen.Load(); m > maxReaders {
		t.Fatalf("%d readers at once, limit %d", m, maxReaders)
	}
	g, ok := l.TryWrite()
	if !ok {
		t.Fatal("RwLock still held after every task ended")
	}
	defer g.Unlock()
	if v := g.Get(); v.a != writes || v.b != writes {
		t.Fatalf("value %+v, want %d writes", v, writes)
	}
}

// integPingPong is one side of a Notify ping-pong: it notifies the other
// side and waits to be notified, rounds times. It only ends if no
// notification is lost.
type integPingPong struct {
	mine, theirs *weft.Notify
	rounds       int
	first        bool // serves first
	wait         *weft.NotifiedFuture
}

func (p *integPingPong) Poll(cx *future.Context) (int, bool) {
	for p.rounds > 0 {
		if p.wait == nil {
			if p.first {
				p.theirs.NotifyOne()
			}
			p.wait = p.mine.Notified()
		}
		if _, ok := p.wait.Poll(cx); !ok {
			return 0, false
		}
		p.wait.Drop()
		p.wait = nil
		if !p.first {
			p.theirs.NotifyOne()
		}
		p.rounds--
	}
	return 1, true
}

func (p *integPingPong) Drop() {
	if p.wait != nil {
		p.wait.Drop()
	}
}

// Pairs of tasks play ping-pong with two Notify each on 4 workers, some
// pairs as Async bodies: every exchange completes (no lost wake-up).
func TestIntegrationStressNotifyPingPongLosesNoWakeup(t *testing.T) {
	pairs, rounds := 8, integShort(5000, 1000)
	rt := integStressRuntime(t)
	var hs []*task.JoinHandle[int]
	for p := range pairs {
		a, b := weft.NewNotify(), weft.NewNotify()
		if p%2 == 0 {
			hs = append(hs,
				weft.Spawn(rt, &integPingPong{mine: a, theirs: b, rounds: rounds, first: true}),
				weft.Spawn(rt, &integPingPong{mine: b, theirs: a, rounds: rounds}))
			continue
		}
		side := func(mine, theirs *weft.Notify, first bool) *weft.AsyncFuture[int] {
			return weft.Async(func(x *weft.A) int {
				for range rounds {
					if first {
						theirs.NotifyOne()
					}
					weft.Await(x, mine.Notified())
					if !first {
						theirs.NotifyOne()
					}
				}
				return 1
			})
		}
		hs = append(hs, weft.Spawn(rt, side(a, b, true)), weft.Spawn(rt, side(b, a, false)))
	}
	rttest.MustSucceed(t, rt, hs)
}

// Barrier generations on 4 workers: each of many generations has exactly
// one leader, and no task leaves a generation before all arrived.
func TestIntegrationStressBarrierGenerations(t *testing.T) {
	tasks, gens := 32, integShort(300, 60)
	rt := integStressRuntime(t)
	b := weft.NewBarrier(tasks)
	arrived := make([]atomic.Int64, gens)
	leaders := make([]atomic.Int64, gens)
	var early atomic.Int64
	hs := make([]*task.JoinHandle[struct{}], tasks)
	for i := range hs {
		hs[i] = weft.Spawn(rt, weft.Async(func(a *weft.A) struct{} {
			for g := range gens {
				arrived[g].Add(1)
				r := weft.Await(a, b.Wait())
				if arrived[g].Load() != int64(tasks) {
					early.Add(1)
				}
				if r.IsLeader() {
					leaders[g].Add(1)
				}
			}
			return struct{}{}
		}))
	}
	rttest.MustSucceed(t, rt, hs)
	if e := early.Load(); e != 0 {
		t.Fatalf("%d waits completed before their generation was full", e)
	}
	for g := range leaders {
		if n := leaders[g].Load(); n != 1 {
			t.Fatalf("generation %d had %d leaders", g, n)
		}
	}
	if q, n := weft.BarrierWaitersForTest(b); q != 0 || n != 0 {
		t.Fatalf("%d waiters, %d arrivals left", q, n)
	}
}

// Async bodies that loop receiving from channels are aborted at random
// points on 4 workers while values keep coming: each body's deferred call
// runs exactly once, and each channel is left with no waker and its
// receiver intact.
func TestIntegrationStressAsyncAbortedMidwayRunsDefersOnce(t *testing.T) {
	tasks, values := integShort(1000, 200), 20
	rt := integStressRuntime(t)
	rng := rand.New(rand.NewPCG(1, 2))
	var started, defers, finished atomic.Int64
	txs := make([]*mpsc.Sender[int], tasks)
	hs := make([]*task.JoinHandle[int], tasks)
	for i := range hs {
		tx, rx := mpsc.New[int](2)
		txs[i] = tx
		hs[i] = weft.Spawn(rt, weft.Async(func(a *weft.A) int {
			// Closing the receiver lets the feeder's sends to an aborted
			// body fail instead of waiting for room forever.
			defer rx.Close()
			defer defers.Add(1)
			started.Add(1)
			got := 0
			for {
				r := weft.Await(a, rx.Recv())
				if r.Err != nil {
					finished.Add(1)
					return got
				}
				got++
			}
		}))
	}
	// A feeder task sends to every channel in turn, awaiting room; halfway
	// through it waits while the test aborts half the bodies, so those are
	// aborted mid-way for certain.
	var fedHalf atomic.Bool
	resume := weft.NewNotify()
	feeder := weft.Spawn(rt, weft.Async(func(a *weft.A) error {
		for v := range values {
			if v == values/2 {
				fedHalf.Store(true)
				weft.Await(a, resume.Notified())
			}
			for _, tx := range txs {
				if err := weft.Await(a, tx.Send(v)); err != nil && !errors.Is(err, mpsc.ErrClosed) {
					return err
				}
			}
		}
		for _, tx := range txs {
			tx.Close()
		}
		return nil
	}))
	// A body aborted before its first poll never runs, not even its
	// defers (Async's documented behaviour), and its receiver would stay
	// open: abort bodies that have started.
	rttest.Until(t, rt, "every body to start and the feeder to get halfway", func() bool {
		return started.Load() == int64(tasks) && fedHalf.Load()
	})
	for _, i := range rng.Perm(tasks)[:tasks/2] {
		hs[i].Abort()
	}
	resume.NotifyOne()
	if err := rttest.MustSucceed(t, rt, []*task.JoinHandle[error]{feeder})[0]; err != nil {
		t.Fatal(err)
	}
	vals, errs := rttest.JoinAll(t, rt, hs)
	cancelled := 0
	for i, err := range errs {
		switch {
		case err == nil:
			if vals[i] != values {
				t.Fatalf("task %d received %d values, want %d", i, vals[i], values)
			}
		case rttest.IsCancelled(err):
			cancelled++
		default:
			t.Fatalf("task %d: %v", i, err)
		}
	}
	if d := defers.Load(); d != int64(tasks) {
		t.Fatalf("deferred calls ran %d times for %d bodies", d, tasks)
	}
	if f := finished.Load(); f != int64(tasks-cancelled) {
		t.Fatalf("%d bodies finished, %d tasks completed", f, tasks-cancelled)
	}
	if cancelled != tasks/2 {
		t.Fatalf("%d tasks cancelled, %d were aborted while waiting", cancelled, tasks/2)
	}
	t.Logf("%d of %d bodies aborted mid-way", cancelled, tasks)
}

// A JoinSet collects ten thousand tasks spawned from a task, reporting each
// exactly once, in completion order, through JoinNext in an Async body.
func TestIntegrationStressJoinSetCollectsTenThousandTasks(t *testing.T) {
	tasks := integShort(10000, 2000)
	rt := integStressRuntime(t)
	js := weft.NewJoinSet[int]()
	defer js.Close()
	collector := weft.Spawn(rt, weft.Async(func(a *weft.A) error {
		cx := a.Context()
		for i := range tasks {
			if i%3 == 0 {
				weft.SpawnInto(js, cx, &yielder{n: 2, v: i})
			} else {
				weft.SpawnInto(js, cx, future.Ready(i))
			}
		}
		seen := make([]bool, tasks)
		for range tasks {
			r := weft.Await(a, js.JoinNext())
			if r.Err != nil {
				return r.Err
			}
			if seen[r.Value] {
				return errors.New("a task reported twice")
			}
			seen[r.Value] = true
		}
		if r := weft.Await(a, js.JoinNext()); !errors.Is(r.Err, weft.ErrJoinSetEmpty) {
			return errors.New("set not empty after every task was joined")
		}
		return nil
	}))
	if err := rttest.MustSucceed(t, rt, []*task.JoinHandle[error]{collector})[0]; err != nil {
		t.Fatal(err)
	}
	if js.Len() != 0 {
		t.Fatalf("%d tasks left in the set", js.Len())
	}
}

// A tree of CancellationTokens (root, 10 children, 10 grandchildren each)
// with a thousand tasks waiting on its nodes: cancelling the root completes
// every task and leaves no waiter anywhere.
func TestIntegrationStressCancellationTreeWakesEveryWaiter(t *testing.T) {
	perNode := integShort(9, 3)
	rt := integStressRuntime(t)
	root := weft.NewCancellationToken()
	nodes := []*weft.CancellationToken{root}
	for range 10 {
		c := root.Child()
		nodes = append(nodes, c)
		for range 10 {
			nodes = append(nodes, c.Child())
		}
	}
	var hs []*task.JoinHandle[struct{}]
	for i, n := range nodes {
		for k := range perNode {
			if (i+k)%2 == 0 {
				hs = append(hs, weft.Spawn(rt, n.Cancelled()))
			} else {
				hs = append(hs, weft.Spawn(rt, weft.Async(func(a *weft.A) struct{} {
					return weft.Await(a, n.Cancelled())
				})))
			}
		}
	}
	waiters := func() int {
		w := 0
		for _, n := range nodes {
			w += weft.CancellationTokenWaitersForTest(n)
		}
		return w
	}
	rttest.Until(t, rt, "every task to wait", func() bool { return waiters() == len(hs) })
	root.Cancel()
	rttest.MustSucceed(t, rt, hs)
	if w := waiters(); w != 0 {
		t.Fatalf("%d waiters left after the tree was cancelled", w)
	}
	for i, n := range nodes {
		if !n.IsCancelled() {
			t.Fatalf("node %d not cancelled", i)
		}
	}
	t.Logf("%d tasks on %d tokens", len(hs), len(nodes))
}

// The same tree's Done contexts: tasks awaiting Done(token.Context())
// complete with context.Canceled.
func TestIntegrationStressDoneOfTokenContexts(t *testing.T) {
	tasks := integShort(1000, 200)
	rt := integStressRuntime(t)
	root := weft.NewCancellationToken()
	kids := []*weft.CancellationToken{root.Child(), root.Child(), root.Child().Child()}
	hs := make([]*task.JoinHandle[error], tasks)
	for i := range hs {
		hs[i] = weft.Spawn(rt, weft.Done(kids[i%len(kids)].Context()))
	}
	root.Cancel()
	for i, err := range rttest.MustSucceed(t, rt, hs) {
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("task %d: Done reported %v", i, err)
		}
	}
}

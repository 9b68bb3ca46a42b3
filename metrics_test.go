package weft_test

import (
	"context"
	"math"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// pollCounter counts polls through the task hooks, the harness's own view
// of how many polls it performed.
type pollCounter struct{ before, after atomic.Uint64 }

func (p *pollCounter) option() weft.Option {
	return weft.WithTaskHooks(task.Hooks{
		BeforePoll: func(task.Meta) { p.before.Add(1) },
		AfterPoll:  func(task.Meta) { p.after.Add(1) },
	})
}

// spawnInside is a BlockOn future that, on its first poll, spawns n yielders
// from inside the runtime and then awaits them.
type spawnInside struct {
	n, yields int
	all       *awaitAll
}

func (s *spawnInside) Poll(cx *future.Context) (int, bool) {
	if s.all == nil {
		s.all = &awaitAll{}
		for range s.n {
			s.all.hs = append(s.all.hs, weft.Spawn(cx, &yielder{n: s.yields, v: 1}))
		}
	}
	return s.all.Poll(cx)
}

// TestCurrentThreadCountersMatchCountedEvents runs a deterministic
// current-thread workload and checks every counter against what the test
// itself did: R tasks spawned from outside and L from inside, each yielding
// Y times.
func TestCurrentThreadCountersMatchCountedEvents(t *testing.T) {
	const R, L, Y = 7, 11, 3
	var pc pollCounter
	rt := newRuntime(t, weft.WithCurrentThread(), pc.option(),
		weft.WithPollTimeHistogram(weft.HistogramConfig{}))

	hs := make([]*task.JoinHandle[int], R)
	for i := range hs {
		hs[i] = weft.Spawn(rt, &yielder{n: Y, v: 1})
	}
	m := rt.Metrics()
	if m.SpawnedTasks != R || m.AliveTasks != R || m.GlobalQueueDepth != R || m.RemoteSchedules != R {
		t.Fatalf("after %d remote spawns: %+v", R, m)
	}
	if sum, err := weft.BlockOn(context.Background(), rt, &awaitAll{hs: hs}); err != nil || sum != R {
		t.Fatalf("remote tasks: sum %d err %v", sum, err)
	}
	if sum, err := weft.BlockOn(context.Background(), rt, &spawnInside{n: L, yields: Y}); err != nil || sum != L {
		t.Fatalf("local tasks: sum %d err %v", sum, err)
	}

	m = rt.Metrics()
	w := m.PerWorker[0]
	polls := uint64((R + L) * (Y + 1))
	switch {
	case m.Flavor != weft.CurrentThread || m.Workers != 1 || len(m.PerWorker) != 1:
		t.Errorf("flavor %v, %d workers, %d PerWorker", m.Flavor, m.Workers, len(m.PerWorker))
	case m.SpawnedTasks != R+L || m.AliveTasks != 0 || m.GlobalQueueDepth != 0 || w.LocalQueueDepth != 0:
		t.Errorf("spawned %d alive %d global %d local %d, want %d 0 0 0",
			m.SpawnedTasks, m.AliveTasks, m.GlobalQueueDepth, w.LocalQueueDepth, R+L)
	case w.Polls != polls || pc.before.Load() != polls || pc.after.Load() != polls || m.Polls() != polls:
		t.Errorf("Polls %d, hooks saw %d/%d, want %d", w.Polls, pc.before.Load(), pc.after.Load(), polls)
	case m.RemoteSchedules != R:
		t.Errorf("RemoteSchedules %d, want %d (the spawns from outside)", m.RemoteSchedules, R)
	case w.LocalSchedules != (R+L)*Y+L:
		t.Errorf("LocalSchedules %d, want %d (every yield, and the spawns from inside)", w.LocalSchedules, (R+L)*Y+L)
	case w.Steals != 0 || w.StealOperations != 0 || w.Overflows != 0 || w.BudgetForcedYields != 0:
		t.Errorf("counters that cannot move moved: %+v", w)
	case w.Parks != w.Unparks:
		t.Errorf("after BlockOn returned: Parks %d Unparks %d", w.Parks, w.Unparks)
	case w.BusyDuration <= 0 || w.BusyDuration > m.Uptime:
		t.Errorf("BusyDuration %v with uptime %v", w.BusyDuration, m.Uptime)
	}
	var sum uint64
	for _, c := range m.PollTimeHistogram() {
		sum += c
	}
	if sum != polls || len(m.PollTimeBuckets) != 10 || m.PollTimeBuckets[1].Start != 100*time.Microsecond {
		t.Errorf("histogram sums to %d (want %d) over buckets %v", sum, polls, m.PollTimeBuckets)
	}
}

// TestCurrentThreadParksAndNoopParks drives a run whose parks are decided by
// the test: the park hook opens the gate the main future waits for, so the
// driver parks exactly twice, and the second park follows no task poll.
func TestCurrentThreadParksAndNoopParks(t *testing.T) {
	g1, g2 := &gate{}, &gate{}
	var parks atomic.Int64
	rt := newRuntime(t, weft.WithCurrentThread(), weft.WithWorkerHooks(nil, nil, func(int) {
		switch parks.Add(1) {
		case 1:
			g1.Open()
		case 2:
			g2.Open()
		}
	}, nil))
	step := 0
	_, err := weft.BlockOn(context.Background(), rt, future.PollFunc(func(cx *future.Context) (int, bool) {
		switch step {
		case 0:
			weft.Spawn(cx, future.Ready(1)).Detach()
			step++
			fallthrough
		case 1:
			if _, ok := g1.Poll(cx); !ok {
				return 0, false
			}
			step++
			fallthrough
		default:
			_, ok := g2.Poll(cx)
			return 0, ok
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	w := rt.Metrics().PerWorker[0]
	if w.Parks != 2 || w.Unparks != 2 || w.NoopParks != 1 || w.Polls != 1 {
		t.Fatalf("Parks %d Unparks %d NoopParks %d Polls %d, want 2 2 1 1", w.Parks, w.Unparks, w.NoopParks, w.Polls)
	}
}

// budgetSpender spends its whole coop budget in its first poll, so that
// ConsumeBudget refuses once and the task is forced to yield; the second
// poll completes.
type budgetSpender struct{ polls int }

func (b *budgetSpender) Poll(cx *future.Context) (int, bool) {
	b.polls++
	if b.polls == 1 {
		for cx.ConsumeBudget() {
		}
		return 0, false
	}
	return b.polls, true
}

func TestCoopForcedYieldIsCountedOnce(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		r, err := weft.BlockOn(context.Background(), rt, weft.Spawn(rt, &budgetSpender{}))
		if err != nil || r.Value != 2 {
			t.Fatalf("got %+v, %v", r, err)
		}
		m := waitMetrics(t, rt, func(m weft.Metrics) bool { return m.Polls() == 2 && allParked(m) })
		if m.BudgetForcedYields != 1 {
			t.Fatalf("BudgetForcedYields %d, want 1", m.BudgetForcedYields)
		}
		var perWorker uint64
		for _, w := range m.PerWorker {
			perWorker += w.BudgetForcedYields
		}
		if perWorker != 1 {
			t.Fatalf("workers' BudgetForcedYields sum to %d, want 1", perWorker)
		}
	})
}

// TestLocalQueueDepthIsPublished leaves tasks in the current-thread queue:
// the main future spawns them and completes at once, and the depth is
// published when BlockOn lets go of the runtime.
func TestLocalQueueDepthIsPublished(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread())
	_, err := weft.BlockOn(context.Background(), rt, fn[int](func(cx *future.Context) int {
		for range 5 {
			weft.Spawn(cx, future.Ready(0)).Detach()
		}
		return 0
	}))
	if err != nil {
		t.Fatal(err)
	}
	if m := rt.Metrics(); m.PerWorker[0].LocalQueueDepth != 5 || m.AliveTasks != 5 || m.PerWorker[0].LocalSchedules != 5 {
		t.Fatalf("LocalQueueDepth %d AliveTasks %d LocalSchedules %d, want 5 5 5",
			m.PerWorker[0].LocalQueueDepth, m.AliveTasks, m.PerWorker[0].LocalSchedules)
	}
}

// spin busy-waits for d of wall time inside a poll.
func spin(d time.Duration) {
	for start := time.Now(); time.Since(start) < d; {
	}
}

// TestSlowPollLandsInTheLastBucketAndCountsAsBusy polls one task that takes
// at least 1ms: with the default layout (10 x 100µs) it can only land in
// the open last bucket, and it adds at least 1ms of busy time.
func TestSlowPollLandsInTheLastBucketAndCountsAsBusy(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, append(opts, weft.WithPollTimeHistogram(weft.HistogramConfig{}))...)
		h := weft.Spawn(rt, fn[int](func(*future.Context) int { spin(time.Millisecond); return 1 }))
		if _, err := weft.BlockOn(context.Background(), rt, h); err != nil {
			t.Fatal(err)
		}
		m := waitMetrics(t, rt, func(m weft.Metrics) bool { return m.Polls() == 1 && allParked(m) })
		hist := m.PollTimeHistogram()
		last := len(hist) - 1
		if hist[last] != 1 || m.PollTimeBuckets[last].End != math.MaxInt64 {
			t.Fatalf("histogram %v over %v: want the 1ms poll in the open last bucket; workers %+v", hist, m.PollTimeBuckets, m.PerWorker)
		}
		var busy, polled time.Duration
		for _, w := range m.PerWorker {
			busy += w.BusyDuration
			polled += w.PollTimeTotal
		}
		if polled < time.Millisecond || busy < polled {
			t.Fatalf("busy %v, poll time %v after a 1ms poll", busy, polled)
		}
	})
}

func TestLogHistogramPlacesPollsByDuration(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread(),
		weft.WithPollTimeHistogram(weft.LogHistogram(100*time.Nanosecond, time.Second, 3)))
	h := weft.Spawn(rt, fn[int](func(*future.Context) int { spin(2 * time.Millisecond); return 1 }))
	if _, err := weft.BlockOn(context.Background(), rt, h); err != nil {
		t.Fatal(err)
	}
	m := rt.Metrics()
	hist := m.PollTimeHistogram()
	for i, c := range hist {
		b := m.PollTimeBuckets[i]
		if c == 1 && b.End > 2*time.Millisecond && b.End-b.Start <= b.Start/8 {
			return // the 2ms poll, in a bucket at most 12.5% wide
		}
		if c != 0 {
			t.Fatalf("poll counted in bucket %d = %v", i, b)
		}
	}
	t.Fatalf("poll not found in %v", hist)
}

func TestInvalidHistogramIsAnError(t *testing.T) {
	for _, h := range []weft.HistogramConfig{
		weft.LinearHistogram(0, time.Millisecond),
		weft.LinearHistogram(3, -1),
		weft.LogHistogram(0, time.Second, 2),
		weft.LogHistogram(time.Second, time.Millisecond, 2),
		weft.LogHistogram(time.Nanosecond, time.Second, 11),
	} {
		rt, err := weft.New(weft.WithPollTimeHistogram(h))
		if err == nil {
			rt.Close()
			t.Errorf("%v: New succeeded", h)
			continue
		}
		if !strings.HasPrefix(err.Error(), "weft: WithPollTimeHistogram(") {
			t.Errorf("%v: error %q", h, err)
		}
	}
}

func TestHistogramIsOffByDefault(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread())
	if _, err := weft.BlockOn(context.Background(), rt, weft.Spawn(rt, future.Ready(1))); err != nil {
		t.Fatal(err)
	}
	m := rt.Metrics()
	if m.PollTimeBuckets != nil || m.PerWorker[0].PollTimeHistogram != nil || m.PollTimeHistogram() != nil {
		t.Fatalf("histogram present without WithPollTimeHistogram: %+v", m)
	}
}

// allParked reports whether every worker had published a park it has not
// come back from: its counters are then final until it wakes.
func allParked(m weft.Metrics) bool {
	if m.Flavor == weft.CurrentThread {
		return true // published when BlockOn returned
	}
	for _, w := range m.PerWorker {
		if w.Parks != w.Unparks+1 {
			return false
		}
	}
	return true
}

// waitMetrics returns the first snapshot that satisfies ok. Worker counters
// are published at maintenance and park, so after a workload the test
// waits for the workers to park; it yields between snapshots and gives up
// after 10s.
func waitMetrics(t *testing.T, rt *weft.Runtime, ok func(weft.Metrics) bool) weft.Metrics {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m := rt.Metrics()
		checkWorkerInvariants(t, m)
		if ok(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics never settled: %+v", m)
		}
		runtime.Gosched()
	}
}

// checkWorkerInvariants checks what must hold in every snapshot: each
// worker's counters come from one publish, and the worker publishes only
// between polls.
func checkWorkerInvariants(t *testing.T, m weft.Metrics) {
	t.Helper()
	for i, w := range m.PerWorker {
		if w.Unparks > w.Parks || w.Parks > w.Unparks+1 || w.NoopParks > w.Parks || w.StealOperations > w.Steals {
			t.Fatalf("worker %d: Parks %d Unparks %d NoopParks %d Steals %d StealOperations %d",
				i, w.Parks, w.Unparks, w.NoopParks, w.Steals, w.StealOperations)
		}
		var sum uint64
		for _, c := range w.PollTimeHistogram {
			sum += c
		}
		if w.PollTimeHistogram != nil && sum != w.Polls {
			t.Fatalf("worker %d: histogram sums to %d, Polls %d", i, sum, w.Polls)
		}
	}
}

// TestSumsAfterWorkload spawns N yielders from outside while another
// goroutine takes snapshots and checks what every snapshot must satisfy,
// then checks the sums once the workers have parked.
func TestSumsAfterWorkload(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		const N, Y = 200, 5
		var pc pollCounter
		rt := newRuntime(t, append(opts, pc.option(), weft.WithPollTimeHistogram(weft.HistogramConfig{}))...)
		stop := make(chan struct{})
		watched := make(chan struct{})
		go func() {
			defer close(watched)
			for {
				select {
				case <-stop:
					return
				default:
				}
				checkWorkerInvariants(t, rt.Metrics())
				runtime.Gosched()
			}
		}()
		hs := make([]*task.JoinHandle[int], N)
		for i := range hs {
			hs[i] = weft.Spawn(rt, &yielder{n: Y, v: 1})
		}
		if sum, err := weft.BlockOn(context.Background(), rt, &awaitAll{hs: hs}); err != nil || sum != N {
			t.Fatalf("sum %d err %v", sum, err)
		}
		close(stop)
		<-watched
		polls := uint64(N * (Y + 1))
		m := waitMetrics(t, rt, func(m weft.Metrics) bool { return m.Polls() == polls && allParked(m) })
		var local, hist uint64
		for _, w := range m.PerWorker {
			local += w.LocalSchedules
			for _, c := range w.PollTimeHistogram {
				hist += c
			}
			if w.LocalQueueDepth != 0 || w.BusyDuration <= 0 || m.Flavor == weft.MultiThread && w.Parks == 0 {
				t.Errorf("worker: %+v", w)
			}
		}
		switch {
		case m.SpawnedTasks != N || m.AliveTasks != 0 || m.GlobalQueueDepth != 0:
			t.Errorf("spawned %d alive %d global %d", m.SpawnedTasks, m.AliveTasks, m.GlobalQueueDepth)
		case pc.before.Load() != polls:
			t.Errorf("hooks saw %d polls, Metrics %d", pc.before.Load(), polls)
		case m.RemoteSchedules != N || local != N*Y:
			t.Errorf("RemoteSchedules %d LocalSchedules %d, want %d %d", m.RemoteSchedules, local, N, N*Y)
		case hist != polls:
			t.Errorf("histogram sums to %d, want %d", hist, polls)
		}
	})
}

// TestIdleWorkerStealsFromBlockedWorker builds the imbalance by hand: one
// task spawns 100 tasks onto its own worker's queue and then blocks that
// worker's goroutine until they have all run. Only the other worker can
// run them, and only by stealing.
func TestIdleWorkerStealsFromBlockedWorker(t *testing.T) {
	const N = 100
	rt := newRuntime(t, weft.WithWorkers(2), weft.WithLIFOSlot(false))
	var ran atomic.Int64
	allRan := make(chan struct{})
	blocker := weft.Spawn(rt, fn[int](func(cx *future.Context) int {
		for range N {
			weft.SpawnDetached(cx, fn[int](func(*future.Context) int {
				if ran.Add(1) == N {
					close(allRan)
				}
				return 0
			}))
		}
		// Block this worker: its queue is only reachable by stealing. The
		// timeout only turns a bug into a failure instead of a hang.
		select {
		case <-allRan:
		case <-time.After(10 * time.Second):
			t.Error("the tasks queued on a blocked worker were not stolen")
		}
		return 0
	}))
	if _, err := weft.BlockOn(context.Background(), rt, blocker); err != nil {
		t.Fatal(err)
	}
	m := waitMetrics(t, rt, func(m weft.Metrics) bool { return m.Polls() == N+1 && allParked(m) })
	var steals, ops uint64
	for _, w := range m.PerWorker {
		steals += w.Steals
		ops += w.StealOperations
	}
	if steals != N || ops == 0 || ops > N {
		t.Fatalf("Steals %d StealOperations %d, want %d and between 1 and %d: %+v", steals, ops, N, N, m.PerWorker)
	}
}

// TestOverflowIsCounted spawns 300 tasks from one task of a 1-worker
// runtime: the 257th push finds the local queue (256 slots) full and moves
// half of it to the global queue, once.
func TestOverflowIsCounted(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(1), weft.WithLIFOSlot(false))
	spawner := weft.Spawn(rt, fn[int](func(cx *future.Context) int {
		for range 300 {
			weft.SpawnDetached(cx, future.Ready(0))
		}
		return 0
	}))
	if _, err := weft.BlockOn(context.Background(), rt, spawner); err != nil {
		t.Fatal(err)
	}
	m := waitMetrics(t, rt, func(m weft.Metrics) bool { return m.Polls() == 301 && allParked(m) })
	if w := m.PerWorker[0]; w.Overflows != 1 || w.LocalSchedules != 300 {
		t.Fatalf("Overflows %d LocalSchedules %d, want 1 300", w.Overflows, w.LocalSchedules)
	}
}

// TestBlockingMetricsWhileClosuresRun holds blocking closures on a channel
// and checks the pool's counts while they run and after.
func TestBlockingMetricsWhileClosuresRun(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		const max, extra = 3, 2
		rt := newRuntime(t, append(opts, weft.WithMaxBlocking(max))...)
		release := make(chan struct{})
		started := make(chan struct{}, max+extra)
		hs := make([]*task.JoinHandle[int], max+extra)
		for i := range hs {
			hs[i] = weft.SpawnBlocking(rt, func() int {
				started <- struct{}{}
				<-release
				return 1
			})
		}
		for range max {
			<-started
		}
		m := rt.Metrics()
		if m.BlockingThreads != max || m.BusyBlockingThreads != max || m.IdleBlockingThreads != 0 ||
			m.BlockingQueueDepth != extra || m.SpawnedBlockingTasks != max+extra {
			t.Fatalf("while %d closures block and %d wait: threads %d busy %d idle %d queue %d spawned %d",
				max, extra, m.BlockingThreads, m.BusyBlockingThreads, m.IdleBlockingThreads,
				m.BlockingQueueDepth, m.SpawnedBlockingTasks)
		}
		if m.SpawnedTasks != 0 || m.AliveTasks != 0 {
			t.Fatalf("blocking tasks counted as tasks: spawned %d alive %d", m.SpawnedTasks, m.AliveTasks)
		}
		close(release)
		if sum, err := weft.BlockOn(context.Background(), rt, &awaitAll{hs: hs}); err != nil || sum != max+extra {
			t.Fatalf("sum %d err %v", sum, err)
		}
		waitMetrics(t, rt, func(m weft.Metrics) bool {
			return m.BusyBlockingThreads == 0 && m.BlockingQueueDepth == 0 && m.IdleBlockingThreads == m.BlockingThreads
		})
	})
}

package mpmc_test

// Tests of the channel on a real weft runtime: the fan-out of issue 9 (8
// worker tasks on one channel), abort of every waiting future while it waits,
// workers aborted while values flow, and the task dump.

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/mpmc"
	"github.com/weftrt/weft/task"
)

// fanOutRound runs 8 workers (half hand-written, half Async) on one channel,
// sends n values (from a task on even rounds, from a goroutine on odd ones),
// closes the channel, and checks that every worker finished and every value
// was received exactly once.
func fanOutRound(t *testing.T, rt *weft.Runtime, round int) {
	const workers, n = 8, 1000
	tx, rx := mpmc.New[int](16)
	got := make([][]int, workers) // got[i] is written by worker i only
	hs := make([]*task.JoinHandle[int], workers)
	for i := range hs {
		record := func(v int) { got[i] = append(got[i], v) }
		if i%2 == 0 {
			hs[i] = weft.Spawn(rt, &worker{rx: rx, record: record})
		} else {
			hs[i] = weft.Spawn(rt, asyncWorker(rx, record))
		}
	}
	var prod *task.JoinHandle[error]
	var wg sync.WaitGroup
	if round%2 == 0 {
		prod = weft.Spawn(rt, &producer{tx: tx, step: 1, end: n, closeAfter: true})
	} else {
		wg.Go(func() {
			for v := range n {
				if err := tx.BlockingSend(context.Background(), v); err != nil {
					t.Error(err)
				}
			}
			tx.Close()
		})
	}
	var all []int
	for i, k := range rttest.MustSucceed(t, rt, hs) {
		if k != len(got[i]) {
			t.Fatalf("worker %d counted %d values and recorded %d", i, k, len(got[i]))
		}
		all = append(all, got[i]...)
	}
	wg.Wait()
	if prod != nil {
		if err := rttest.MustSucceed(t, rt, []*task.JoinHandle[error]{prod})[0]; err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(all)
	if len(all) != n {
		t.Fatalf("round %d: %d values received, want %d", round, len(all), n)
	}
	for i, v := range all {
		if v != i {
			t.Fatalf("round %d: value %d lost or received twice", round, i)
		}
	}
	if _, err := rx.TryRecv(); err != mpmc.ErrClosed {
		t.Fatalf("after the workers: TryRecv = %v", err)
	}
	clean(t, rx)
}

// The fan-out of issue 9 that hangs on mpsc: 8 worker tasks receive from one
// channel on a 4-worker runtime; the channel is closed and drained, every
// value is received exactly once and every task finishes. Repeated, since
// the mpsc hang showed about one run in six.
func TestFanOutEightWorkersOnFourWorkerRuntimeReceiveEachValueOnce(t *testing.T) {
	rounds := 200
	if testing.Short() {
		rounds = 20
	}
	rt := rttest.NewRuntime(t, weft.WithWorkers(4))
	for round := range rounds {
		fanOutRound(t, rt, round)
		if t.Failed() {
			return
		}
	}
}

// The same on a current-thread runtime.
func TestFanOutOnCurrentThreadRuntime(t *testing.T) {
	rt := rttest.NewRuntime(t, weft.WithCurrentThread())
	for round := range 4 {
		fanOutRound(t, rt, round)
	}
}

const rtWaiters = 8

func TestRuntimeAbortWhileWaitingLeaksNothing(t *testing.T) {
	rttest.RunAbortCases(t, []rttest.Case{
		{Name: "Recv", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			// rtWaiters receivers wait on an empty channel; Release sends
			// one value each, which may be promised to receivers that are
			// then aborted: those values must pass on or stay buffered.
			tx, rx := mpmc.New[int](rtWaiters)
			var mu sync.Mutex
			var got []int
			return &rttest.Env{
				N: rtWaiters,
				Wait: func(int) future.Future[struct{}] {
					return rttest.Unit(rx.Recv(), func(r future.Result[int]) {
						if r.Err == nil {
							mu.Lock()
							got = append(got, r.Value)
							mu.Unlock()
						}
					})
				},
				Waiters: func() int { return mpmc.StatsOf(rx).RecvWaiters },
				Release: func() {
					for v := range rtWaiters {
						_ = tx.TrySend(v)
					}
				},
				Check: func(t testing.TB, o rttest.Outcome) {
					clean(t, rx)
					mu.Lock()
					defer mu.Unlock()
					if len(got) != o.Completed {
						t.Fatalf("%d values received by %d completed receives", len(got), o.Completed)
					}
					var want []int
					if o.Released {
						for v := range rtWaiters {
							want = append(want, v)
						}
					}
					for v, err := rx.TryRecv(); err == nil; v, err = rx.TryRecv() {
						got = append(got, v)
					}
					slices.Sort(got)
					if !slices.Equal(got, want) {
						t.Fatalf("received and buffered %v, want each of %v once", got, want)
					}
				},
			}
		}},
		{Name: "Send", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			// A full channel of 2; rtWaiters senders wait; Release
			// receives the 2 buffered values, granting room to senders
			// that may then be aborted: the room must pass on.
			const capacity = 2
			tx, rx := mpmc.New[int](capacity)
			for v := range capacity {
				_ = tx.TrySend(-1 - v)
			}
			var mu sync.Mutex
			var sent []int
			var bad atomic.Int64
			return &rttest.Env{
				N: rtWaiters,
				Wait: func(i int) future.Future[struct{}] {
					return rttest.Unit(tx.Send(i), func(err error) {
						if err == nil {
							mu.Lock()
							sent = append(sent, i)
							mu.Unlock()
						}
					})
				},
				Waiters: func() int { return mpmc.StatsOf(rx).SendWaiters },
				Release: func() {
					for range capacity {
						if v, err := rx.TryRecv(); err != nil || v >= 0 {
							bad.Add(1)
						}
					}
				},
				Check: func(t testing.TB, o rttest.Outcome) {
					if bad.Load() != 0 {
						t.Fatal("release did not receive the initial values")
					}
					s := clean(t, rx)
					want := capacity
					if o.Released {
						want = o.Completed
					}
					if s.Buffered != want {
						t.Fatalf("%d buffered, want %d (%d completed)", s.Buffered, want, o.Completed)
					}
					if !o.Released {
						return
					}
					mu.Lock()
					defer mu.Unlock()
					var got []int
					for v, err := rx.TryRecv(); err == nil; v, err = rx.TryRecv() {
						got = append(got, v)
					}
					slices.Sort(got)
					slices.Sort(sent)
					if !slices.Equal(got, sent) {
						t.Fatalf("buffered %v, completed sends %v", got, sent)
					}
				},
			}
		}},
	})
}

// Worker tasks aborted while values flow lose no value: what each received
// is recorded in the poll that received it, a value promised to a worker
// that is aborted before it ran goes to another, and the workers left drain
// the channel after the close.
func TestRuntimeStressAbortedWorkersLoseNoValue(t *testing.T) {
	rounds, n := 20, 2000
	if testing.Short() {
		rounds, n = 5, 500
	}
	rt := rttest.NewRuntime(t, weft.WithWorkers(4))
	for range rounds {
		const workers = 16
		tx, rx := mpmc.New[int](4)
		var mu sync.Mutex
		seen := make(map[int]int, n)
		var total atomic.Int64
		record := func(v int) {
			mu.Lock()
			seen[v]++
			mu.Unlock()
			total.Add(1)
		}
		hs := make([]*task.JoinHandle[int], workers)
		for i := range hs {
			hs[i] = weft.Spawn(rt, &worker{rx: rx, record: record})
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			for v := range n {
				if err := tx.BlockingSend(context.Background(), v); err != nil {
					t.Error(err)
				}
			}
			tx.Close()
		})
		// Abort the even workers one by one while values flow.
		for i := 0; i < workers; i += 2 {
			at := int64(n * i / (2 * workers))
			rttest.Until(t, rt, "values to flow", func() bool { return total.Load() >= at })
			hs[i].Abort()
			runtime.Gosched()
		}
		_, errs := rttest.JoinAll(t, rt, hs)
		wg.Wait()
		for i, err := range errs {
			if err != nil && (i%2 == 1 || !rttest.IsCancelled(err)) {
				t.Fatalf("worker %d: %v", i, err)
			}
		}
		if _, err := rx.TryRecv(); err != mpmc.ErrClosed {
			t.Fatalf("after the workers: TryRecv = %v", err)
		}
		if len(seen) != n {
			t.Fatalf("%d distinct values received, want %d", len(seen), n)
		}
		for v, k := range seen {
			if k != 1 || v < 0 || v >= n {
				t.Fatalf("value %d received %d times", v, k)
			}
		}
		clean(t, rx)
	}
}

// A task that was handed a value (woken, not run yet) and is then aborted
// passes the value to the next waiting task; one that was granted room and
// is aborted passes the room on. On a current-thread runtime the tasks run
// only inside BlockOn, so the abort surely comes between the hand-over and
// the poll.
func TestAbortedTaskHandedAValueOrRoomPassesItOn(t *testing.T) {
	t.Run("recv", func(t *testing.T) {
		rt := rttest.NewRuntime(t, weft.WithCurrentThread())
		tx, rx := mpmc.New[int](2)
		hs := []*task.JoinHandle[future.Result[int]]{weft.Spawn(rt, rx.Recv()), weft.Spawn(rt, rx.Recv())}
		rttest.Until(t, rt, "both receivers to wait", func() bool { return mpmc.StatsOf(rx).RecvWaiters == 2 })
		mustTrySend(t, tx, 7, nil) // promised to the first
		hs[0].Abort()
		vals, errs := rttest.JoinAll(t, rt, hs)
		if !rttest.IsCancelled(errs[0]) {
			t.Fatalf("first receiver: %v, want cancelled", errs[0])
		}
		if errs[1] != nil || vals[1].Err != nil || vals[1].Value != 7 {
			t.Fatalf("second receiver: %+v, %v; want 7", vals[1], errs[1])
		}
		clean(t, rx)
	})
	t.Run("send", func(t *testing.T) {
		rt := rttest.NewRuntime(t, weft.WithCurrentThread())
		tx, rx := mpmc.New[int](1)
		mustTrySend(t, tx, 0, nil)
		hs := []*task.JoinHandle[error]{weft.Spawn(rt, tx.Send(1)), weft.Spawn(rt, tx.Send(2))}
		rttest.Until(t, rt, "both senders to wait", func() bool { return mpmc.StatsOf(rx).SendWaiters == 2 })
		mustTryRecv(t, rx, 0) // room granted to the first
		hs[0].Abort()
		_, errs := rttest.JoinAll(t, rt, hs)
		if !rttest.IsCancelled(errs[0]) || errs[1] != nil {
			t.Fatalf("senders: %v, %v; want cancelled, nil", errs[0], errs[1])
		}
		mustTryRecv(t, rx, 2)
		mustTryRecvErr(t, rx, mpmc.ErrEmpty)
		clean(t, rx)
	})
}

// A task dump shows what a worker waits on, with the channel's state.
func TestTaskDumpShowsAWaitingRecv(t *testing.T) {
	rt := rttest.NewRuntime(t, weft.WithWorkers(2))
	tx, rx := mpmc.New[int](4)
	h := weft.Spawn(rt, asyncWorker(rx, nil))
	rttest.Until(t, rt, "the worker to wait", func() bool { return mpmc.StatsOf(rx).RecvWaiters == 1 })
	var trace string
	rttest.Until(t, rt, "the dump to see the worker idle", func() bool {
		d, err := rt.Dump(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, td := range d.Tasks {
			if td.ID == h.ID() && td.Status == weft.TaskIdle {
				trace = td.Trace.String()
				return true
			}
		}
		return false
	})
	if !strings.Contains(trace, "mpmc.Recv (waiting; 0/4 buffered, 0 senders and 1 receivers waiting)") {
		t.Fatalf("trace %q does not show the waiting Recv", trace)
	}
	tx.Close()
	if n := rttest.MustSucceed(t, rt, []*task.JoinHandle[int]{h})[0]; n != 0 {
		t.Fatalf("worker received %d values", n)
	}
}

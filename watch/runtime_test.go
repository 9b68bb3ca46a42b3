package watch_test

// Tests of watch channels on a real weft runtime (issue #4): Changed,
// WaitFor and Closed futures aborted while they wait are unlinked and miss
// nothing, and many receiver tasks all see the last value of a busy sender.

import (
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/task"
	"github.com/weftrt/weft/watch"
)

const rtWaiters = 8

// rtChangedEnv parks one receiver per task on the future wait makes; Release
// sends a new value. done[i] records that task i's wait completed.
func rtChangedEnv(wait func(rx *watch.Receiver[int], done *atomic.Bool) future.Future[struct{}]) *rttest.Env {
	tx, rx0 := watch.New(0)
	rxs := make([]*watch.Receiver[int], rtWaiters)
	for i := range rxs {
		rxs[i] = rx0.Clone()
	}
	done := make([]atomic.Bool, rtWaiters)
	return &rttest.Env{
		N:    rtWaiters,
		Wait: func(i int) future.Future[struct{}] { return wait(rxs[i], &done[i]) },
		Waiters: func() int {
			n, _ := watch.Waiters(tx)
			return n
		},
		Release: func() { _ = tx.Send(1) },
		Check: func(t testing.TB, o rttest.Outcome) {
			if n, c := watch.Waiters(tx); n != 0 || c != 0 {
				t.Fatalf("%d Changed/WaitFor and %d Closed futures left linked", n, c)
			}
			for i, rx := range rxs {
				// A receiver whose wait was aborted has not seen the new
				// value: it is still there for it.
				changed, err := rx.HasChanged()
				if err != nil || changed != (o.Released && !done[i].Load()) {
					t.Fatalf("receiver %d: changed %v %v (released %v, completed %v)", i, changed, err, o.Released, done[i].Load())
				}
				rx.Close()
			}
			if tx.ReceiverCount() != 1 {
				t.Fatalf("%d receivers open, want 1", tx.ReceiverCount())
			}
			rx0.Close()
			tx.Close()
		},
	}
}

func TestRuntimeAbortWhileWaitingLeaksNothing(t *testing.T) {
	rttest.RunAbortCases(t, []rttest.Case{
		{Name: "Changed", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			return rtChangedEnv(func(rx *watch.Receiver[int], done *atomic.Bool) future.Future[struct{}] {
				return rttest.Unit(rx.Changed(), func(err error) {
					if err == nil {
						done.Store(true)
					}
				})
			})
		}},
		{Name: "WaitFor", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			return rtChangedEnv(func(rx *watch.Receiver[int], done *atomic.Bool) future.Future[struct{}] {
				return rttest.Unit(rx.WaitFor(func(v int) bool { return v > 0 }), func(r future.Result[int]) {
					if r.Err == nil && r.Value == 1 {
						done.Store(true)
					}
				})
			})
		}},
		{Name: "Closed", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			tx, rx := watch.New(0)
			rx2 := rx.Clone()
			return &rttest.Env{
				N:    rtWaiters,
				Wait: func(int) future.Future[struct{}] { return tx.Closed() },
				Waiters: func() int {
					_, c := watch.Waiters(tx)
					return c
				},
				Release: func() {
					rx.Close()
					rx2.Close()
				},
				Check: func(t testing.TB, o rttest.Outcome) {
					if n, c := watch.Waiters(tx); n != 0 || c != 0 {
						t.Fatalf("%d Changed/WaitFor and %d Closed futures left linked", n, c)
					}
					if tx.IsClosed() != o.Released {
						t.Fatalf("closed %v, released %v", tx.IsClosed(), o.Released)
					}
					rx.Close()
					rx2.Close()
					tx.Close()
				},
			}
		}},
	})
}

// rtWatcher follows a watch channel until it closes: it checks that the
// values it sees only grow, and returns the last one.
func rtWatcher(rx *watch.Receiver[int]) *weft.AsyncFuture[int] {
	return weft.Async(func(a *weft.A) int {
		defer rx.Close()
		last := 0
		for {
			if err := weft.Await(a, rx.Changed()); err != nil {
				return last
			}
			v := rx.Borrow()
			if v < last {
				return -1 // went backwards
			}
			last = v
		}
	})
}

// Many receiver tasks follow one sender task that sends a long run of
// values on a 4-worker runtime: each sees only growing values and, once the
// sender closes, the last value sent (none misses the final wake-up).
func TestRuntimeStressManyReceiversSeeTheLastValue(t *testing.T) {
	receivers, values := 64, 5000
	if testing.Short() {
		receivers, values = 16, 1000
	}
	rt := rttest.NewRuntime(t, weft.WithWorkers(4))
	tx, rx := watch.New(0)
	hs := make([]*task.JoinHandle[int], receivers)
	for i := range hs {
		hs[i] = weft.Spawn(rt, rtWatcher(rx.Clone()))
	}
	rx.Close()
	sender := weft.Spawn(rt, weft.Async(func(a *weft.A) struct{} {
		defer tx.Close()
		for v := 1; v <= values; v++ {
			if tx.Send(v) != nil {
				return struct{}{} // every receiver gone: cannot happen here
			}
			if v%50 == 0 {
				weft.Await(a, weft.YieldNow())
			}
		}
		return struct{}{}
	}))
	rttest.MustSucceed(t, rt, []*task.JoinHandle[struct{}]{sender})
	for i, last := range rttest.MustSucceed(t, rt, hs) {
		if last != values {
			t.Fatalf("receiver %d ended with %d, want the last value %d", i, last, values)
		}
	}
	if tx.ReceiverCount() != 0 {
		t.Fatalf("%d receivers still open", tx.ReceiverCount())
	}
}

package weft_test

// Fairness on a real runtime (issue #4): a large Semaphore request is not
// starved by a stream of small ones, Mutex waiters are served in the order
// they queued, and a task that always finds its receiver ready is made to
// yield by the coop budget so that another task on the same thread runs.

import (
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/mpsc"
	"github.com/weftrt/weft/task"
)

// A request for every permit of a Semaphore, made while many tasks keep
// taking and returning one permit each, is served; and once it is queued,
// small requests stop overtaking it: at most one per small task (the one it
// had in flight) completes before it.
func TestIntegrationFairnessBigSemaphoreAcquireIsNotStarved(t *testing.T) {
	rttest.Flavors(t, func(t *testing.T, opts ...weft.Option) {
		const permits, small = 8, 40
		rt := rttest.NewRuntime(t, opts...)
		s := weft.NewSemaphore(permits)
		var stop, bigQueued atomic.Bool
		var overtook, smallRounds atomic.Int64
		hs := make([]*task.JoinHandle[struct{}], small)
		for i := range hs {
			hs[i] = weft.Spawn(rt, weft.Async(func(a *weft.A) struct{} {
				for !stop.Load() {
					r := weft.Await(a, s.Acquire(1))
					if r.Err != nil {
						return struct{}{}
					}
					if bigQueued.Load() {
						overtook.Add(1)
					}
					smallRounds.Add(1)
					weft.Await(a, weft.YieldNow())
					r.Value.Release()
				}
				return struct{}{}
			}))
		}
		rttest.Until(t, rt, "the small tasks to get going", func() bool { return smallRounds.Load() >= 4*small })
		bigH := weft.Spawn(rt, &integBigAcquire{acq: s.Acquire(permits), queued: &bigQueued, stop: &stop})
		if n := rttest.MustSucceed(t, rt, []*task.JoinHandle[int]{bigH})[0]; n != permits {
			t.Fatalf("big acquire got %d permits, want %d", n, permits)
		}
		rttest.MustSucceed(t, rt, hs)
		if o := overtook.Load(); o > small {
			t.Fatalf("%d small acquires completed after the big one queued; at most %d (one per task) may", o, small)
		}
		if a := s.Available(); a != permits {
			t.Fatalf("%d permits available at the end, want %d", a, permits)
		}
		t.Logf("%d small acquires completed while the big one waited", overtook.Load())
	})
}

// integBigAcquire waits for a large Acquire, saying while it is queued, and
// stops the small tasks once it has its permits.
type integBigAcquire struct {
	acq          *weft.SemaphoreAcquireFuture
	queued, stop *atomic.Bool
}

func (b *integBigAcquire) Poll(cx *future.Context) (int, bool) {
	r, ok := b.acq.Poll(cx)
	if !ok {
		b.queued.Store(true)
		return 0, false
	}
	b.queued.Store(false)
	b.stop.Store(true)
	if r.Err != nil {
		return 0, true
	}
	n := r.Value.Num()
	r.Value.Release()
	return n, true
}

func (b *integBigAcquire) Drop() { b.acq.Drop() }

// On a current-thread runtime, tasks that queue on a held Mutex get it in
// the order they queued, whichever of them are aborted on the way.
func TestIntegrationFairnessMutexIsFIFOOnCurrentThread(t *testing.T) {
	const n = 64
	rt := rttest.NewRuntime(t, weft.WithCurrentThread())
	m := weft.NewMutex([]int(nil))
	holder, _ := m.TryLock()
	hs := make([]*task.JoinHandle[struct{}], n)
	for i := range hs {
		hs[i] = weft.Spawn(rt, rttest.Unit(m.Lock(), func(g *weft.MutexGuard[[]int]) {
			g.Set(append(g.Get(), i))
			g.Unlock()
		}))
	}
	rttest.Until(t, rt, "every task to queue", func() bool { return weft.MutexWaitersForTest(m) == n })
	for i := 0; i < n; i += 5 {
		hs[i].Abort()
	}
	holder.Unlock()
	_, errs := rttest.JoinAll(t, rt, hs)
	var want []int
	for i, err := range errs {
		switch {
		case i%5 == 0 && rttest.IsCancelled(err):
		case i%5 != 0 && err == nil:
			want = append(want, i)
		default:
			t.Fatalf("task %d: %v", i, err)
		}
	}
	g, ok := m.TryLock()
	if !ok {
		t.Fatal("Mutex still locked")
	}
	defer g.Unlock()
	got := g.Get()
	if len(got) != len(want) {
		t.Fatalf("%d tasks got the lock, want %d", len(got), len(want))
	}
	for k := range got {
		if got[k] != want[k] {
			t.Fatalf("lock order %v, want %v", got, want)
		}
	}
}

// integHog receives from a channel that always has a value, and never
// yields of its own accord: only the coop budget can stop it.
type integHog struct {
	rx  *mpsc.Receiver[int]
	got atomic.Int64
}

func (h *integHog) Poll(cx *future.Context) (int64, bool) {
	for {
		r, ok := h.rx.Recv().Poll(cx)
		if !ok {
			return 0, false
		}
		if r.Err != nil {
			return h.got.Load(), true
		}
		h.got.Add(1)
	}
}

// integWatcher runs once per poll, yielding each time, and notes how much
// the hog had received each time it ran, until the hog is done.
type integWatcher struct {
	hog  *integHog
	seen []int64
	done *atomic.Bool
}

func (w *integWatcher) Poll(cx *future.Context) ([]int64, bool) {
	w.seen = append(w.seen, w.hog.got.Load())
	if w.done.Load() {
		return w.seen, true
	}
	cx.Waker().Wake()
	return nil, false
}

// A task draining a channel that is never empty exhausts its coop budget
// and is made to yield, so a second task on the same current-thread runtime
// runs while the first still has values to read; the runtime counts the
// forced yields.
func TestIntegrationFairnessCoopBudgetForcesAHogToYield(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []weft.Option
	}{
		{"current-thread", []weft.Option{weft.WithCurrentThread()}},
		{"multi-thread-1-worker", []weft.Option{weft.WithWorkers(1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const total = 50 * future.DefaultBudget
			rt := rttest.NewRuntime(t, tc.opts...)
			tx, rx := mpsc.NewUnbounded[int]()
			for i := range total {
				_ = tx.Send(i)
			}
			tx.Close()
			hog := &integHog{rx: rx}
			var done atomic.Bool
			// Spawned by a task, both go to the queue of the worker (or
			// driver) running it, where a yielded task goes behind the
			// other at once. (Spawned from outside, they would go through
			// the inject queue, which is looked at only every so many
			// ticks.)
			type handles struct {
				hog   *task.JoinHandle[int64]
				watch *task.JoinHandle[[]int64]
			}
			spawner := weft.Spawn(rt, fn[handles](func(cx *future.Context) handles {
				return handles{
					hog: weft.Spawn(cx, future.Map[int64, int64](hog, func(n int64) int64 {
						done.Store(true)
						return n
					})),
					watch: weft.Spawn(cx, &integWatcher{hog: hog, done: &done}),
				}
			}))
			hh := rttest.MustSucceed(t, rt, []*task.JoinHandle[handles]{spawner})[0]
			hogH, watchH := hh.hog, hh.watch
			if n := rttest.MustSucceed(t, rt, []*task.JoinHandle[int64]{hogH})[0]; n != total {
				t.Fatalf("hog received %d, want %d", n, total)
			}
			seen := rttest.MustSucceed(t, rt, []*task.JoinHandle[[]int64]{watchH})[0]
			mid := 0
			for _, v := range seen {
				if v > 0 && v < total {
					mid++
				}
			}
			// The hog yields once per budget; the other task runs at
			// (nearly) every one of those yields.
			if want := total / future.DefaultBudget / 2; mid < want {
				t.Fatalf("the second task ran %d times while the hog was draining, want at least %d (saw %v)", mid, want, seen)
			}
			if y := rt.Metrics().BudgetForcedYields; y == 0 {
				t.Fatal("Metrics().BudgetForcedYields is 0 after a hog was forced to yield")
			}
			t.Logf("second task ran %d times mid-drain; %d forced yields", mid, rt.Metrics().BudgetForcedYields)
		})
	}
}

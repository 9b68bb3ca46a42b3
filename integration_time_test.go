package weft_test

// Timers under a paused clock on a real runtime (issue #4): the clock moves
// only when every task is idle, straight to the next deadline, so many tasks
// sleeping random durations wake in deadline order, each at its deadline,
// and a current-thread runtime does so identically run after run.

import (
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/task"
)

// integPausedFlavors runs fn on a 4-worker and a current-thread runtime,
// both with a paused clock.
func integPausedFlavors(t *testing.T, fn func(t *testing.T, rt *weft.Runtime)) {
	t.Run("multi-thread", func(t *testing.T) {
		fn(t, rttest.NewRuntime(t, weft.WithWorkers(4), weft.WithPausedClock()))
	})
	t.Run("current-thread", func(t *testing.T) {
		fn(t, rttest.NewRuntime(t, weft.WithCurrentThread(), weft.WithPausedClock()))
	})
}

// integWake is one sleeper's wake-up: who, its deadline, and the clock when
// it ran.
type integWake struct {
	id       int
	deadline time.Time
	now      time.Time
}

// integSleeper sleeps and then logs its wake-up.
type integSleeper struct {
	id    int
	sleep *weft.SleepFuture
	log   *integWakeLog
}

type integWakeLog struct {
	mu    sync.Mutex
	wakes []integWake
}

func (s *integSleeper) Poll(cx *future.Context) (struct{}, bool) {
	if _, ok := s.sleep.Poll(cx); !ok {
		return struct{}{}, false
	}
	d, _ := s.sleep.Deadline()
	s.log.mu.Lock()
	s.log.wakes = append(s.log.wakes, integWake{id: s.id, deadline: d, now: weft.Now(cx)})
	s.log.mu.Unlock()
	return struct{}{}, true
}

func (s *integSleeper) Drop() { s.sleep.Drop() }

// integSleepers spawns n tasks sleeping random whole milliseconds (seeded)
// on rt, from a task so that they all start together, waits for them, and
// returns the log of their wake-ups in the order they ran.
func integSleepers(t *testing.T, rt *weft.Runtime, n int, seed uint64) []integWake {
	rng := rand.New(rand.NewPCG(seed, seed))
	durs := make([]time.Duration, n)
	for i := range durs {
		durs[i] = time.Duration(1+rng.IntN(400)) * time.Millisecond
	}
	log := &integWakeLog{}
	spawner := weft.Spawn(rt, fn[[]*task.JoinHandle[struct{}]](func(cx *future.Context) []*task.JoinHandle[struct{}] {
		hs := make([]*task.JoinHandle[struct{}], n)
		for i := range hs {
			hs[i] = weft.Spawn(cx, &integSleeper{id: i, sleep: weft.Sleep(durs[i]), log: log})
		}
		return hs
	}))
	hs := rttest.MustSucceed(t, rt, []*task.JoinHandle[[]*task.JoinHandle[struct{}]]{spawner})[0]
	rttest.MustSucceed(t, rt, hs)
	if len(log.wakes) != n {
		t.Fatalf("%d wake-ups logged for %d sleepers", len(log.wakes), n)
	}
	if l := weft.TimerDriverOf(rt).Len(); l != 0 {
		t.Fatalf("%d timers left", l)
	}
	return log.wakes
}

// Thousands of tasks sleeping random durations under a paused clock wake in
// deadline order, each exactly at its deadline (the clock jumps from one
// deadline to the next only once every woken task has run), and the whole
// run takes no real time to speak of.
func TestIntegrationPausedClockSleepersWakeInDeadlineOrder(t *testing.T) {
	n := integShort(2000, 500)
	integPausedFlavors(t, func(t *testing.T, rt *weft.Runtime) {
		start := time.Now()
		wakes := integSleepers(t, rt, n, 42)
		for k, w := range wakes {
			if !w.now.Equal(w.deadline) {
				t.Fatalf("sleeper %d woke at %v, its deadline is %v", w.id, w.now, w.deadline)
			}
			if k > 0 && w.deadline.Before(wakes[k-1].deadline) {
				t.Fatalf("sleeper %d (deadline %v) woke after sleeper %d (deadline %v)",
					w.id, w.deadline, wakes[k-1].id, wakes[k-1].deadline)
			}
		}
		t.Logf("%d sleepers over %v of paused time in %v", n, wakes[len(wakes)-1].deadline.Sub(wakes[0].deadline), time.Since(start))
	})
}

// On a current-thread runtime with a paused clock the wake-ups are
// deterministic: two runs with the same seed wake the sleepers in the same
// order, ties included.
func TestIntegrationPausedClockCurrentThreadIsDeterministic(t *testing.T) {
	n := integShort(2000, 500)
	var runs [2][]int
	for r := range runs {
		rt := rttest.NewRuntime(t, weft.WithCurrentThread(), weft.WithPausedClock())
		for _, w := range integSleepers(t, rt, n, 7) {
			runs[r] = append(runs[r], w.id)
		}
	}
	if !slices.Equal(runs[0], runs[1]) {
		for k := range runs[0] {
			if runs[0][k] != runs[1][k] {
				t.Fatalf("the runs differ at wake-up %d: sleeper %d, then sleeper %d", k, runs[0][k], runs[1][k])
			}
		}
	}
}

// Interval timers of different periods under a paused clock tick exactly on
// their schedule (start + k*period), each tick taken at the time it was
// due, however many of them share the runtime.
func TestIntegrationPausedClockIntervalsTickOnSchedule(t *testing.T) {
	tasks, ticks := integShort(200, 50), 20
	integPausedFlavors(t, func(t *testing.T, rt *weft.Runtime) {
		hs := make([]*task.JoinHandle[error], tasks)
		for i := range hs {
			period := time.Duration(i%7+1) * 10 * time.Millisecond
			hs[i] = weft.Spawn(rt, weft.Async(func(a *weft.A) error {
				iv := weft.Interval(period)
				defer iv.Close()
				first := weft.Await(a, iv.Tick())
				for k := 1; k < ticks; k++ {
					at := weft.Await(a, iv.Tick())
					if want := first.Add(time.Duration(k) * period); !at.Equal(want) {
						return errors.New("tick off schedule")
					}
					if now := weft.Now(a.Context()); !now.Equal(at) {
						return errors.New("tick taken late under a paused clock")
					}
				}
				return nil
			}))
		}
		for i, err := range rttest.MustSucceed(t, rt, hs) {
			if err != nil {
				t.Fatalf("task %d: %v", i, err)
			}
		}
		if l := weft.TimerDriverOf(rt).Len(); l != 0 {
			t.Fatalf("%d timers left", l)
		}
	})
}

// Timeouts racing sleeps under a paused clock: the earlier of the two
// deadlines wins every time, at exactly that time, and no timer is left.
func TestIntegrationPausedClockTimeoutsRaceSleeps(t *testing.T) {
	tasks := integShort(1000, 200)
	integPausedFlavors(t, func(t *testing.T, rt *weft.Runtime) {
		rng := rand.New(rand.NewPCG(3, 4))
		hs := make([]*task.JoinHandle[error], tasks)
		for i := range hs {
			d1 := time.Duration(1+rng.IntN(100)) * time.Millisecond
			d2 := time.Duration(1+rng.IntN(100)) * time.Millisecond
			if d1 == d2 {
				d2++
			}
			hs[i] = weft.Spawn(rt, weft.Async(func(a *weft.A) error {
				start := weft.Now(a.Context())
				r := weft.Await(a, weft.Timeout(d1, weft.Sleep(d2)))
				elapsed := weft.Now(a.Context()).Sub(start)
				switch {
				case d1 < d2 && !errors.Is(r.Err, weft.ErrElapsed):
					return errors.New("timeout did not fire first")
				case d2 < d1 && r.Err != nil:
					return errors.New("sleep did not win")
				case elapsed != min(d1, d2):
					return errors.New("completed at the wrong time")
				}
				return nil
			}))
		}
		for i, err := range rttest.MustSucceed(t, rt, hs) {
			if err != nil {
				t.Fatalf("task %d: %v", i, err)
			}
		}
		if l := weft.TimerDriverOf(rt).Len(); l != 0 {
			t.Fatalf("%d timers left", l)
		}
	})
}

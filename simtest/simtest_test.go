package simtest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/oneshot"
	"github.com/weftrt/weft/simtest"
	"github.com/weftrt/weft/task"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// racyIncrement reads a shared counter, yields, and writes back the value it
// read plus one: two of them can lose an update.
type racyIncrement struct {
	counter *int
	read    int
	step    int
}

func (r *racyIncrement) Poll(cx *future.Context) (struct{}, bool) {
	if r.step == 0 {
		r.read = *r.counter
		r.step = 1
		cx.Waker().Wake()
		return struct{}{}, false
	}
	*r.counter = r.read + 1
	return struct{}{}, true
}

func lostUpdate(rt *weft.Runtime) error {
	counter := 0
	a := weft.Spawn(rt, &racyIncrement{counter: &counter})
	b := weft.Spawn(rt, &racyIncrement{counter: &counter})
	if _, err := weft.BlockOn(context.Background(), rt, future.Join2[future.Result[struct{}], future.Result[struct{}]](a, b)); err != nil {
		return err
	}
	if counter != 2 {
		return fmt.Errorf("lost update: counter %d after two increments", counter)
	}
	return nil
}

// The simulation finds the interleaving that loses an update, and the seed
// it reports replays it.
func TestFindsAndReplaysALostUpdate(t *testing.T) {
	err := simtest.Check(lostUpdate, simtest.Seeds(100))
	var f *simtest.Failure
	if !errors.As(err, &f) {
		t.Fatalf("100 seeds did not find the lost update (err %v)", err)
	}
	for range 3 {
		again := simtest.Check(lostUpdate, simtest.StartSeed(f.Seed), simtest.Seeds(1))
		if again == nil || again.Error() != err.Error() {
			t.Fatalf("replaying seed %d gave %v, want %v", f.Seed, again, err)
		}
	}
}

// Not every seed fails: the simulation explores different interleavings.
func TestSeedsGiveDifferentInterleavings(t *testing.T) {
	failing, passing := 0, 0
	distinct := map[string]bool{}
	for seed := uint64(1); seed <= 40; seed++ {
		trace, err := simtest.Trace(lostUpdate, seed)
		if err != nil {
			failing++
		} else {
			passing++
		}
		distinct[fmt.Sprint(trace)] = true
	}
	if failing == 0 || passing == 0 || len(distinct) < 2 {
		t.Fatalf("40 seeds: %d failing, %d passing, %d distinct traces", failing, passing, len(distinct))
	}
}

// The same program with a lock never loses an update, on any seed.
func TestMutexFixesTheLostUpdate(t *testing.T) {
	simtest.Run(t, func(rt *weft.Runtime) error {
		mu := weft.NewMutex(0)
		var hs []*task.JoinHandle[struct{}]
		for range 5 {
			hs = append(hs, weft.Spawn(rt, weft.Async(func(a *weft.A) struct{} {
				g := weft.Await(a, mu.Lock())
				v := g.Get()
				weft.Await(a, weft.YieldNow())
				g.Set(v + 1)
				g.Unlock()
				return struct{}{}
			})))
		}
		for _, h := range hs {
			if _, err := weft.BlockOn(context.Background(), rt, h); err != nil {
				return err
			}
		}
		g, ok := mu.TryLock()
		if !ok || g.Get() != 5 {
			return fmt.Errorf("counter %v (locked %v)", g, ok)
		}
		g.Unlock()
		return nil
	}, simtest.Seeds(30))
}

// Tasks, yields and timers on the paused clock are deterministic per seed.
func TestRunsAreDeterministic(t *testing.T) {
	simtest.Run(t, func(rt *weft.Runtime) error {
		var hs []*task.JoinHandle[int]
		for i := range 8 {
			hs = append(hs, weft.Spawn(rt, weft.Async(func(a *weft.A) int {
				for j := range 3 {
					weft.Await(a, weft.Sleep(time.Duration(i*j)*time.Millisecond))
					weft.Await(a, weft.YieldNow())
				}
				return i
			})))
		}
		for i, h := range hs {
			r, err := weft.BlockOn(context.Background(), rt, h)
			if err != nil || r.Value != i {
				return fmt.Errorf("task %d: %+v %v", i, r, err)
			}
		}
		return nil
	}, simtest.Seeds(10), simtest.CheckDeterminism())
}

// Two tasks waiting for each other: BlockOn reports the deadlock instead of
// hanging.
func TestDeadlockIsReported(t *testing.T) {
	err := simtest.Check(func(rt *weft.Runtime) error {
		tx1, rx1 := oneshot.New[int]()
		tx2, rx2 := oneshot.New[int]()
		a := weft.Spawn(rt, weft.Async(func(a *weft.A) int {
			v := weft.Await(a, rx2) // waits for b
			tx1.Send(v.Value)
			return 0
		}))
		weft.Spawn(rt, weft.Async(func(a *weft.A) int {
			v := weft.Await(a, rx1) // waits for a
			tx2.Send(v.Value)
			return 0
		})).Detach()
		_, err := weft.BlockOn(context.Background(), rt, a)
		return err
	}, simtest.Seeds(3))
	if !errors.Is(err, weft.ErrDeadlock) {
		t.Fatalf("deadlock reported as %v", err)
	}
}

func TestEnvSeedReplaysOneSeed(t *testing.T) {
	t.Setenv(simtest.EnvSeed, "77")
	var seen []weft.Flavor
	runs := 0
	simtest.Run(t, func(rt *weft.Runtime) error {
		runs++
		seen = append(seen, rt.Handle().Flavor())
		return nil
	})
	if runs != 1 || seen[0] != weft.CurrentThread {
		t.Fatalf("%d runs on %v", runs, seen)
	}
}

func TestPanickingBodyIsAFailureWithItsSeed(t *testing.T) {
	err := simtest.Check(func(rt *weft.Runtime) error { panic("boom") }, simtest.StartSeed(5), simtest.Seeds(2))
	var f *simtest.Failure
	if !errors.As(err, &f) || f.Seed != 5 {
		t.Fatalf("got %v", err)
	}
}

// ExampleRun shows the shape of a simulation test: the body runs once per
// seed on a fresh deterministic runtime.
func ExampleCheck() {
	err := simtest.Check(lostUpdate, simtest.Seeds(100))
	var f *simtest.Failure
	fmt.Println(errors.As(err, &f))
	// Output: true
}

// pendingForever never completes; its Drop records its number.
type pendingForever struct {
	i       int
	dropped *[]int
}

func (p *pendingForever) Poll(*future.Context) (struct{}, bool) { return struct{}{}, false }
func (p *pendingForever) Drop()                                 { *p.dropped = append(*p.dropped, p.i) }

// shiftTaskIDs spawns n tasks on a runtime of their own. Task IDs are
// process-wide, so this moves the IDs that the next runtime's tasks get.
func shiftTaskIDs(t *testing.T, n int) {
	rt, err := weft.New(weft.WithCurrentThread())
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		weft.SpawnDetached(rt, future.Ready(0))
	}
	if err := rt.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestShutdownOrderIsDeterministic: a simulation that ends with tasks
// still pending shuts them down (and runs their futures' Drop) in the same
// order whatever IDs the tasks got, so that a seed replayed in another
// process, where IDs differ, behaves the same; and the trace records the
// tasks' ends, so CheckDeterminism compares that order too. The order used
// to follow the task ID modulo the owned list's shard count, and rotated
// with the IDs.
func TestShutdownOrderIsDeterministic(t *testing.T) {
	var drops, traces []string
	for shift := range 4 {
		shiftTaskIDs(t, shift)
		var dropped []int
		body := func(rt *weft.Runtime) error {
			dropped = dropped[:0]
			for i := range 8 {
				weft.SpawnDetached(rt, &pendingForever{i: i, dropped: &dropped})
			}
			// Every task is polled once and stays pending.
			_, err := weft.BlockOn(context.Background(), rt, weft.Sleep(time.Millisecond))
			return err
		}
		trace, err := simtest.Trace(body, 1)
		if err != nil {
			t.Fatal(err)
		}
		drops = append(drops, fmt.Sprint(dropped))
		traces = append(traces, fmt.Sprint(trace))
		ends := trace[len(trace)-8:]
		for i, e := range ends {
			if e != ^i {
				t.Fatalf("shift %d: the trace ends %v; want the ends of tasks 0 to 7 (^0 to ^7)", shift, ends)
			}
		}
	}
	for i := range drops {
		if drops[i] != drops[0] || traces[i] != traces[0] {
			t.Fatalf("one seed, different shutdown orders as task IDs moved:\ndrops  %q\ntraces %q", drops, traces)
		}
	}
	if want := fmt.Sprint([]int{0, 1, 2, 3, 4, 5, 6, 7}); drops[0] != want {
		t.Fatalf("shutdown dropped the tasks in order %s, want spawn order %s", drops[0], want)
	}
}

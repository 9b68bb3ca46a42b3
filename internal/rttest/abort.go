package rttest

import (
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// Env is one primitive prepared for an abort test: what the tasks wait on
// and how to tell that nothing leaked.
type Env struct {
	// N is the number of tasks; task i awaits Wait(i).
	N int
	// Wait returns the future task i awaits. It is called on the test's
	// goroutine before the task is spawned.
	Wait func(i int) future.Future[struct{}]
	// Waiters reports how many waits the primitive has registered, from
	// its own accounting; the runner waits until it reports N before it
	// aborts. Nil when the primitive shows nothing: the probes' count of
	// pending polls is then used alone.
	Waiters func() int
	// Release, when not nil, makes every wait able to complete (unlock,
	// send, cancel, close). The racing variant runs it on another
	// goroutine while the tasks are being aborted.
	Release func()
	// Check runs once every task has ended, and fails t when anything was
	// left behind: waiters, permits, timers, wakers, values.
	Check func(t testing.TB, o Outcome)
}

// Outcome is what happened to the tasks of one run.
type Outcome struct {
	// Completed is the number of tasks that completed instead of being
	// cancelled (0 unless Released).
	Completed int
	// Released tells whether Release ran.
	Released bool
	// Polled is the number of futures polled at least once: all of them,
	// unless the tasks were aborted at spawn.
	Polled int
}

// Case names a primitive's waiting future and prepares it on a runtime.
type Case struct {
	Name  string
	Setup func(t testing.TB, rt *weft.Runtime) *Env
}

// variant says when the tasks are aborted.
type variant int

const (
	// abortWaiting aborts tasks that all wait (registered and parked).
	abortWaiting variant = iota
	// abortRacingRelease aborts them while another goroutine releases
	// what they wait for: each task either completes or is cancelled.
	abortRacingRelease
	// abortAtSpawn aborts them right after spawning, racing their first
	// poll: some never run, some are aborted mid-registration.
	abortAtSpawn
)

// RunAbortCases runs, for each case, on both flavors, with the waiting
// future awaited directly by the task and inside an Async body:
//
//   - waiting: every task is parked on the primitive, then aborted; every
//     JoinHandle must report a cancellation, every future be dropped exactly
//     once (and never polled after), every Async body unwind running its
//     defer once and nothing after its Await, and Check must find the
//     primitive as it was;
//   - racing-release (cases with Release): the same with Release called
//     before, among or after the aborts (varying with the round), inline or
//     on a goroutine racing them, 12 rounds (3 under -short); each task
//     completes or is cancelled, and Check accounts for the completions;
//   - at-spawn: the tasks are aborted right after they are spawned.
func RunAbortCases(t *testing.T, cases []Case) {
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			Flavors(t, func(t *testing.T, opts ...weft.Option) {
				for _, async := range []bool{false, true} {
					name := "direct"
					if async {
						name = "async"
					}
					t.Run(name, func(t *testing.T) {
						t.Run("waiting", func(t *testing.T) {
							withRuntime(t, opts, func(rt *weft.Runtime) {
								runAbort(t, rt, c, async, abortWaiting, 0)
							})
						})
						t.Run("racing-release", func(t *testing.T) {
							rounds := 12
							if testing.Short() {
								rounds = 3
							}
							for r := range rounds {
								ok := true
								withRuntime(t, opts, func(rt *weft.Runtime) {
									ok = runAbort(t, rt, c, async, abortRacingRelease, r)
								})
								if !ok || t.Failed() {
									return
								}
							}
						})
						t.Run("at-spawn", func(t *testing.T) {
							withRuntime(t, opts, func(rt *weft.Runtime) {
								runAbort(t, rt, c, async, abortAtSpawn, 0)
							})
						})
					})
				}
			})
		})
	}
}

// abortSteps aborts two handles per poll, yielding in between, and calls
// release once: in a poll of its own (so that the tasks it lets go can run
// before the next aborts) before the step numbered releaseAt, or after the
// last step.
type abortSteps[T any] struct {
	hs        []*task.JoinHandle[T]
	i, step   int
	release   func()
	releaseAt int
	released  bool
}

func (a *abortSteps[T]) releaseOnce() {
	if !a.released {
		a.released = true
		a.release()
	}
}

func (a *abortSteps[T]) Poll(cx *future.Context) (struct{}, bool) {
	if a.step == a.releaseAt && !a.released {
		a.releaseOnce()
		runtime.Gosched()
		cx.Waker().Wake()
		return struct{}{}, false
	}
	a.step++
	for k := 0; k < 2 && a.i < len(a.hs); k++ {
		a.hs[a.i].Abort()
		a.i++
	}
	if a.i == len(a.hs) {
		a.releaseOnce()
		return struct{}{}, true
	}
	runtime.Gosched()
	cx.Waker().Wake()
	return struct{}{}, false
}

// withRuntime runs fn with a new runtime and closes it afterwards. When fn
// fails the test, the runtime is closed by a cleanup instead, after the
// cleanups fn registered (which may release what the runtime's Close would
// wait for, such as blocking tasks).
func withRuntime(t *testing.T, opts []weft.Option, fn func(rt *weft.Runtime)) {
	t.Helper()
	rt, err := weft.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	closeRT := func() {
		once.Do(func() {
			if err := rt.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
	t.Cleanup(closeRT)
	fn(rt)
	closeRT()
}

// runAbort runs one case once. It reports false when the case has nothing
// to do in this variant (no Release to race).
func runAbort(t *testing.T, rt *weft.Runtime, c Case, async bool, v variant, round int) bool {
	t.Helper()
	env := c.Setup(t, rt)
	if v == abortRacingRelease && env.Release == nil {
		return false
	}
	var pc Counters
	var ac AsyncCounters
	hs := make([]*task.JoinHandle[struct{}], env.N)
	for i := range env.N {
		mk := func() future.Future[struct{}] { return NewProbe(&pc, env.Wait(i)) }
		if async {
			hs[i] = weft.Spawn(rt, InAsync(&ac, mk))
		} else {
			hs[i] = weft.Spawn(rt, mk())
		}
		if v == abortAtSpawn {
			hs[i].Abort()
		}
	}
	if v != abortAtSpawn {
		Until(t, rt, "every task to wait", func() bool {
			return pc.Waiting.Load() == int64(env.N) && (env.Waiters == nil || env.Waiters() == env.N)
		})
	}
	// The aborts are made two at a time by a future driven by BlockOn,
	// which yields in between, so that the tasks run among them on a
	// current-thread runtime too. The release starts at a step that varies
	// with the round (before, among or after the aborts), on odd rounds
	// inline, on even ones on a goroutine of its own that races the aborts.
	var wg sync.WaitGroup
	release := func() {}
	if v == abortRacingRelease {
		release = env.Release
		if round%2 == 0 {
			startRelease := make(chan struct{})
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-startRelease
				env.Release()
			}()
			release = func() { close(startRelease) }
		}
	}
	if v != abortAtSpawn {
		ctx, cancel := context.WithTimeout(context.Background(), Patience)
		steps := &abortSteps[struct{}]{hs: hs, release: release, releaseAt: (round / 2) % (len(hs)/2 + 2)}
		_, err := weft.BlockOn(ctx, rt, steps)
		cancel()
		if err != nil {
			t.Fatalf("aborting: %v", err)
		}
	}
	wg.Wait()

	_, errs := JoinAll(t, rt, hs)
	completed := 0
	for i, err := range errs {
		switch {
		case err == nil && v == abortRacingRelease:
			completed++
		case !IsCancelled(err):
			t.Fatalf("task %d: got %v, want a cancellation", i, err)
		}
	}
	// Every future that was built was dropped: all of them, except that an
	// Async body aborted before its first poll never builds its future.
	built := pc.Built.Load()
	if !async || v != abortAtSpawn {
		if built != int64(env.N) {
			t.Fatalf("%d futures built for %d tasks", built, env.N)
		}
	}
	if d := pc.Drops.Load(); d != built || pc.ExtraDrops.Load() != 0 {
		t.Fatalf("%d drops (%d extra) for %d futures: each must be dropped exactly once", d, pc.ExtraDrops.Load(), built)
	}
	if p := pc.PollsAfterDrop.Load(); p != 0 {
		t.Fatalf("%d polls after Drop", p)
	}
	if r := pc.Ready.Load(); r != int64(completed) {
		t.Fatalf("%d futures completed but %d tasks reported their output", r, completed)
	}
	if async {
		// A body starts at its task's first poll and at once awaits the
		// probe, so the bodies that started are the probes that were
		// polled (all of them unless aborted at spawn). Each started body
		// runs its defer exactly once: by returning or by unwinding.
		if d, started := ac.Defers.Load(), pc.Polled.Load(); d != started {
			t.Fatalf("Async defers ran %d times for %d started bodies: each must run exactly once", d, started)
		}
		if r := ac.Resumed.Load(); r != int64(completed) {
			t.Fatalf("%d Async bodies ran past their Await, %d tasks completed", r, completed)
		}
	}
	if v == abortRacingRelease {
	}
	env.Check(t, Outcome{Completed: completed, Released: v == abortRacingRelease, Polled: int(pc.Polled.Load())})
	return true
}

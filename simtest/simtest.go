// Package simtest runs a test body on deterministic simulated runtimes, one
// per seed, to find the interleavings in which it fails and to replay them.
//
// Each run builds a fresh runtime with weft.WithSimulation(seed): one
// goroutine runs every task, picking each next task at random among the
// runnable ones with a generator seeded by the seed, and a paused clock jumps
// to the next timer whenever nothing can run. The same seed and the same body
// give the same order of polls, the same timeline, and the same order in
// which the tasks still pending at the end are shut down, in any process
// (task IDs, which differ, play no part). When the body fails
// with a seed, the failure message says how to replay exactly that seed:
//
//	WEFT_SIMTEST_SEED=1234 go test -run TestX ./pkg
//
// A body is deterministic as long as it stays inside the runtime: tasks,
// weft's channels and locks, weft's timers. Goroutines of its own, the real
// clock, SpawnBlocking (its pool runs on other goroutines) and map iteration
// order make runs differ; CheckDeterminism finds out.
//
// A deadlock (tasks waiting for each other, nothing pending on the clock)
// makes BlockOn return weft.ErrDeadlock instead of hanging.
package simtest

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/task"
)

// EnvSeed is the environment variable that makes Run try only one seed.
const EnvSeed = "WEFT_SIMTEST_SEED"

type config struct {
	seeds       int
	start       uint64
	opts        []weft.Option
	determinism bool
}

// Option configures Run.
type Option func(*config)

// Seeds sets how many seeds Run tries (default 100, or 20 with -short).
func Seeds(n int) Option { return func(c *config) { c.seeds = max(n, 1) } }

// StartSeed sets the first seed (default 1); Run tries start, start+1, ...
func StartSeed(s uint64) Option { return func(c *config) { c.start = s } }

// WithOptions adds runtime options to every simulated runtime (after
// weft.WithSimulation, so they may override it).
func WithOptions(opts ...weft.Option) Option {
	return func(c *config) { c.opts = append(c.opts, opts...) }
}

// CheckDeterminism runs each seed twice and fails when the two runs poll
// tasks, or end them, in a different order (see Trace): the body depends on
// something outside the simulation. It installs task hooks of its own,
// replacing any task hooks given with WithOptions.
func CheckDeterminism() Option { return func(c *config) { c.determinism = true } }

// Run calls body once per seed, each time with a new simulated runtime that
// it closes afterwards. A body that returns an error or panics fails the test
// with the seed and the command that replays it; Run stops at the first
// failing seed. With WEFT_SIMTEST_SEED set, Run tries only that seed.
func Run(t testing.TB, body func(rt *weft.Runtime) error, opts ...Option) {
	t.Helper()
	if err := Check(body, opts...); err != nil {
		f := err.(*Failure)
		t.Fatalf("simtest: %v\nreplay: %s=%d go test -run '%s'", f, EnvSeed, f.Seed, t.Name())
	}
}

// Failure is the error of Check: the first seed with which the body failed.
type Failure struct {
	Seed uint64
	Err  error
}

// Error names the seed and the body's error.
func (f *Failure) Error() string { return fmt.Sprintf("seed %d: %v", f.Seed, f.Err) }

// Unwrap returns the body's error.
func (f *Failure) Unwrap() error { return f.Err }

// Check is Run without a test: it returns a *Failure for the first seed with
// which body fails, or nil.
func Check(body func(rt *weft.Runtime) error, opts ...Option) error {
	c := config{seeds: 100, start: 1}
	if testing.Testing() && testing.Short() {
		c.seeds = 20
	}
	for _, o := range opts {
		o(&c)
	}
	if env := os.Getenv(EnvSeed); env != "" {
		seed, err := strconv.ParseUint(env, 10, 64)
		if err != nil {
			return &Failure{Err: fmt.Errorf("%s=%q is not a seed", EnvSeed, env)}
		}
		c.start, c.seeds = seed, 1
	}
	for i := 0; i < c.seeds; i++ {
		seed := c.start + uint64(i)
		trace, err := runOnce(body, seed, c)
		if err == nil && c.determinism {
			var again []int
			again, err = runOnce(body, seed, c)
			if err == nil {
				if at, diverged := firstDifference(trace, again); diverged {
					err = fmt.Errorf("not deterministic: two runs of the seed differ at event %d of the trace "+
						"(the body uses goroutines, the real clock, blocking work or map order)", at)
				}
			}
		}
		if err != nil {
			return &Failure{Seed: seed, Err: err}
		}
	}
	return nil
}

// Trace returns the order in which one run of body with seed polls its
// tasks and ends them, each task named by the order of its spawn (0 for the
// first task spawned): n for a poll of task n, ^n (that is -n-1) for its end
// (completed, or cancelled, as the tasks still pending are when the runtime
// closes after the body). Two runs of the same seed give the same trace when
// the body is deterministic, in any process: the tasks left at the end are
// shut down in the order of their spawns.
func Trace(body func(rt *weft.Runtime) error, seed uint64, opts ...weft.Option) ([]int, error) {
	return runOnce(body, seed, config{opts: opts, determinism: true})
}

func runOnce(body func(rt *weft.Runtime) error, seed uint64, c config) (trace []int, err error) {
	opts := append([]weft.Option{weft.WithSimulation(seed)}, c.opts...)
	var rec *recorder
	if c.determinism {
		rec = &recorder{ordinal: map[task.ID]int{}}
		opts = append(opts, weft.WithTaskHooks(task.Hooks{
			OnSpawn:     rec.spawned,
			BeforePoll:  rec.polled,
			OnTerminate: rec.ended,
		}))
	}
	rt, err := weft.New(opts...)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
		if cerr := rt.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("closing the runtime: %w", cerr)
		}
		if rec != nil {
			trace = rec.trace()
		}
	}()
	return nil, body(rt)
}

// recorder turns task IDs, which differ between runs, into spawn ordinals,
// which do not.
type recorder struct {
	mu      sync.Mutex
	ordinal map[task.ID]int
	events  []int // polls (n) and ends (^n), in order
}

func (r *recorder) spawned(m task.Meta) {
	r.mu.Lock()
	r.ordinal[m.ID] = len(r.ordinal)
	r.mu.Unlock()
}

func (r *recorder) polled(m task.Meta) {
	r.mu.Lock()
	r.events = append(r.events, r.ordinal[m.ID])
	r.mu.Unlock()
}

func (r *recorder) ended(m task.Meta) {
	r.mu.Lock()
	// Blocking tasks end too, but were never spawned through OnSpawn.
	if n, ok := r.ordinal[m.ID]; ok {
		r.events = append(r.events, ^n)
	}
	r.mu.Unlock()
}

func (r *recorder) trace() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.events...)
}

func firstDifference(a, b []int) (int, bool) {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i, true
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b)), true
	}
	return 0, false
}

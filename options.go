package weft

import (
	"fmt"
	"runtime"
	"time"

	"github.com/weftrt/weft/internal/sched/polltime"
	"github.com/weftrt/weft/task"
)

// Flavor selects a scheduler.
type Flavor int

const (
	// MultiThread is the work-stealing scheduler: worker goroutines that run
	// tasks in parallel. The default.
	MultiThread Flavor = iota
	// CurrentThread runs every task on the goroutine inside BlockOn, one at
	// a time, in a deterministic order.
	CurrentThread
)

// String returns the flavor's name.
func (f Flavor) String() string {
	switch f {
	case MultiThread:
		return "multi-thread"
	case CurrentThread:
		return "current-thread"
	}
	return fmt.Sprintf("Flavor(%d)", int(f))
}

// PanicPolicy says what a runtime does when a task's future panics.
type PanicPolicy int

const (
	// CapturePanics stores the panic in the task's JoinError and carries
	// on. The default (Tokio's).
	CapturePanics PanicPolicy = iota
	// ShutdownOnPanic stores the panic and then shuts the whole runtime
	// down; BlockOn and Shutdown return a *PanicShutdownError. Use it when
	// a panic nobody looks at must not go unnoticed.
	ShutdownOnPanic
)

// Option configures a Runtime; see New.
type Option func(*config)

type config struct {
	flavor              Flavor
	workers             int
	maxBlocking         int
	blockingKeepAlive   time.Duration
	globalQueueInterval int
	eventInterval       int
	disableLIFO         bool
	hooks               task.Hooks
	onWorkerStart       func(int)
	onWorkerStop        func(int)
	onWorkerPark        func(int)
	onWorkerUnpark      func(int)
	panicPolicy         PanicPolicy
	pausedClock         bool
	spawnSites          bool
	taskStats           bool
	seed                uint64
	simulation          bool
	pollTimes           *polltime.Buckets // nil: histogram off
	err                 error
}

func defaultConfig() config {
	return config{
		flavor:            MultiThread,
		workers:           runtime.GOMAXPROCS(0),
		maxBlocking:       512,
		blockingKeepAlive: 10 * time.Second,
	}
}

func (c *config) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("weft: "+format, args...)
	}
}

// WithFlavor selects the scheduler (default MultiThread).
func WithFlavor(f Flavor) Option {
	return func(c *config) {
		if f != MultiThread && f != CurrentThread {
			c.fail("unknown flavor %d", int(f))
			return
		}
		c.flavor = f
	}
}

// WithCurrentThread is WithFlavor(CurrentThread).
func WithCurrentThread() Option { return WithFlavor(CurrentThread) }

// WithWorkers sets the number of worker goroutines of a multi-thread runtime
// (default GOMAXPROCS). n must be at least 1.
func WithWorkers(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.fail("WithWorkers needs at least 1 worker, got %d", n)
			return
		}
		c.workers = n
	}
}

// WithMaxBlocking caps the goroutines of the blocking pool (default 512).
func WithMaxBlocking(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.fail("WithMaxBlocking needs at least 1, got %d", n)
			return
		}
		c.maxBlocking = n
	}
}

// WithBlockingKeepAlive sets how long an idle blocking-pool goroutine waits
// for work before it exits (default 10s).
func WithBlockingKeepAlive(d time.Duration) Option {
	return func(c *config) {
		if d <= 0 {
			c.fail("WithBlockingKeepAlive needs a positive duration, got %v", d)
			return
		}
		c.blockingKeepAlive = d
	}
}

// WithGlobalQueueInterval fixes how many scheduler ticks pass between checks
// of the shared queue ahead of a worker's own; by default a multi-thread
// runtime tunes it (starting at 61) and a current-thread runtime uses 31.
func WithGlobalQueueInterval(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.fail("WithGlobalQueueInterval needs at least 1, got %d", n)
			return
		}
		c.globalQueueInterval = n
	}
}

// WithEventInterval sets how many ticks pass between timer and shutdown
// checks (default 61).
func WithEventInterval(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.fail("WithEventInterval needs at least 1, got %d", n)
			return
		}
		c.eventInterval = n
	}
}

// WithLIFOSlot turns the LIFO slot of multi-thread workers on (default) or
// off. The slot runs a task woken by the running task next, which cuts the
// latency of message passing between tasks.
func WithLIFOSlot(on bool) Option { return func(c *config) { c.disableLIFO = !on } }

// WithTaskHooks sets the callbacks run for every task: spawn, terminate,
// before and after each poll (nil fields are skipped). Hooks must be quick and
// must not block; a hook that panics is ignored.
func WithTaskHooks(h task.Hooks) Option { return func(c *config) { c.hooks = h } }

// WithWorkerHooks sets callbacks run on each multi-thread worker goroutine
// (with its index) when it starts, stops, parks and unparks; nil fields are
// skipped. On a current-thread runtime only park and unpark run (with index
// 0), on the goroutine inside BlockOn. LocalSets run none of them.
//
// A hook that panics is handled like a task that panics, by the runtime's
// panic policy (WithUnhandledPanic), as a panic of no task (ID 0) whose value
// names the hook: with CapturePanics there is no JoinHandle to deliver it to,
// and the worker carries on; with ShutdownOnPanic the runtime shuts down and
// reports it.
func WithWorkerHooks(start, stop, park, unpark func(worker int)) Option {
	return func(c *config) {
		c.onWorkerStart, c.onWorkerStop, c.onWorkerPark, c.onWorkerUnpark = start, stop, park, unpark
	}
}

// WithUnhandledPanic sets what the runtime does when a task panics (default
// CapturePanics).
func WithUnhandledPanic(p PanicPolicy) Option {
	return func(c *config) {
		if p != CapturePanics && p != ShutdownOnPanic {
			c.fail("unknown panic policy %d", int(p))
			return
		}
		c.panicPolicy = p
	}
}

// WithPausedClock starts the runtime's clock paused: time moves only by
// Runtime.Advance, or jumps to the next timer's deadline when nothing of the
// runtime can run. Timer tests then never sleep for real.
//
// "Nothing can run" means, on every flavour: no task is queued or being
// polled (LocalSet tasks included, and a task that keeps yielding can always
// run), no BlockOn future has been woken and not yet polled again, no
// blocking task (SpawnBlocking) is queued or running, and no wake is on its
// way from a fired timer to its task. So a timer that wakes a task never
// lets the clock jump past it before that task has run, and time stands
// still while blocking work runs until its result has been delivered and
// its awaiting task has run. On a current-thread runtime the tasks woken by
// earlier deadlines run first. Wakes from goroutines outside the runtime (the
// program's own, another runtime's, a JoinHandle.BlockingJoin in progress) are not
// seen: the clock may jump while one of them is about to wake a task, so a
// test that feeds the runtime from outside should not rely on the jump.
//
// On a current-thread runtime the clock moves only while a goroutine drives
// it (BlockOn) or by Advance. Without WithPausedClock none of this is
// counted, at the cost of one predictable branch per schedule and per poll.
func WithPausedClock() Option { return func(c *config) { c.pausedClock = true } }

// WithSpawnSites records where each task was spawned (the program counter
// of the spawn call) for task dumps and hooks (task.Meta.SpawnSite). It
// costs a few nanoseconds per spawn and no memory: the PC is found by
// following frame pointers on amd64 (runtime.Callers, 150-300ns, on other
// architectures) and kept as a 4-byte index into a table of spawn sites.
func WithSpawnSites(on bool) Option { return func(c *config) { c.spawnSites = on } }

// WithTaskStats keeps per-task bookkeeping (spawn time, poll count, last
// poll) for task dumps, at the cost of one more allocation per spawn and a
// clock read per poll.
func WithTaskStats(on bool) Option { return func(c *config) { c.taskStats = on } }

// WithSeed seeds the scheduler's random choices (which worker to steal
// from), so that runs can be repeated.
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithSimulation makes the runtime a deterministic simulation for tests: a
// current-thread runtime with a paused clock that picks each next task at
// random, from a generator seeded with seed, among all runnable tasks. The
// same seed and the same program give the same order of polls and the same
// timeline, so a failing interleaving can be replayed from its seed; trying
// many seeds explores many interleavings (package simtest does both).
//
// BlockOn on a simulation returns ErrDeadlock when nothing can ever run again
// (nothing can run, as WithPausedClock defines it, LocalSet work included,
// and no timer is pending), instead of waiting: nothing outside the runtime
// is expected to wake it. A yielded task is one more candidate for the
// seeded pick. The tasks still alive when the runtime closes are shut down
// in the order they were spawned, so a seed also replays the order in which
// their futures are dropped, in any process.
func WithSimulation(seed uint64) Option {
	return func(c *config) {
		c.flavor = CurrentThread
		c.pausedClock = true
		c.simulation = true
		c.seed = seed
	}
}

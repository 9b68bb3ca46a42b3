package weft

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/weftrt/weft/internal/blocking"
	"github.com/weftrt/weft/internal/callerpc"
	"github.com/weftrt/weft/internal/iodriver"
	"github.com/weftrt/weft/internal/rtx"
	"github.com/weftrt/weft/internal/sched"
	"github.com/weftrt/weft/internal/timer"
	"github.com/weftrt/weft/task"
)

// Spawner is anything tasks can be spawned onto: a *Runtime, its *Handle, a
// *LocalSet (Spawn onto it spawns onto its runtime, SpawnLocal onto the set),
// or the *future.Context a task is polled with (so code inside a task spawns
// onto its own runtime without any goroutine-local state).
//
// Spawner is sealed: its method's result type is internal to this module, so
// only those four types (and types that embed one of them) implement it, and
// passing anything else is a compile error rather than a panic at the first
// spawn. A *future.Context that no weft runtime polls (future.NewContext's)
// is still a Spawner; spawning onto it panics.
type Spawner interface {
	// Executor returns the runtime behind the spawner.
	Executor() rtx.Executor
}

// Handle is a reference to a runtime that can be copied around freely and
// used from any goroutine to spawn tasks. It stays valid after the runtime
// shuts down: spawning then yields tasks that report ErrRuntimeShutdown.
type Handle struct {
	cfg config
	// eng is the scheduler, whichever the flavour: nothing in this
	// package asks which (internal/sched's Engine).
	eng sched.Engine

	timer    *timer.Driver
	io       *iodriver.Driver // opened by the first socket (package net)
	blocking *blocking.Pool
	// act is the timer driver's Activity when the clock is paused (every
	// part of the runtime counts into it, internal/timer/activity.go), nil
	// otherwise.
	act *timer.Activity

	start time.Time

	panicErr atomic.Pointer[task.JoinError] // set by onPanic under ShutdownOnPanic
	started  atomic.Bool                    // set by New once eng is in place (see onPanic)
	closing  chan struct{}                  // closed when shutdown begins
	closeMu  sync.Once

	localSets struct {
		sync.Mutex
		m map[*LocalSet]struct{} // guarded by the mutex
	}

	dumps dumpsInFlight // task dumps holding tasks of the runtime; see dump.go
}

func (h *Handle) registerLocalSet(ls *LocalSet) {
	h.localSets.Lock()
	if h.localSets.m == nil {
		h.localSets.m = make(map[*LocalSet]struct{})
	}
	h.localSets.m[ls] = struct{}{}
	h.localSets.Unlock()
}

func (h *Handle) unregisterLocalSet(ls *LocalSet) {
	h.localSets.Lock()
	delete(h.localSets.m, ls)
	h.localSets.Unlock()
}

// closeLocalSets closes every LocalSet created on the runtime.
func (h *Handle) closeLocalSets() {
	h.localSets.Lock()
	sets := make([]*LocalSet, 0, len(h.localSets.m))
	for ls := range h.localSets.m {
		sets = append(sets, ls)
	}
	h.localSets.Unlock()
	for _, ls := range sets {
		ls.Close()
	}
}

// Executor returns h itself; it makes *Handle a Spawner.
func (h *Handle) Executor() rtx.Executor { return h }

// handleOfExecutor returns the Handle behind an executor of weft's own
// (a *Handle, or a LocalSet's executor), or nil for any other value.
func handleOfExecutor(e any) *Handle {
	switch x := e.(type) {
	case *Handle:
		return x
	case *localExecutor:
		return x.h
	}
	return nil
}

// The drivers are reached through the executor without an exported method:
// a method on Handle would let any user close the I/O driver or fire the
// timers of a running runtime. Package net (and cmd/weft's statistics) find
// the I/O driver through iodriver.Of, which this package sets.
func init() {
	iodriver.Of = func(e any) *iodriver.Driver {
		if h := handleOfExecutor(e); h != nil {
			return h.io
		}
		return nil
	}
}

// Flavor returns the runtime's scheduler flavor.
func (h *Handle) Flavor() Flavor { return h.cfg.flavor }

// handleOf finds the runtime handle behind a Spawner, panicking with a clear
// message when there is none.
func handleOf(s Spawner) *Handle {
	if s == nil {
		panic("weft: spawn with a nil Spawner")
	}
	switch e := s.Executor().(type) {
	case *Handle:
		if e == nil {
			panic("weft: spawn with a nil *Handle")
		}
		return e
	case *localExecutor:
		return e.h
	case nil:
		panic("weft: spawn from a Context that is not polled by a weft runtime")
	default:
		panic("weft: spawn needs a *weft.Runtime, a *weft.Handle or a weft task's *future.Context")
	}
}

// spawnOptions says what a new task records: its spawn site with
// WithSpawnSites, its Stats with WithTaskStats. skip is the number of frames
// between the user's spawn call and this function.
//
// The spawn site is found by following frame pointers (internal/callerpc,
// ~3ns) instead of runtime.Callers (~200ns, as much as the spawn itself).
// That counts physical frames only, so spawnOptions and every spawn function
// between it and the user (skip of them) is marked //go:noinline;
// TestSpawnSitesAreTheCallersLine checks each entry point.
//
//go:noinline
func (h *Handle) spawnOptions(skip int) task.Options {
	var o task.Options
	if h.cfg.spawnSites {
		o.SpawnPC = callerpc.PC(skip + 1)
	}
	o.Stats = h.cfg.taskStats
	return o
}

// onPanic implements the panic policy, for every task panic of the runtime
// (the schedulers', the LocalSets' and the worker hooks' report here, and
// nowhere else decides): under ShutdownOnPanic the first panic is kept and
// shuts the runtime down. On a current-thread runtime it runs inside the
// poll that panicked, on the driving goroutine; the scheduler, closing,
// polls no other task.
func (h *Handle) onPanic(err *task.JoinError) {
	if h.cfg.panicPolicy != ShutdownOnPanic {
		return
	}
	// A worker's start hook may panic before New has finished: New then
	// begins the shutdown itself, once the scheduler is in place (see
	// started).
	if h.panicErr.CompareAndSwap(nil, err) && h.started.Load() {
		h.beginShutdown()
	}
}

// beginShutdown starts the shutdown once; it does not wait.
func (h *Handle) beginShutdown() {
	h.closeMu.Do(func() {
		close(h.closing)
		h.eng.Shutdown()
	})
}

// shutdownErr is the error BlockOn and Shutdown return on a shut-down
// runtime: a *PanicShutdownError when a task panic caused the shutdown,
// else ErrRuntimeShutdown.
func (h *Handle) shutdownErr() error {
	if p := h.panicErr.Load(); p != nil {
		return &PanicShutdownError{Err: p}
	}
	return ErrRuntimeShutdown
}

// engineErrors are the errors the scheduler returns and cancels with:
// this package's, so that each is defined once (BlockOn turns
// ErrRuntimeShutdown into shutdownErr's answer).
var engineErrors = sched.Errors{
	Shutdown: ErrRuntimeShutdown,
	Nested:   ErrNestedBlockOn,
	Stuck:    ErrDeadlock,
}

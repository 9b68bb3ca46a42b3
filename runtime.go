package weft

import (
	"sync"
	"time"

	"github.com/weftrt/weft/internal/blocking"
	"github.com/weftrt/weft/internal/gident"
	"github.com/weftrt/weft/internal/iodriver"
	"github.com/weftrt/weft/internal/rtx"
	"github.com/weftrt/weft/internal/sched/currentthread"
	"github.com/weftrt/weft/internal/sched/multithread"
	"github.com/weftrt/weft/internal/timer"
	"github.com/weftrt/weft/task"
)

// Runtime runs tasks: a scheduler (multi-thread or current-thread), a
// blocking pool, and a timer driver. Create one with New, spawn onto it with
// Spawn, drive it with BlockOn, and release it with Close (or Shutdown):
// a Runtime owns goroutines, and Close is what stops them.
//
// A multi-thread runtime runs tasks on its worker goroutines as soon as they
// are spawned. A current-thread runtime runs them only while some goroutine is
// inside BlockOn, on that goroutine.
type Runtime struct {
	h *Handle

	closeOnce sync.Once
	closeDone chan struct{}
	closeErr  error
}

// New builds and starts a runtime. It returns an error when an option is
// invalid (for example WithWorkers(0)).
func New(opts ...Option) (*Runtime, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		if o == nil {
			continue
		}
		o(&cfg)
	}
	if cfg.err != nil {
		return nil, cfg.err
	}
	h := &Handle{cfg: cfg, start: time.Now(), closing: make(chan struct{})}
	clock := timer.NewClock()
	if cfg.pausedClock {
		clock = timer.NewPausedClock()
	}
	h.timer = timer.NewDriver(clock)
	h.io = iodriver.New(iodriver.Config{ShutdownErr: ErrRuntimeShutdown})
	if cfg.pausedClock {
		// One count for the whole runtime of what can still run: the
		// clock jumps only when it is zero (internal/timer/activity.go).
		h.act = h.timer.Activity()
	}
	var hooksPtr *task.Hooks
	if hk := cfg.hooks; hk.OnSpawn != nil || hk.OnTerminate != nil || hk.BeforePoll != nil || hk.AfterPoll != nil {
		hooksPtr = &hk
	}
	h.blocking = blocking.New(blocking.Config{
		MaxThreads:    cfg.maxBlocking,
		KeepAlive:     cfg.blockingKeepAlive,
		Hooks:         hooksPtr,
		ShutdownCause: ErrRuntimeShutdown,
		// A paused clock stands still while blocking work is queued or
		// runs.
		Activity: h.act,
	})
	var simRand func(n int) int
	if cfg.simulation {
		rng := newSimRand(cfg.seed)
		simRand = rng.intn
	}
	switch cfg.flavor {
	case CurrentThread:
		var park, unpark func()
		if f := h.guardHook("park", cfg.onWorkerPark); f != nil {
			park = func() { f(0) }
		}
		if f := h.guardHook("unpark", cfg.onWorkerUnpark); f != nil {
			unpark = func() { f(0) }
		}
		h.eng = currentthread.New(currentthread.Config{
			EventInterval:       cfg.eventInterval,
			GlobalQueueInterval: cfg.globalQueueInterval,
			Hooks:               hooksPtr,
			Executor:            h,
			OnPark:              park,
			OnUnpark:            unpark,
			OnUnhandledPanic:    h.onPanic,
			Errors:              engineErrors,
			Timer:               h.timer,
			IO:                  h.io,
			Activity:            h.act,
			Rand:                simRand,
			FailWhenStuck:       cfg.simulation,
			PollTimes:           cfg.pollTimes,
		})
	default:
		h.eng = multithread.New(multithread.Config{
			Workers:             cfg.workers,
			GlobalQueueInterval: cfg.globalQueueInterval,
			EventInterval:       cfg.eventInterval,
			DisableLIFO:         cfg.disableLIFO,
			Hooks:               hooksPtr,
			Executor:            h,
			OnWorkerStart:       h.guardHook("start", cfg.onWorkerStart),
			OnWorkerStop:        h.guardHook("stop", cfg.onWorkerStop),
			OnWorkerPark:        h.guardHook("park", cfg.onWorkerPark),
			OnWorkerUnpark:      h.guardHook("unpark", cfg.onWorkerUnpark),
			OnUnhandledPanic:    h.onPanic,
			Errors:              engineErrors,
			Seed:                cfg.seed,
			Timer:               h.timer,
			IO:                  h.io,
			Activity:            h.act,
			PollTimes:           cfg.pollTimes,
		})
	}
	h.started.Store(true)
	if h.panicErr.Load() != nil {
		h.beginShutdown() // a start hook panicked under ShutdownOnPanic
	}
	return &Runtime{h: h, closeDone: make(chan struct{})}, nil
}

// Handle returns a handle for spawning onto the runtime from anywhere.
func (rt *Runtime) Handle() *Handle { return rt.h }

// Executor returns the runtime's handle; it makes *Runtime a Spawner.
func (rt *Runtime) Executor() rtx.Executor { return rt.h }

// Close shuts the runtime down and waits for it: see Shutdown. It is
// Shutdown with no timeout. Called from inside a task it does not wait, and
// returns ErrShutdownFromTask (see Shutdown).
func (rt *Runtime) Close() error { return rt.Shutdown(-1) }

// Shutdown stops the runtime. New spawns are refused (their tasks report
// ErrRuntimeShutdown), every task is cancelled at its next await point (a task
// being polled is cancelled when that poll returns), queued work is dropped,
// and blocking tasks that have not started are cancelled. Shutdown then waits,
// up to timeout (negative: without limit), for the workers to exit and for
// blocking tasks that are already running to finish. Afterwards every
// JoinHandle of the runtime reports its output or a cancellation.
//
// It returns ErrShutdownTimeout when the wait timed out, a
// *PanicShutdownError when a task panic caused the shutdown
// (ShutdownOnPanic), and nil otherwise. Calling it again, from any goroutine,
// waits for the same shutdown and returns the same result.
//
// Called from inside a task (of this runtime or any other: from a worker, a
// current-thread driver, a LocalSet's goroutine, or an Async body they
// poll), or from a blocking closure of this runtime (SpawnBlocking),
// Shutdown and Close begin the shutdown and return ErrShutdownFromTask at
// once, without waiting (unless the shutdown has already finished): the
// shutdown cannot finish before the calling task's poll returns, or before
// the calling closure returns, and waiting there would wait for ever. The
// calling task is cancelled at its next await point, like the others; a
// later Close from outside the runtime waits for the shutdown as usual. The
// check of tasks needs goroutine identity (amd64 and arm64); elsewhere such
// a call waits as described.
func (rt *Runtime) Shutdown(timeout time.Duration) error {
	h := rt.h
	rt.closeOnce.Do(func() {
		go func() {
			// Local tasks first: their timers must be gone before the
			// driver shuts down with the workers.
			h.closeLocalSets()
			h.beginShutdown()
			// Refuse new blocking work and cancel what has not started;
			// closures already running are waited for below.
			h.blocking.Shutdown(0)
			<-h.eng.Done()
			// A task a dump held while the shutdown passed is cancelled
			// by that dump when it lets go: wait for it.
			h.waitDumps()
			h.blocking.Shutdown(-1)
			if p := h.panicErr.Load(); p != nil {
				rt.closeErr = &PanicShutdownError{Err: p}
			}
			close(rt.closeDone)
		}()
	})
	if gident.InTask() || h.blocking.Runs(gident.Current()) {
		select {
		case <-rt.closeDone:
			return rt.closeErr
		default:
			return ErrShutdownFromTask
		}
	}
	if timeout < 0 {
		<-rt.closeDone
		return rt.closeErr
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-rt.closeDone:
		return rt.closeErr
	case <-t.C:
		return ErrShutdownTimeout
	}
}

// Advance moves a paused clock (WithPausedClock) forward by d and fires the
// timers that became due, in deadline order; their tasks are then scheduled
// as usual. It may be called from any goroutine, inside the runtime or not.
// It panics when the clock is not paused. A negative d is treated as zero.
//
// The clock does not jump by itself while Advance fires timers, nor before
// the tasks they woke have run. On a current-thread runtime the timers fire
// on the goroutine that holds the scheduler: the caller, when it drives the
// runtime or nobody does (it then takes the scheduler for that long), else
// the goroutine inside BlockOn, at its next check of the timers, before it
// polls any task they wake. So the tasks woken by one Advance are polled in
// the order of their deadlines, on either side of an Advance.
func (rt *Runtime) Advance(d time.Duration) {
	h := rt.h
	if !h.timer.IsPaused() {
		panic("weft: Advance on a runtime whose clock is not paused (use WithPausedClock)")
	}
	h.timer.Clock().Advance(max(d, 0))
	h.eng.FireTimers()
}

// Now returns the runtime's current time: with a paused clock, the paused
// time.
func (rt *Runtime) Now() time.Time {
	d := rt.h.timer
	return d.Clock().Time(d.Now())
}

// simRand is the seeded generator of a simulation (splitmix64): fixed, so
// that a seed means the same interleaving in every weft version that keeps
// it.
type simRand struct{ s uint64 }

func newSimRand(seed uint64) *simRand { return &simRand{s: seed} }

func (r *simRand) next() uint64 {
	r.s += 0x9E3779B97F4A7C15
	z := r.s
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

// intn returns a number in [0, n).
func (r *simRand) intn(n int) int { return int(r.next() % uint64(n)) }

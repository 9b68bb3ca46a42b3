// Package multithread is weft's work-stealing scheduler: N worker goroutines,
// each with a lock-free local run queue and a LIFO slot, a shared inject
// queue, stealing of half a queue at a time, and parking without lost
// wake-ups. It follows the design of Tokio's multi-thread scheduler; the
// protocols are written out in worker.go, idle.go and queue.go.
package multithread

import (
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/gident"
	"github.com/weftrt/weft/internal/sched"
	"github.com/weftrt/weft/internal/sched/polltime"
	"github.com/weftrt/weft/internal/timer"
	"github.com/weftrt/weft/task"
)

// Default tuning, Tokio's numbers.
const (
	DefaultEventInterval       = 61
	DefaultGlobalQueueInterval = 61 // where the self-tuning starts
	maxLIFOPollsPerTick        = 3
)

// Config configures a Scheduler. The zero value of every field is a usable
// default.
type Config struct {
	// Workers is the number of worker goroutines (at least 1).
	Workers int
	// GlobalQueueInterval, when > 0, fixes how many ticks pass between
	// checks of the inject queue ahead of the local queue; 0 self-tunes.
	GlobalQueueInterval int
	// EventInterval is how many ticks pass between maintenance passes
	// (timers, shutdown check, metrics); 0 means 61.
	EventInterval int
	// DisableLIFO turns the LIFO slot off.
	DisableLIFO bool
	// Hooks are the task hooks; may be nil.
	Hooks *task.Hooks
	// Executor is what futures polled here see as cx.Executor().
	Executor any
	// Timer is the timer driver, or nil.
	Timer sched.TimerDriver
	// IO is the I/O driver, or nil; the worker that owns the timer's
	// timed wait sleeps in it.
	IO sched.IODriver
	// OnWorkerStart, OnWorkerStop, OnWorkerPark and OnWorkerUnpark are
	// called on the worker goroutine with its index; each may be nil.
	OnWorkerStart, OnWorkerStop, OnWorkerPark, OnWorkerUnpark func(worker int)
	// OnUnhandledPanic is told of every task panic; may be nil. The panic
	// policy is its caller's: to stop on a panic it calls Shutdown.
	OnUnhandledPanic func(*task.JoinError)
	// Activity, when not nil (the clock is paused), is the count a paused
	// clock waits on before it jumps (internal/timer/activity.go): the
	// workers count every queued and running task in it, and its idle
	// callback wakes the worker that holds the timer wait.
	Activity *timer.Activity
	// Errors are the errors BlockOn returns and the shutdown cancels
	// with (the runtime's own); every field must be set.
	Errors sched.Errors
	// Seed seeds the workers' random choices (steal victims); 0 picks one.
	Seed uint64
	// PollTimes, when not nil, turns on the poll-time histogram: every
	// poll is timed and counted in one of these buckets.
	PollTimes *polltime.Buckets
}

// cacheLinePad separates fields that different goroutines write (128: two
// lines, which some CPUs fetch in pairs).
const cacheLinePad = 128

// Scheduler is a multi-thread work-stealing scheduler. It implements
// task.Scheduler for the tasks bound to its Owned list.
type Scheduler struct {
	// Read by the workers at every poll and schedule, written once: kept
	// off the lines that a spawner outside the runtime writes at every
	// push (inject, remoteSchedules), which otherwise took these away
	// from every worker's cache 10,000 times an op in the remote-spawn
	// benchmarks.
	cfg     Config
	owned   *task.OwnedTasks
	workers []*worker
	idle    *idle
	gmap    *gtable
	// act is Config.Activity: nil unless the clock is paused.
	act *timer.Activity

	_               [cacheLinePad]byte
	inject          sched.Inject
	remoteSchedules atomic.Uint64
	// remoteWaiting says that the inject queue may hold tasks pushed
	// from outside the workers, not only overflow ("Remote tasks" in
	// worker.go).
	remoteWaiting atomic.Bool
	_             [cacheLinePad]byte

	// driverOwner is the index of the parked worker that waits for the
	// timer driver's next deadline, or -1.
	driverOwner atomic.Int32

	shutdownOnce sync.Once
	closing      chan struct{} // closed by Shutdown; BlockOn's waits end
	finished     atomic.Int32  // workers that completed their shutdown part
	done         chan struct{} // closed when every worker goroutine has exited
	live         sync.WaitGroup
}

// The runtime holds a Scheduler as its one sched.Engine.
var _ sched.Engine = (*Scheduler)(nil)

// New starts a scheduler with cfg.Workers worker goroutines.
func New(cfg Config) *Scheduler {
	if cfg.Workers < 1 {
		cfg.Workers = 1
	}
	if cfg.EventInterval <= 0 {
		cfg.EventInterval = DefaultEventInterval
	}
	cfg.Errors.Check("multithread")
	if cfg.Seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano()) | 1
	}
	s := &Scheduler{
		cfg:     cfg,
		owned:   task.NewOwnedTasks(cfg.Workers),
		idle:    newIdle(cfg.Workers),
		gmap:    newGtable(cfg.Workers),
		done:    make(chan struct{}),
		closing: make(chan struct{}),
		act:     cfg.Activity,
	}
	s.driverOwner.Store(-1)
	s.workers = make([]*worker, cfg.Workers)
	for i := range s.workers {
		s.workers[i] = newWorker(s, i)
	}
	if cfg.Timer != nil {
		cfg.Timer.SetUnpark(s.unparkDriver)
	}
	if cfg.IO != nil {
		// Once open, the driver must take over the timed wait.
		cfg.IO.SetOnOpen(s.unparkDriver)
	}
	if s.act != nil {
		// When nothing can run any more, the worker holding the timer
		// wait must look at the paused clock again (paused clock in
		// worker.go).
		s.act.SetOnIdle(s.unparkDriver)
	}
	s.live.Add(len(s.workers))
	for _, w := range s.workers {
		go w.start()
	}
	go func() {
		s.live.Wait()
		close(s.done)
	}()
	return s
}

// Owned returns the list of the scheduler's tasks.
func (s *Scheduler) Owned() *task.OwnedTasks { return s.owned }

// NumWorkers returns the number of workers.
func (s *Scheduler) NumWorkers() int { return len(s.workers) }

// Schedule queues a woken task: on the current worker's LIFO slot when it is
// called from a worker goroutine, else on the inject queue.
func (s *Scheduler) Schedule(n task.Notified) { s.scheduleTask(n, false) }

// Yield queues a task that woke itself: on the current worker's deferred
// list, which goes to the back of its queue once the queue runs dry or at the
// next timer pass; never in the LIFO slot. Such a task is polled again and
// again on whichever worker holds it, so later tasks of its type get cells
// that share no cache line with a neighbour's (task.Notified.PadCellsOfType).
func (s *Scheduler) Yield(n task.Notified) {
	n.PadCellsOfType()
	s.scheduleTask(n, true)
}

// Spawn queues a newly bound task, like Schedule.
func (s *Scheduler) Spawn(n task.Notified) { s.scheduleTask(n, false) }

// Release removes a completed task from the owned list.
func (s *Scheduler) Release(t task.Task) bool { return s.owned.Remove(t) }

// Hooks returns the task hooks.
func (s *Scheduler) Hooks() *task.Hooks { return s.cfg.Hooks }

// CellCache implements task.CellCacher: each worker recycles task memory
// through a cache of its own.
func (s *Scheduler) CellCache() *task.CellCache {
	if w := s.currentWorker(); w != nil {
		return &w.cells
	}
	return nil
}

// UnhandledPanic forwards a task panic to Config.OnUnhandledPanic.
func (s *Scheduler) UnhandledPanic(err *task.JoinError) {
	if f := s.cfg.OnUnhandledPanic; f != nil {
		f(err)
	}
}

// CancelCause returns the shutdown cause once shutdown has begun, so that
// tasks it cancels say why.
func (s *Scheduler) CancelCause() error {
	if s.inject.IsClosed() {
		return s.cfg.Errors.Shutdown
	}
	return nil
}

// currentWorker returns the worker whose goroutine is calling, or nil.
func (s *Scheduler) currentWorker() *worker {
	g := gident.Current()
	if i := s.gmap.lookup(g); i >= 0 {
		return s.workers[i]
	}
	// An Async body runs on a coroutine goroutine while the worker that
	// polls it waits in the switch; it acts for that worker.
	if o := gident.Owner(g); o != 0 {
		if i := s.gmap.lookup(o); i >= 0 {
			return s.workers[i]
		}
	}
	return nil
}

func (s *Scheduler) scheduleTask(n task.Notified, isYield bool) {
	if s.act != nil {
		s.act.Acquire() // U1: before the task is visible in a queue
	}
	if w := s.currentWorker(); w != nil && !w.inShutdown {
		w.scheduleLocal(n, isYield)
		return
	}
	s.scheduleRemote(n)
}

// scheduleRemote queues n on the inject queue and wakes a parked worker if
// nobody is searching.
func (s *Scheduler) scheduleRemote(n task.Notified) {
	s.remoteSchedules.Add(1)
	if s.inject.Push(n) {
		if !s.remoteWaiting.Load() {
			s.remoteWaiting.Store(true)
		}
		s.notifyParked()
	} else if s.act != nil {
		s.act.Release() // dropped: the scheduler is shut down
	}
}

// notifyParked wakes one parked worker to search for work, unless a worker
// is searching already.
func (s *Scheduler) notifyParked() {
	if i := s.idle.workerToNotify(); i >= 0 {
		s.workers[i].parker.Unpark()
	}
}

// notifyIfWorkPending wakes a worker if any queue holds work; called by the
// last searcher as it parks.
func (s *Scheduler) notifyIfWorkPending() {
	for _, w := range s.workers {
		if !w.run.isEmpty() {
			s.notifyParked()
			return
		}
	}
	if !s.inject.IsEmpty() {
		s.notifyParked()
	}
}

// unparkDriver wakes the worker waiting for the timer driver's deadline.
func (s *Scheduler) unparkDriver() {
	if i := s.driverOwner.Load(); i >= 0 {
		s.workers[i].parker.Unpark()
	}
}

// Shutdown begins shutting down: the inject queue closes, every worker is
// woken, and each worker, seeing the closed queue, shuts down the tasks of
// the owned list and exits. Use Done to wait for that.
func (s *Scheduler) Shutdown() {
	s.shutdownOnce.Do(func() {
		close(s.closing)
		if s.inject.Close() {
			for _, w := range s.workers {
				w.parker.Unpark()
			}
		}
	})
}

// Done returns a channel closed when every worker goroutine has exited.
func (s *Scheduler) Done() <-chan struct{} { return s.done }

// InjectLen returns the number of tasks in the inject queue.
func (s *Scheduler) InjectLen() int { return s.inject.Len() }

// RemoteSchedules returns how many tasks were scheduled from outside a
// worker.
func (s *Scheduler) RemoteSchedules() uint64 { return s.remoteSchedules.Load() }

// NumSearching and NumUnparked expose the idle counters (tests, metrics).
func (s *Scheduler) NumSearching() int { return s.idle.numSearching() }

// NumUnparked returns the number of workers that are not parked.
func (s *Scheduler) NumUnparked() int { return s.idle.numUnparked() }

// shutdownCore is each worker's last step; the last worker to get here drains
// every queue (their owners have stopped), so that no Notified stays behind.
func (s *Scheduler) shutdownCore() {
	if int(s.finished.Add(1)) != len(s.workers) {
		return
	}
	for _, w := range s.workers {
		if !w.lifo.IsZero() {
			w.lifo.Drop()
			w.lifo = task.Notified{}
		}
		w.run.drain(task.Notified.Drop)
		w.deferred.DropAll()
	}
	if t := s.cfg.Timer; t != nil {
		t.Shutdown()
	}
	if io := s.cfg.IO; io != nil {
		io.Shutdown()
	}
	s.inject.DropAll()
}

// workerLabels returns the pprof labels of worker i.
func workerLabels(i int) pprof.LabelSet {
	return pprof.Labels("weft.worker", strconv.Itoa(i))
}

// newContext returns the Context a worker polls with.
func (s *Scheduler) newContext() *future.Context {
	cx := future.NewContext(future.Waker{})
	futurecx.SetExecutor(cx, s.cfg.Executor)
	return cx
}

// IsWorker reports whether the calling goroutine is one of the scheduler's
// workers.
func (s *Scheduler) IsWorker() bool { return s.currentWorker() != nil }

// Package currentthread is weft's single-goroutine scheduler: every task runs
// on the goroutine that is inside BlockOn, one at a time, in FIFO order. It is
// the deterministic base of weft (same program, same order) and the cheapest
// way to run many small tasks. It follows Tokio's current_thread scheduler.
//
// # The core
//
// The run queue and the tick counter form the core. Exactly one goroutine
// holds it at a time: the one driving the scheduler inside BlockOn. Other
// goroutines that call BlockOn meanwhile poll their own future themselves
// and take the core when it is handed back. Tasks scheduled from the
// goroutine that holds the core go straight to its queue; everything else
// goes through the inject queue and unparks the driver.
//
// # The loop (Tokio's block_on)
//
//	loop:
//	  if the main future was woken: poll it; done if ready
//	  up to EventInterval times:
//	    tick++; take a task (every GlobalQueueInterval ticks the inject
//	    queue first, else the local queue first); none: park (or, if
//	    something is pending, just process timers and queue the yielded
//	    tasks again) and restart the loop
//	    run it with a fresh budget
//	  process due timers without sleeping; queue the yielded tasks again
//
// # Yielded tasks wait for the next check for other work
//
// A task that wakes itself while it is polled (YieldNow, a spent coop
// budget) waits on the core's deferred list, not in the run queue, until the
// driver next looks for other work: when it finds no task to run, or at the
// end of the event interval, after it has processed the timers. It then goes
// to the back of the run queue. So a yield lets every other runnable task
// run first, those in the inject queue included, which the driver takes only
// when its local queue is empty (or every GlobalQueueInterval ticks): two
// tasks spawned from outside that yield in turn alternate, as in Tokio,
// whose current-thread scheduler defers yielded wakes the same way. A
// simulation (Config.Rand) does not defer: its yielded task is one more
// candidate for the seeded pick, as every runnable task is.
//
// # The paused clock
//
// With a paused clock (Config.Activity), the driver jumps the clock instead
// of parking when nothing can run, by the one rule all of weft's schedulers
// share (internal/timer/activity.go). The core counts its tasks from
// Schedule until their poll returns, the main future from its wake until its
// poll returns, and the idle callback unparks the driver. Timers fire only
// on the goroutine that holds the core (FireTimers), so the tasks they wake
// queue up in deadline order.
//
// # Shutdown
//
// Shutdown closes the inject queue and asks the driver to stop; whoever holds
// the core then links the tasks spawned from other goroutines that are
// still queued, closes the owned list (shutting every task down), and drops
// what is left in the queues (tasks.go: the owned list has no lock).
package currentthread

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/gident"
	"github.com/weftrt/weft/internal/invariants"
	"github.com/weftrt/weft/internal/sched"
	"github.com/weftrt/weft/internal/sched/polltime"
	"github.com/weftrt/weft/internal/timer"
	"github.com/weftrt/weft/task"
)

// Defaults, Tokio's numbers for this scheduler.
const (
	DefaultEventInterval       = 61
	DefaultGlobalQueueInterval = 31
)

// Config configures a Scheduler; zero fields take defaults.
type Config struct {
	EventInterval       int
	GlobalQueueInterval int
	Hooks               *task.Hooks
	Executor            any
	Timer               sched.TimerDriver
	// IO is the I/O driver, or nil; the driving goroutine parks in it.
	IO sched.IODriver
	// OnPark and OnUnpark run on the driving goroutine around each park.
	OnPark, OnUnpark func()
	// OnUnhandledPanic is told of every task panic. The panic policy is
	// its caller's: to stop on a panic it calls Shutdown, and the driver
	// stops before it polls another task.
	OnUnhandledPanic func(*task.JoinError)
	// Activity, when not nil (the clock is paused), is the count a paused
	// clock waits on before it jumps (internal/timer/activity.go): the
	// scheduler counts its queued and running tasks and its main futures
	// in it, and becomes its idle callback's target.
	Activity *timer.Activity
	// Errors are the errors BlockOn returns and the shutdown cancels
	// with (the runtime's own); every field must be set.
	Errors sched.Errors
	// Rand, when not nil, makes the scheduler a simulation: each next task
	// is picked with Rand(n) among all n runnable tasks (the inject queue is
	// merged into the run queue first) instead of in FIFO order. The same
	// sequence of Rand results gives the same order of polls.
	Rand func(n int) int
	// FailWhenStuck makes BlockOn return Errors.Stuck, instead of waiting, when
	// nothing can run (the Activity is zero: no runnable task, no main
	// future woken, no blocking work, no LocalSet work) and no timer is
	// left for the paused clock to jump to. For simulations, where nothing
	// outside the runtime is expected to wake it; it needs an Activity.
	FailWhenStuck bool
	// PollTimes, when not nil, turns on the poll-time histogram: every
	// task poll is timed and counted in one of these buckets.
	PollTimes *polltime.Buckets
}

type core struct {
	queue task.Queue
	// deferred holds the tasks that yielded, until the driver next looks
	// for other work (see "Yielded tasks wait" above). Never in a
	// simulation.
	deferred task.Queue
	tick     uint32
	cx       *future.Context
	batch    coreBatch // counters, published to Scheduler.metrics
	// polling is set around each task poll when the clock is paused, so
	// that a poll that never returns (runtime.Goexit) still gives its unit
	// of activity back.
	polling bool
	// cells recycles the memory of tasks created and released by the
	// goroutine holding the core (see CellCache).
	cells task.CellCache
	// mainTook says that the main future's poll in progress holds its
	// wake's unit (runUntilMain).
	mainTook bool
	// waiting is set from a fast-start BlockOn's first Wait to its Exit
	// (enter.go); stopCtx then ends the wake-up on ctx's end, or is nil.
	waiting bool
	stopCtx func() bool
}

// Scheduler is a current-thread scheduler. It implements task.Scheduler.
type Scheduler struct {
	cfg    Config
	owned  *task.OwnedTasks
	inject sched.Inject
	parker *sched.Parker

	coreCh  chan *core     // holds the core when nobody drives
	driverG atomic.Uintptr // identity of the goroutine holding the core
	held    *core          // the core, valid only on the driverG goroutine

	// mainWoken says that the main future of the driving BlockOn was woken;
	// under a paused clock it holds a unit of activity while set.
	mainWoken timer.WakeFlag

	// mainW wakes the main future of whichever BlockOn drives; one per
	// scheduler, since only one BlockOn drives at a time.
	mainW mainWaker

	stuck bool // set by park under FailWhenStuck; owned by the driver

	act *timer.Activity // Config.Activity: nil unless the clock is paused

	shutdownOnce sync.Once
	closing      atomic.Bool
	done         chan struct{} // closed when the shutdown has completed
	doneOnce     sync.Once
	// coreFree is closed by Shutdown so that a goroutine waiting for the
	// core stops waiting.
	coreFree chan struct{}

	metrics Metrics

	// dumps are the Each requests of dumpers waiting for the driver
	// (tasks.go); dumpWanted says that there are some.
	dumps struct {
		sync.Mutex
		reqs []*eachReq
	}
	dumpWanted atomic.Bool
	// pt times task polls for the histogram; used only by the goroutine
	// holding the core (like the core's own fields), read through Load.
	pt polltime.Recorder
}

// The runtime holds a Scheduler as its one sched.Engine.
var _ sched.Engine = (*Scheduler)(nil)

// New returns an idle scheduler; tasks run only while some goroutine is in
// BlockOn.
func New(cfg Config) *Scheduler {
	if cfg.EventInterval <= 0 {
		cfg.EventInterval = DefaultEventInterval
	}
	if cfg.GlobalQueueInterval <= 0 {
		cfg.GlobalQueueInterval = DefaultGlobalQueueInterval
	}
	cfg.Errors.Check("currentthread")
	s := &Scheduler{
		cfg:      cfg,
		parker:   sched.NewParker(),
		coreCh:   make(chan *core, 1),
		done:     make(chan struct{}),
		coreFree: make(chan struct{}),
	}
	// The task list has no lock: only the core's holder touches it
	// (tasks.go).
	s.owned = task.NewDrivenOwnedTasks(s.holdsCore)
	cx := future.NewContext(future.Waker{})
	futurecx.SetExecutor(cx, cfg.Executor)
	s.coreCh <- &core{cx: cx}
	s.mainW.s = s
	s.pt.Init(cfg.PollTimes)
	if cfg.Timer != nil {
		cfg.Timer.SetUnpark(s.parker.Unpark)
	}
	if cfg.IO != nil {
		cfg.IO.SetOnOpen(s.parker.Unpark)
	}
	if a := cfg.Activity; a != nil {
		s.act = a
		s.mainWoken.Init(a)
		// When nothing can run any more, the driver must look at the
		// paused clock again.
		a.SetOnIdle(s.parker.Unpark)
	}
	return s
}

// Owned returns the list of the scheduler's tasks.
func (s *Scheduler) Owned() *task.OwnedTasks { return s.owned }

// InjectLen returns the number of tasks waiting in the inject queue.
func (s *Scheduler) InjectLen() int { return s.inject.Len() }

// onDriver reports whether the caller is the goroutine holding the core.
func (s *Scheduler) onDriver() bool {
	g, d := gident.Current(), s.driverG.Load()
	if g == d {
		return g != 0
	}
	return actsFor(g, d)
}

// actsFor reports whether goroutine g acts for the driver d: an Async body
// runs on a coroutine goroutine while the driver that polls it waits in the
// switch.
func actsFor(g, d uintptr) bool {
	return g != 0 && d != 0 && gident.Owner(g) == d
}

// IsDriver reports whether the calling goroutine is driving the scheduler
// (it is inside BlockOn, or running one of the scheduler's tasks).
func (s *Scheduler) IsDriver() bool { return s.onDriver() }

// Schedule queues a woken task: on the local queue when called by the
// driving goroutine, otherwise on the inject queue, unparking the driver.
func (s *Scheduler) Schedule(n task.Notified) {
	if !s.push(n) {
		n.Drop() // the scheduler is shut down
		s.dropActivity()
	}
}

// push queues n (see Schedule) and reports true, or reports false and
// leaves n to the caller when the inject queue is closed; the caller then
// disposes of n and calls dropActivity.
func (s *Scheduler) push(n task.Notified) bool {
	s.acquireActivity()
	if s.onDriver() && s.held != nil {
		s.pushLocal(n)
		return true
	}
	return s.pushRemote(n)
}

// acquireActivity takes the unit of activity a queued task holds (U1),
// before the task is visible in a queue; dropActivity gives it back.
func (s *Scheduler) acquireActivity() {
	if s.act != nil {
		s.act.Acquire()
	}
}

// pushLocal queues n on the held core's queue. The caller holds the core
// and has acquired the activity.
func (s *Scheduler) pushLocal(n task.Notified) {
	s.held.batch.localSchedules++
	s.held.queue.Push(n)
}

// pushRemote is push for a caller that is not the driver, once the
// activity is acquired.
func (s *Scheduler) pushRemote(n task.Notified) bool {
	s.metrics.RemoteSchedules.Add(1)
	if s.inject.TryPush(n) {
		s.parker.Unpark()
		return true
	}
	return false
}

// dropActivity gives back the unit of activity a queued task held (U1)
// when it will not run: its push was refused, or it was cancelled when the
// driver took it.
func (s *Scheduler) dropActivity() {
	if s.act != nil {
		s.act.Release()
	}
}

// Yield queues a task that woke itself: on the driver, on the deferred list,
// until the driver next looks for other work (see "Yielded tasks wait"
// above); in a simulation, or from another goroutine, like Schedule.
func (s *Scheduler) Yield(n task.Notified) {
	if s.cfg.Rand == nil && s.onDriver() && s.held != nil {
		s.acquireActivity()
		s.held.batch.localSchedules++
		s.held.deferred.Push(n)
		return
	}
	s.Schedule(n)
}

// Spawn queues a newly bound task. A task spawned from another goroutine is
// not in the task list yet (tasks.go): when the inject queue refuses it
// (the scheduler shut down after the bind), it is cancelled here.
func (s *Scheduler) Spawn(n task.Notified) {
	if !s.pushSpawned(n) {
		s.owned.CancelPending(n, s.cfg.Errors.Shutdown)
		s.dropActivity()
	}
}

// pushSpawned is push for a new task, which the binding it got at spawn
// says where to queue: one spawned off the driver carries its list's
// pending binding (owner 0, tasks.go) and goes to the inject queue; one
// bound to the list was spawned by the goroutine holding the core, which
// still holds it (nothing between the bind and this call lets it go), and
// goes to the local queue. Neither asks onDriver again.
func (s *Scheduler) pushSpawned(n task.Notified) bool {
	s.acquireActivity()
	if n.Header().OwnerID() == 0 {
		return s.pushRemote(n)
	}
	if invariants.Enabled && !s.holdsCore() {
		invariants.Violated("currentthread: task %d bound to the list spawned off the driver", n.ID())
	}
	s.pushLocal(n)
	return true
}

// Release removes a completed task from the owned list.
func (s *Scheduler) Release(t task.Task) bool { return s.owned.Remove(t) }

// Hooks returns the task hooks.
func (s *Scheduler) Hooks() *task.Hooks { return s.cfg.Hooks }

// CellCache implements task.CellCacher: the goroutine holding the core
// recycles task memory through the core's cache.
func (s *Scheduler) CellCache() *task.CellCache {
	if s.onDriver() && s.held != nil {
		return &s.held.cells
	}
	return nil
}

// UnhandledPanic forwards a task panic to Config.OnUnhandledPanic, which
// applies the runtime's panic policy.
func (s *Scheduler) UnhandledPanic(err *task.JoinError) {
	if f := s.cfg.OnUnhandledPanic; f != nil {
		f(err)
	}
}

// CancelCause returns the shutdown cause once shutdown has begun.
func (s *Scheduler) CancelCause() error {
	if s.closing.Load() {
		return s.cfg.Errors.Shutdown
	}
	return nil
}

// mainWaker wakes the main future of a BlockOn.
type mainWaker struct{ s *Scheduler }

func (m *mainWaker) Wake(uint64) {
	m.s.mainWoken.Wake()
	m.s.parker.Unpark()
}

// BlockOn drives the scheduler on the calling goroutine until main reports
// true (the caller's future is ready), ctx is done, or the scheduler shuts
// down. main is polled with a Context whose executor is Config.Executor.
//
// When another goroutine already drives the scheduler, BlockOn polls the
// future itself (its spawns go to the driver through the inject queue) until
// the core is free or the future is ready.
func (s *Scheduler) BlockOn(ctx context.Context, main sched.MainFuture) error {
	if s.onDriver() {
		return s.cfg.Errors.Nested
	}
	if ctx.Done() != nil {
		// Only a context that can end needs to wake a parked driver.
		stop := context.AfterFunc(ctx, s.parker.Unpark)
		defer stop()
	}
	select {
	case c := <-s.coreCh:
		// The common case: nobody else drives.
		return s.drive(ctx, c, main)
	default:
	}

	// Another goroutine drives: poll our own future with our own context
	// until the core is free. Under a paused clock its wakes count as
	// activity like the driver's main future.
	sig := future.NewSignal()
	w, flag := timer.SignalWaker(sig, s.act)
	defer flag.Close()
	ownCx := future.NewContext(w)
	futurecx.SetExecutor(ownCx, s.cfg.Executor)
	pollOwn := func() bool {
		futurecx.SetBudget(ownCx, future.DefaultBudget)
		took := flag.BeginPoll()
		defer flag.EndPoll(took)
		return main.PollMain(ownCx)
	}
	first := true
	for {
		if s.closing.Load() {
			return s.closedErr()
		}
		select {
		case c := <-s.coreCh:
			flag.Close() // the driver's main future counts from here
			return s.drive(ctx, c, main)
		default:
		}
		if first {
			first = false
			if pollOwn() {
				return nil
			}
		}
		select {
		case c := <-s.coreCh:
			flag.Close()
			return s.drive(ctx, c, main)
		case <-sig.C():
			if pollOwn() {
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
		case <-s.coreFree:
			return s.closedErr()
		}
	}
}

// closedErr is what BlockOn returns once the scheduler is shut down.
func (s *Scheduler) closedErr() error { return s.cfg.Errors.Shutdown }

// drive runs the scheduler loop with the core c until the main future is
// ready, ctx is done, or the scheduler shuts down.
func (s *Scheduler) drive(ctx context.Context, c *core, main sched.MainFuture) (err error) {
	s.held = c
	g := gident.Current()
	s.driverG.Store(g)
	// While it drives, blocking calls refuse to run here (gident.InTask).
	// Unmarked in a defer of its own: a runtime.Goexit in the shutdown
	// below skips the rest of that deferred call.
	gident.MarkRunner(g)
	defer gident.UnmarkRunner(g)
	defer func() {
		// A poll that did not return (runtime.Goexit) gives its unit of
		// activity back here.
		if c.polling {
			c.polling = false
			s.act.Release()
		}
		s.endMain(c)
		if s.closing.Load() {
			s.shutdownCore(c)
			if err == nil {
				err = s.closedErr()
			}
		}
		s.driverG.Store(0)
		s.held = nil
		if !s.closing.Load() {
			s.coreCh <- c
		}
	}()
	s.mainWoken.Wake() // the first poll (a wake left over counts as it)
	c.batch.startBusy()
	defer s.endDrive(c)
	afterPoll := false
	for {
		if err := s.runUntilMain(ctx, c, afterPoll); err != nil {
			return err
		}
		ready := main.PollMain(c.cx)
		s.mainWoken.EndPoll(true)
		c.mainTook = false
		if ready {
			return nil
		}
		afterPoll = true
	}
}

// endMain ends the main future's part in a BlockOn that drove: the unit
// of a poll that did not return is given back, and a wake left over from
// this BlockOn stops counting (the next BlockOn's main future starts woken
// anyway).
func (s *Scheduler) endMain(c *core) {
	s.mainWoken.EndPoll(c.mainTook)
	c.mainTook = false
	s.mainWoken.EndPoll(s.mainWoken.BeginPoll())
}

// runUntilMain runs the scheduler loop with the core c until the main
// future is to be polled: it returns nil once the main future was woken,
// with c.cx set up for its poll and c.mainTook holding the wake's unit
// (the caller polls, then calls mainWoken.EndPoll(true)). It returns an
// error when ctx is done, the scheduler shuts down, or it is stuck.
// afterPoll says that the main future has just been polled: the tasks run
// first, as after any poll, so that a main future that wakes itself does
// not starve them.
func (s *Scheduler) runUntilMain(ctx context.Context, c *core, afterPoll bool) error {
	cx := c.cx
	for {
		if s.closing.Load() {
			return s.closedErr()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !afterPoll && s.mainWoken.BeginPoll() {
			c.mainTook = true
			futurecx.SetWaker(cx, future.NewWaker(&s.mainW))
			futurecx.SetTaskID(cx, 0)
			futurecx.SetBudget(cx, future.DefaultBudget)
			return nil
		}
		afterPoll = false
		parked := false
		for i := 0; i < s.cfg.EventInterval; i++ {
			// A panic policy that stops the runtime (Config.OnUnhandledPanic)
			// shuts down inside the poll that panicked: no other task runs.
			if s.closing.Load() {
				return s.closedErr()
			}
			if s.dumpWanted.Load() {
				s.serveDumps(c)
			}
			c.tick++
			n, ok := s.nextTask(c)
			if !ok {
				if c.queue.Len() > 0 || s.mainWoken.IsSet() || c.deferred.Len() > 0 {
					s.processTimers()
					c.queue.Append(&c.deferred)
				} else {
					s.park(c)
					if s.stuck {
						s.stuck = false
						return s.cfg.Errors.Stuck
					}
				}
				parked = true
				break
			}
			c.batch.polls++
			s.pt.Begin()
			ln, ok := s.owned.Take(n) // links a task spawned elsewhere
			switch {
			case !ok: // cancelled: the list is closed (never while we drive)
				s.dropActivity()
			case s.act == nil:
				ln.Run(cx)
			default:
				s.pollCounted(c, ln)
			}
			s.pt.End()
		}
		s.pt.Break()
		if !parked {
			s.processTimers()
			c.queue.Append(&c.deferred)
			c.batch.splitBusy()
		}
		s.publishEvery(c)
	}
}

// pollCounted runs a task under a paused clock, and gives its unit of
// activity back once the poll has returned. (Without a paused clock the
// loop runs the task inline: one predictable branch per poll.)
func (s *Scheduler) pollCounted(c *core, n task.LocalNotified) {
	c.polling = true
	n.Run(c.cx)
	c.polling = false
	s.act.Release()
}

func (s *Scheduler) nextTask(c *core) (task.Notified, bool) {
	if s.cfg.Rand != nil {
		var all task.Queue
		s.inject.PopN(&all, s.inject.Len())
		c.queue.Append(&all)
		if n := c.queue.Len(); n > 0 {
			return popAt(&c.queue, s.cfg.Rand(n))
		}
		return task.Notified{}, false
	}
	if c.tick%uint32(s.cfg.GlobalQueueInterval) == 0 {
		if n, ok := s.inject.Pop(); ok {
			return n, true
		}
		return c.queue.Pop()
	}
	if n, ok := c.queue.Pop(); ok {
		return n, true
	}
	// The local queue is empty: move the whole inject queue to it under
	// one lock (a spawner from outside the runtime fills it one task at a
	// time) and run its first task.
	if !s.inject.PopAll(&c.queue) {
		return task.Notified{}, false
	}
	return c.queue.Pop()
}

func (s *Scheduler) processTimers() {
	if t := s.cfg.Timer; t != nil {
		t.Process()
	}
	if io := s.cfg.IO; io != nil {
		io.Poll()
	}
}

// FireTimers fires the timers that are due (after a paused clock was
// advanced) on the goroutine that holds the core, so that the tasks they
// wake join the run queue in deadline order: at once when the caller holds
// the core or the core is free (the caller takes it for that long), else at
// the driver's next timer check, which this unparks. Fired from another
// goroutine, the first of two timers would wake its task through the inject
// queue while the driver fired the second into its local queue and polled
// that task first.
func (s *Scheduler) FireTimers() {
	t := s.cfg.Timer
	if t == nil {
		return
	}
	if s.onDriver() {
		t.Process()
		return
	}
	select {
	case c := <-s.coreCh:
		s.held = c
		s.driverG.Store(gident.Current())
		t.Process()
		s.driverG.Store(0)
		s.held = nil
		if s.closing.Load() {
			s.shutdownCore(c) // a shutdown found the core taken: finish it
			return
		}
		s.coreCh <- c
	default:
		s.parker.Unpark()
	}
}

// park sleeps until something is scheduled, the main future is woken, a
// timer is due, or shutdown.
func (s *Scheduler) park(c *core) {
	if s.cfg.OnPark != nil {
		s.cfg.OnPark()
	}
	c.batch.beforePark()
	c.cells.Trim()
	s.publish(c)
	t := s.cfg.Timer
	io := s.cfg.IO
	wait := parkForever
	if t != nil {
		if t.IsPaused() {
			// Jump only when nothing can run (the activity is zero);
			// otherwise sleep until something is scheduled or the
			// activity drops to zero (the idle callback unparks us).
			// Sockets first: an event ready now is work, not idleness
			// (internal/iodriver's contract, rule 5); the tasks it wakes
			// hold the activity, so AutoAdvance then refuses to jump.
			if io != nil && s.act.IsIdle() && io.Poll() > 0 {
				wait = 0
			} else if t.AutoAdvance() {
				wait = 0
			}
		} else if d, ok := t.NextDeadline(); ok {
			wait = max(d, 0)
		}
	}
	// A registered socket may still get an event: not stuck.
	ioPending := io != nil && io.Pending()
	if wait < 0 && s.cfg.FailWhenStuck && s.act != nil && t != nil && s.act.IsIdle() && t.Len() == 0 && !ioPending {
		s.stuck = true
		c.batch.afterPark() // it never slept: keep Parks == Unparks once BlockOn returns
		return
	}
	if wait != 0 {
		s.parker.ParkOn(io, wait)
	}
	if t != nil {
		t.Process()
	}
	c.batch.afterPark()
	if s.cfg.OnUnpark != nil {
		s.cfg.OnUnpark()
	}
}

// parkForever is a park timeout meaning "until unparked".
const parkForever time.Duration = -1

// Shutdown stops the scheduler: the inject queue closes and every task is
// shut down, by the goroutine that holds the core (or, if nobody does, by a
// goroutine Shutdown starts). Done is closed when that has happened.
func (s *Scheduler) Shutdown() {
	s.beginClose()
	// If nobody holds the core, a goroutine of ours does the work: the
	// futures' Drops run there, and one that calls runtime.Goexit ends a
	// goroutine that shutdownCore can replace, not the caller's.
	// Otherwise the core's holder sees closing and does it.
	select {
	case c := <-s.coreCh:
		go s.shutdownCore(c)
	default:
	}
}

// beginClose marks the scheduler closing, refuses new remote work, and wakes
// the driver and every goroutine waiting for the core.
func (s *Scheduler) beginClose() {
	s.shutdownOnce.Do(func() {
		s.closing.Store(true)
		s.inject.Close()
		close(s.coreFree)
		s.parker.Unpark()
	})
}

// Done returns a channel closed when the shutdown has completed.
func (s *Scheduler) Done() <-chan struct{} { return s.done }

// shutdownCore shuts every task down and empties the queues. The caller
// holds the core.
//
// A task's Drop may call runtime.Goexit (the harness then completes that
// task on the way out): the calling goroutine ends, and a new one carries on
// with the tasks left, as a multi-thread worker replaces itself.
func (s *Scheduler) shutdownCore(c *core) {
	prev := s.driverG.Load()
	s.held = c
	s.driverG.Store(gident.Current())
	finished := false
	defer func() {
		if !finished {
			// Nobody drives after a shutdown: the exiting goroutine's
			// identity must not stay recorded (a later goroutine may
			// get it).
			s.driverG.Store(0)
			go s.shutdownCore(c)
		}
	}()
	s.beginClose()
	s.serveDumps(c) // a dumper waiting for us gets the tasks before they go
	// Tasks spawned from other goroutines and still queued are linked
	// first, so that the close shuts them down too (tasks.go).
	s.bindQueued(c)
	// In spawn order, so that a simulation shuts its tasks down alike in
	// every process, whatever IDs its tasks got.
	s.owned.CloseAndShutdownAllInOrder(s.cfg.Errors.Shutdown)
	s.dropQueued(c)
	if t := s.cfg.Timer; t != nil {
		t.Shutdown()
	}
	if io := s.cfg.IO; io != nil {
		io.Shutdown()
	}
	finished = true
	s.driverG.Store(prev)
	s.doneOnce.Do(func() { close(s.done) })
}

// popAt removes and returns the task at position i of q (0 is the front),
// keeping the order of the others; ok is false when i is out of range. It is
// the simulation's pick (Config.Rand), so it may walk: the tasks before i go
// through a second queue and the rest is appended after them, O(i).
func popAt(q *task.Queue, i int) (n task.Notified, ok bool) {
	if i < 0 || i >= q.Len() {
		return task.Notified{}, false
	}
	var front task.Queue
	for range i {
		m, _ := q.Pop()
		front.Push(m)
	}
	n, _ = q.Pop()
	front.Append(q)
	*q = front
	return n, true
}

package blocking

/*
How the pool works. Mirrors tokio runtime/blocking/pool.rs (the default,
"locked" queue: one mutex over the queue and the counters), with channels in
place of the condition variable.

# State

Pool.mu guards everything that decides who runs what: the FIFO queue, the
goroutine counts, the idle list and the shutdown flag. It is never held while
a task runs, while a hook runs, or while a goroutine waits (it is held to take
a wake token known to be in its channel, which does not block).

A pool goroutine is in one of three places:

  - busy: running a task, or between two tasks (it holds mu or is about to
    take it, and pops the queue before it may go idle);
  - idle: on mu.idle, waiting on its wake channel and its keep-alive timer;
  - claimed: taken off mu.idle by a spawner (or by Shutdown), which sent one
    token on its wake channel; it is on its way back to the queue (or out).

Invariants, under mu:

 1. mu.numThreads counts the goroutines that count against MaxThreads:
    started (counted before the go statement) and not retired. A goroutine
    retires (leaves the count) under mu in the same critical section in
    which it decides to exit. mu.live counts the goroutines started and not
    yet through release, retired or not; Shutdown waits for it to drop.
 2. A goroutine on mu.idle has an empty wake channel. A spawner that removes
    it sends exactly one token (the channel has room for one), so a claimed
    goroutine always finds its token.
 3. A goroutine counted in mu.numThreads goes idle or retires only after it
    found the queue empty under mu, or hands over if it dies (step 6). So a
    queued task always has someone coming for it: the goroutine that Spawn
    claimed or started for it, or, when the pool was at MaxThreads, one of
    the counted goroutines. This is why retiring is one critical section
    with the decision: a goroutine still counted after it decided to exit
    would let a spawner at the cap rely on it, and the task would be
    stranded (TestStressSpawnRacingKeepAliveExpiry found exactly that;
    TestSpawnDoesNotRelyOnRetiringGoroutine pins it down).
 4. After mu.shutdown is set, no task is queued and none is taken off the
    queue: Shutdown moved the queue out under mu, and Spawn checks the flag
    under mu. mu.idle stays empty: Shutdown claimed every idle goroutine, and
    a goroutine checks the flag before it goes idle.

# Protocol

 1. Spawn, under mu: if shut down, cancel the task (outside mu) and fail.
    Else push the task; then claim the most recently idle goroutine if there
    is one, or else count a new goroutine if below MaxThreads and start it
    once mu is released.
 2. A goroutine, under mu, pops the queue and runs the task without mu, until
    the queue is empty; then it puts itself at the front of mu.idle and waits
    without mu.
 3. Woken by its token: it was claimed; back to 2.
 4. Keep-alive timer fired after KeepAlive of idleness: it takes mu. If it
    is still on mu.idle nobody claimed it, so it removes itself and exits. If
    it is not, a spawner claimed it between the timer firing and mu; the
    token is already in its channel (sent under mu), so it takes it and goes
    back to 2. A claimed goroutine never exits on a timeout, or the task it
    was claimed for could wait for another spawn.
 5. Shutdown, under mu, sets mu.shutdown and claims every idle goroutine;
    each wakes, sees the flag and exits. A busy goroutine sees the flag when
    its task returns and exits.
 6. A goroutine that decides to exit (step 4, step 5, or an empty queue with
    a negative KeepAlive) retires under mu at once, then runs OnThreadStop
    without mu, then releases: under mu, mu.live is decremented and, after
    shutdown, every Shutdown caller is told (mu.changed is closed and
    replaced). A goroutine that dies without retiring (runtime.Goexit in a
    closure or a hook) retires in release and hands over: if tasks are
    queued it claims an idle goroutine or starts a replacement, keeping
    invariant 3.

# Rejected designs

sync.Cond, as Tokio's condvar: a goroutine blocked in Cond.Wait is not
durably blocked for testing/synctest, so a bubble with an idle pool would never
advance its clock; and Cond has no timed wait for the keep-alive.

One shared wake channel with a count of pending notifications (Tokio's
num_notify): a goroutine whose timer fired cannot tell whether a pending token
is meant for it, which needs a subtler argument about who takes which token.
Per-goroutine channels make the claim explicit: whoever removes a goroutine
from mu.idle owes it one token.

A FIFO idle list: spawns would cycle through every idle goroutine and keep
all of them alive. Waking the most recently idle one first leaves the surplus
goroutines idle long enough to reach their keep-alive and exit.

A closed shutdown channel as a third case of the idle select: every wait
would pay for a three-way select. Shutdown claims the idle goroutines
instead, through the channel they wait on anyway.

Resetting the keep-alive timer at every wait and stopping it at every wake:
two timer-heap operations on each task's path. The timer is armed once and
left running while the goroutine is busy; when it fires it is re-armed for
what is left of KeepAlive since the goroutine last went idle, so it fires at
most about once per KeepAlive, and an idle goroutine still exits exactly
KeepAlive after it went idle.
*/

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/gident"
	"github.com/weftrt/weft/internal/list"
	"github.com/weftrt/weft/internal/timer"
	"github.com/weftrt/weft/task"
)

// Defaults for the zero fields of Config. They are Tokio's.
const (
	// DefaultMaxThreads is the default cap on pool goroutines.
	DefaultMaxThreads = 512
	// DefaultKeepAlive is how long an idle goroutine waits for work by
	// default before it exits.
	DefaultKeepAlive = 10 * time.Second
)

// ErrShutdown is returned by Spawn once the pool is shut down, and is the
// Cause of the cancelled tasks when Config.ShutdownCause is nil.
var ErrShutdown = errors.New("blocking: pool is shut down")

// Config configures a Pool. The zero value is usable: each zero field takes
// its default.
type Config struct {
	// MaxThreads caps the number of pool goroutines; tasks beyond it wait in
	// the queue. Zero or negative means DefaultMaxThreads.
	MaxThreads int
	// KeepAlive is how long an idle goroutine waits for a task before it
	// exits. Zero means DefaultKeepAlive; negative means no wait: a
	// goroutine exits as soon as it finds the queue empty.
	KeepAlive time.Duration
	// OnThreadStart runs on each pool goroutine when it starts, before it
	// runs any task. OnThreadStop runs on each goroutine on which
	// OnThreadStart returned, just before it exits (also when it exits
	// because a closure called runtime.Goexit). Either may be nil. They
	// must return normally: a panic in them crashes the program, as in any
	// goroutine, and a runtime.Goexit ends the goroutine, which the pool
	// then replaces if tasks wait (over and over, if the hook always
	// exits).
	OnThreadStart, OnThreadStop func()
	// Hooks are the runtime's task hooks; may be nil. Of them only
	// OnTerminate runs for blocking tasks (for every one: completed,
	// panicked or cancelled), as in Tokio: a blocking task has no poll
	// hooks, and task.NewUnowned runs no spawn hook.
	Hooks *task.Hooks
	// ShutdownCause is the Cause of the JoinErrors of tasks cancelled
	// because the pool shut down. Nil means ErrShutdown.
	ShutdownCause error
	// Activity, when not nil, counts every task from its Spawn until its
	// closure has returned or it was cancelled (U3 in
	// internal/timer/activity.go): a runtime with a paused clock passes
	// its driver's, so that time stands still while blocking work is
	// queued or runs. Its idle callback may run with the pool's lock held.
	Activity *timer.Activity
}

// Pool runs blocking tasks on a bounded, lazily grown set of goroutines. Its
// methods are safe for concurrent use. Create it with New; stop it with
// Shutdown.
type Pool struct {
	cfg   Config // immutable after New, defaults filled in
	sched *scheduler

	// pending is the number of tasks queued or running: incremented under
	// mu as a task is queued, decremented when a goroutine is back from
	// running it or Shutdown has cancelled it. Read without mu by Idle.
	pending atomic.Int64

	mu struct {
		sync.Mutex
		queue      taskQueue         // guarded by mu; empty once shutdown is set
		idle       list.List[worker] // guarded by mu; most recently idle first
		numThreads int               // guarded by mu; invariant 1
		live       int               // guarded by mu; invariant 1
		running    int               // guarded by mu; tasks being run
		shutdown   bool              // guarded by mu; never unset
		draining   bool              // guarded by mu; Shutdown is cancelling the queued tasks
		// changed is closed and replaced, after shutdown has begun, each
		// time a goroutine exits or the drain ends; Shutdown callers wait
		// on it. Guarded by mu.
		changed chan struct{}
		// gs holds the goroutine identity of each live pool goroutine
		// (internal/gident), so that Shutdown called from a closure does
		// not wait for its own goroutine. Guarded by mu.
		gs map[uintptr]struct{}

		spawned uint64 // guarded by mu; tasks accepted by Spawn
		started uint64 // guarded by mu; goroutines started
	}
}

// worker is one pool goroutine's state. Fields without a guard note belong to
// the goroutine itself.
type worker struct {
	// links puts the worker on Pool.mu.idle; guarded by Pool.mu.
	links list.Links[worker]
	// wake receives the one token a spawner sends when it claims the
	// worker (invariant 2).
	wake chan struct{}
	// timer is the keep-alive timer, made at the first wait; armed says
	// whether it is scheduled and its firing not yet received.
	timer *time.Timer
	armed bool
	g     uintptr // gident of the goroutine, 0 if unknown

	inTask     bool // a task is being run: set around Task.Run
	retired    bool // left Pool.mu.numThreads; guarded by Pool.mu
	started    bool // OnThreadStart has returned
	stopCalled bool // OnThreadStop has been called
}

func workerLinks(w *worker) *list.Links[worker] { return &w.links }

// New returns a pool configured by cfg. No goroutine starts until the first
// Spawn.
func New(cfg Config) *Pool {
	if cfg.MaxThreads <= 0 {
		cfg.MaxThreads = DefaultMaxThreads
	}
	if cfg.KeepAlive == 0 {
		cfg.KeepAlive = DefaultKeepAlive
	}
	if cfg.ShutdownCause == nil {
		cfg.ShutdownCause = ErrShutdown
	}
	p := &Pool{
		cfg:   cfg,
		sched: &scheduler{hooks: blockingHooks(cfg.Hooks)},
	}
	p.mu.idle = list.New(workerLinks)
	p.mu.changed = make(chan struct{})
	p.mu.gs = make(map[uintptr]struct{})
	return p
}

// Scheduler returns the task.Scheduler to create blocking tasks with
// (task.NewUnowned). Its Release reports false, its Hooks hold
// Config.Hooks.OnTerminate alone (nil when that is nil), and its UnhandledPanic does nothing (a panic in a closure is already the
// task's JoinError). Its Schedule and Yield are never reached by a task whose
// future is ready on its first poll, and panic if they are: give the pool no
// other futures.
func (p *Pool) Scheduler() task.Scheduler { return p.sched }

// Spawn queues t to run on a pool goroutine, starting a goroutine when none
// is idle and fewer than MaxThreads run. Tasks run in the order they were
// spawned. t's future must be ready on its first poll (a closure run once);
// it runs with an unconstrained coop budget.
//
// Once the pool is shut down, Spawn cancels t instead (its JoinHandle reports
// a cancellation whose Cause is Config.ShutdownCause) and returns
// ErrShutdown. Spawn panics when t is the zero UnownedTask. Spawn takes over
// t: call no other method of t afterwards.
//
// A call to Spawn that returns nil happens before t's future is polled.
func (p *Pool) Spawn(t task.UnownedTask) error {
	if t.Header() == nil {
		panic("blocking: Spawn of a zero UnownedTask")
	}
	p.mu.Lock()
	if p.mu.shutdown {
		p.mu.Unlock()
		t.Shutdown(p.cfg.ShutdownCause)
		return ErrShutdown
	}
	if a := p.cfg.Activity; a != nil {
		a.Acquire() // before the task is visible to a pool goroutine
	}
	p.mu.queue.push(t)
	p.pending.Add(1)
	p.mu.spawned++
	start := false
	if !p.claimIdleLocked() {
		start = p.addThreadLocked()
	}
	p.mu.Unlock()
	if start {
		go p.run()
	}
	return nil
}

// addThreadLocked counts a new goroutine, which the caller must start once
// it released mu, and reports true; or reports false when the pool is at
// MaxThreads. The caller holds mu.
func (p *Pool) addThreadLocked() bool {
	if p.mu.numThreads >= p.cfg.MaxThreads {
		return false
	}
	p.mu.numThreads++
	p.mu.live++
	p.mu.started++
	return true
}

// claimIdleLocked wakes the most recently idle goroutine, if any, and reports
// whether it did. The caller holds mu.
func (p *Pool) claimIdleLocked() bool {
	w := p.mu.idle.Front()
	if w == nil {
		return false
	}
	p.mu.idle.Remove(w)
	w.wake <- struct{}{} // never blocks: invariant 2
	return true
}

// run is the body of a pool goroutine.
func (p *Pool) run() {
	w := &worker{wake: make(chan struct{}, 1), g: gident.Current()}
	// exit also runs when the goroutine dies in a closure (runtime.Goexit)
	// or in a hook, so the counts stay right.
	defer p.exit(w)
	p.mu.Lock()
	if w.g != 0 {
		p.mu.gs[w.g] = struct{}{}
	}
	p.mu.Unlock()
	if f := p.cfg.OnThreadStart; f != nil {
		f()
	}
	w.started = true
	p.loop(w)
	w.stopCalled = true
	if f := p.cfg.OnThreadStop; f != nil {
		f()
	}
}

// loop runs queued tasks and waits for more, until the keep-alive runs out
// or the pool shuts down.
func (p *Pool) loop(w *worker) {
	// Blocking tasks are not cooperative: an unconstrained budget, like
	// tokio's coop::stop in BlockingTask::poll. The harness sets the waker
	// and task ID.
	cx := future.NewContext(future.Noop())
	p.mu.Lock()
	for !p.mu.shutdown {
		t, ok := p.mu.queue.pop()
		if !ok {
			if !p.waitLocked(w) {
				break
			}
			continue
		}
		p.mu.running++
		p.mu.Unlock()
		w.inTask = true
		futurecx.SetBudget(cx, -1)
		t.Run(cx)
		w.inTask = false
		p.mu.Lock()
		p.mu.running--
		p.taskDone()
	}
	// Retire in the critical section that decided it (invariant 3).
	p.mu.numThreads--
	w.retired = true
	p.mu.Unlock()
}

// waitLocked parks w on the idle list until it is claimed (true), or its
// keep-alive runs out (false). The caller holds mu and has seen the pool not
// shut down; mu is released during the wait and held again on return.
func (p *Pool) waitLocked(w *worker) bool {
	if p.cfg.KeepAlive < 0 {
		return false
	}
	p.mu.idle.PushFront(w)
	p.mu.Unlock()
	keepAlive := p.cfg.KeepAlive
	deadline := time.Now().Add(keepAlive)
	if !w.armed {
		if w.timer == nil {
			w.timer = time.NewTimer(keepAlive)
		} else {
			w.timer.Reset(keepAlive)
		}
		w.armed = true
	}
	for {
		select {
		case <-w.wake:
			// Claimed by Spawn or Shutdown. The timer stays armed.
			p.mu.Lock()
			return true
		case <-w.timer.C:
			w.armed = false
			if left := time.Until(deadline); left > 0 {
				// Armed during an earlier wait: not idle long enough.
				w.timer.Reset(left)
				w.armed = true
				continue
			}
		}
		break
	}
	if h := testHookKeepAliveFired; h != nil {
		h()
	}
	p.mu.Lock()
	if p.mu.idle.Remove(w) {
		return false // nobody claimed us: retire
	}
	// Claimed between the timer and the lock: the token was sent under mu,
	// so it is there (step 4).
	<-w.wake
	return true
}

// testHookKeepAliveFired, when set (by tests, before the pool is used), runs
// between a keep-alive timer firing and the goroutine taking mu: the window
// in which a spawner may still claim the goroutine.
var testHookKeepAliveFired func()

// exit is deferred by run: it accounts for the goroutine's end, however it
// ends. The normal path has called OnThreadStop already; a goroutine that
// dies in a closure or a hook calls it here (if OnThreadStart returned).
func (p *Pool) exit(w *worker) {
	// release must happen even if OnThreadStop itself exits the goroutine.
	defer p.release(w)
	if w.started && !w.stopCalled {
		w.stopCalled = true
		if f := p.cfg.OnThreadStop; f != nil {
			f()
		}
	}
}

// taskDone counts a task that ran (its closure returned, its joiner woken)
// or was cancelled, and gives its unit of activity back.
func (p *Pool) taskDone() {
	p.pending.Add(-1)
	if a := p.cfg.Activity; a != nil {
		a.Release()
	}
}

// release removes the goroutine from the counts (protocol step 6).
func (p *Pool) release(w *worker) {
	p.mu.Lock()
	if w.inTask {
		// The closure called runtime.Goexit: the harness has completed the
		// task with ErrGoexit on the way out, and loop never resumed.
		w.inTask = false
		p.mu.running--
		p.taskDone()
	}
	start := false
	if !w.retired {
		// Died in a closure or a hook. We may have been the goroutine a
		// queued task was counting on (invariant 3): hand over.
		w.retired = true
		p.mu.numThreads--
		if !p.mu.shutdown && p.mu.queue.Len() > 0 && !p.claimIdleLocked() {
			start = p.addThreadLocked()
		}
	}
	p.mu.live--
	if w.g != 0 {
		delete(p.mu.gs, w.g)
	}
	if p.mu.shutdown {
		p.broadcastLocked()
	}
	p.mu.Unlock()
	if start {
		go p.run()
	}
}

// broadcastLocked tells every Shutdown caller that the state changed. The
// caller holds mu.
func (p *Pool) broadcastLocked() {
	close(p.mu.changed)
	p.mu.changed = make(chan struct{})
}

// Shutdown shuts the pool down: Spawn refuses new tasks from now on, the
// tasks still queued are cancelled (their JoinHandles report a cancellation
// whose Cause is Config.ShutdownCause), and idle goroutines exit. Running
// closures cannot be interrupted; Shutdown waits up to timeout for them to
// return and their goroutines to exit (a negative timeout waits for ever,
// zero does not wait), and reports whether all goroutines exited. A closure
// still running at the timeout finishes later and delivers its output.
//
// Shutdown may be called any number of times, from any goroutine; every call
// waits in the same way. Called from inside a blocking closure, it does not
// wait for the caller's own goroutine (which exits once the closure returns)
// and reports whether all the others exited; this needs goroutine identities
// (internal/gident), available on amd64 and arm64, and elsewhere such a call
// with a negative timeout never returns.
//
// When Shutdown returns true, the return of every closure the pool ran (but
// the caller's own) and of every OnThreadStop call (but the caller's
// goroutine's) happens before Shutdown returns.
func (p *Pool) Shutdown(timeout time.Duration) bool {
	self := gident.Current()
	p.mu.Lock()
	first := !p.mu.shutdown
	var queued taskQueue
	if first {
		p.mu.shutdown = true
		p.mu.draining = true
		queued, p.mu.queue = p.mu.queue, taskQueue{}
		for p.claimIdleLocked() {
		}
	}
	p.mu.Unlock()
	if first {
		// Outside mu: Shutdown runs hooks and wakes JoinHandles.
		for {
			t, ok := queued.pop()
			if !ok {
				break
			}
			t.Shutdown(p.cfg.ShutdownCause)
			p.taskDone()
		}
		p.mu.Lock()
		p.mu.draining = false
		p.broadcastLocked()
		p.mu.Unlock()
	}
	return p.waitExited(timeout, self)
}

// waitExited waits up to timeout for the goroutines other than self to exit
// and the drain to end, and reports whether they did.
func (p *Pool) waitExited(timeout time.Duration, self uintptr) bool {
	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	for {
		p.mu.Lock()
		n := p.mu.live
		if _, ok := p.mu.gs[self]; ok && self != 0 {
			n--
		}
		done := n == 0 && !p.mu.draining
		changed := p.mu.changed
		p.mu.Unlock()
		if done {
			return true
		}
		if timeout == 0 {
			return false
		}
		select {
		case <-changed:
		case <-deadline:
			// Look once more: a goroutine may have exited just as the
			// timer fired.
			timeout = 0
		}
	}
}

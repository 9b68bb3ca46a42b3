package multithread

/*
# The worker loop

Each worker repeats, until it sees the inject queue closed:

 1. tick++. Every EventInterval ticks: process due timers without sleeping,
    queue the yielded tasks again, do maintenance (publish metrics, check for
    shutdown) and give the P up to the program's other goroutines. When polls
    are long, give the P up more often: see "Sharing the Ps" below.
 2. Take a task: every GlobalQueueInterval ticks a share of the inject queue
    first (so a worker busy with local work cannot starve remote spawns),
    otherwise the LIFO slot, the local queue, and then a share of the inject
    queue.
 3. Run it, then up to three tasks from the LIFO slot under the same budget.
 4. Nothing to run: search (steal half of another worker's queue, at most
    half the workers searching at once); failing that, when tasks yielded,
    process timers without sleeping and queue the yielded tasks again, else
    park.

# Remote tasks

Tasks spawned or woken from outside the workers wait in the inject queue. A
worker takes from it when its own queue is empty, and every
GlobalQueueInterval ticks even when it is not; both times it takes a fair
share (the queue's length over the number of workers, plus one, up to half
its local queue) in one lock. Tokio takes a single task on the interval tick,
so a worker kept busy by tasks that spawn their successors (Tokio's
spawn_many_remote_busy2) serves one remote task per interval and Tokio 1.24
starves on that benchmark; with a share per tick the remote tasks move at the
rate they arrive, at the cost of one lock per interval when the inject queue
is not empty.

A chain of tasks that spawn or wake each other through the LIFO slot runs
up to three polls a tick; while tasks from outside the workers wait in the
inject queue it stops after one, the LIFO task goes to the back of the local
queue, and the worker takes its share of the inject queue at the next tick.
With 10 µs polls, the three polls of a chain were most of a worker's time in
spawn_many_remote_busy2, ahead of the remote tasks it had taken. Tasks a
worker moved to the inject queue itself (an overflow of its local queue) do
not stop chains: ping_pong's 1,000 pingers overflow, and cutting their
chains there made it 2.4x slower. Scheduler.remoteWaiting tells the two
apart: set by a push from outside, cleared by the worker that finds the
queue empty after taking its share. It is a hint, not a count (a push
racing the clear may go unflagged until the next push); a task it misses
still gets the global-queue tick.

# Yielded tasks wait for the queue to run dry

A task that wakes itself while it is polled (YieldNow, a spent coop budget)
does not go back into the run queue: it waits on the worker's deferred list
until the worker has nothing else to run (its queue and the inject queue are
empty), or until the next timer and maintenance pass (step 1), whichever
comes first. This is Tokio's defer list (tokio/src/runtime/scheduler/defer.rs
and the worker's park_timeout), except that Tokio also tries to steal and
polls its drivers before it runs its deferred tasks again; weft does
neither, since stealing from a worker that is as busy moves tasks between
the two every round (+50% CPU on a yield loop of 100 tasks). It
matters under load: with yielding tasks re-queued at once, a busy worker's
queue never runs dry, so it takes from the inject queue only one task every
GlobalQueueInterval ticks, and tasks spawned from outside the runtime wait
behind the busy ones (mt_spawn_many_remote_busy1 took 97 µs a spawn instead
of 0.3 µs). With the deferral a round of busy tasks ends with an empty queue,
and the next round starts with a fair batch of the inject queue.

# Sharing the Ps

A worker is a goroutine that never blocks while it has tasks, so a goroutine
that wants its P (one spawning into the runtime from outside, or one a task
just woke: a BlockOn, a Join, a channel receiver, which the Go scheduler
queues on the waking worker's own P) runs only when the worker gives the P
up, or when the Go scheduler preempts it after 10 ms. A worker gives the P up
(runtime.Gosched) at every maintenance pass, and also as soon as it has run
tasks for yieldSlice since it last gave it up. It reads the clock for that
every yieldCheckEvery polls, chosen from the mean poll time (the EWMA the
global queue interval is tuned from): every other poll when polls take 10 µs,
every 64 when they are short, which keeps the clock reads under 1 ns per
poll. A mean alone would not do: after a run of short polls it allows a
thousand polls between yields, 10 ms if the next ones are long. After such a
yield the worker also takes its share of the inject queue first, as on a
global-queue tick: with long polls the tuned global-queue interval (up to
127 ticks) would otherwise leave remote tasks waiting for milliseconds. Tokio's workers are OS threads that the kernel time-slices with the
program's other threads; this is the Go version of that slice. Cheap polls
leave it at the maintenance interval, so a yield costs nothing extra there.
Without it, in spawn_many_remote_busy2 (workers running 10 µs tasks that
spawn their successors), the spawner and the BlockOn it waited in sat in a
worker's run queue for up to 61 ticks (610 µs) after every wake.

A worker whose task wakes a goroutine sleeping in BlockOn knows that
goroutine now waits on its own P (blockon.go, rule 4). It then hands the P
off sooner: it reads the clock at its next tick, stops its LIFO chain there,
and gives the P up once handOffSlice (10 µs) has passed since it last did.
Giving it up at once made the BlockOn and the worker take turns per task (a
BlockOn awaiting 1,000 handles in order was polled 260 times an op instead
of 22); 10 µs lets a worker finish a run of short tasks first.

# Parking

A worker parks only after registering as parked with idle (which removes it
from the searchers). If it was the last searcher it then looks at every queue
once more and wakes a worker if it finds work; see idle.go for why this loses
no wake-up. While parked, the one worker holding the timer driver sleeps with
the driver's next deadline as timeout; the others sleep until unparked. After
waking, a worker that finds itself still listed as a sleeper was woken
spuriously (a token left from earlier) and parks again.

Wakes that a worker causes while it is inside park (timers firing) land in its
own queue; it tells the others only after park returns (notifications are
batched), as Tokio does.

# The paused clock

With a paused clock (Config.Activity) the worker that owns the timer wait
jumps the clock (Driver.AutoAdvance) instead of sleeping, when nothing can
run, by the rule every weft scheduler shares (internal/timer/activity.go):
each task counts from Schedule until its poll returns, wherever it waits
(LIFO slot, run queue, deferred list, inject queue, a stealer's hands), and
the other parts of the runtime count what they hold. Which workers are
parked does not enter into it. The worker that takes the count to zero
unparks the owner of the timer wait through the idle callback; an owner
reads the count after it has taken the ownership (driverOwner), so one of
the two sees the other. The other parked workers sleep without a timeout.

# Shutdown

 1. Scheduler.Shutdown closes the inject queue and unparks every worker.
 2. Each worker sees the closed queue at its next maintenance and leaves its
    loop.
 3. Each worker closes the owned list and shuts down every task in it,
    starting at a random shard so workers rarely contend. A task running on
    another worker sees CANCELLED when its poll returns and is cancelled
    there.
 4. The last worker to finish drains every local queue and LIFO slot and the
    inject queue, dropping the Notifieds, and shuts the timer driver down.

Both the inject queue and the owned list have a closed flag: without the
first, a task woken late could sit in a queue forever; without the second, a
task spawned late would never be shut down.
*/

import (
	"context"
	"runtime"
	"runtime/pprof"
	"sync/atomic"
	"time"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/gident"
	"github.com/weftrt/weft/internal/sched"
	"github.com/weftrt/weft/internal/sched/polltime"
	"github.com/weftrt/weft/task"
)

// WorkerMetrics are one worker's counters. The worker counts in plain fields
// and publishes them here at maintenance and before parking, so readers see
// values that may lag by up to one maintenance interval. Read them with
// Scheduler.ReadWorker, which gets all of them from one publish (seq).
type WorkerMetrics struct {
	// seq is odd while a publish is in progress; see ReadWorker.
	seq                atomic.Uint64
	Polls              atomic.Uint64
	Steals             atomic.Uint64 // tasks stolen from other workers
	StealOperations    atomic.Uint64
	Overflows          atomic.Uint64
	Parks              atomic.Uint64
	Unparks            atomic.Uint64
	NoopParks          atomic.Uint64 // parks with no poll since the previous park
	LocalSchedules     atomic.Uint64
	BudgetForcedYields atomic.Uint64
	BusyNanos          atomic.Int64
	MeanPollNanos      atomic.Int64 // the EWMA the global queue interval is tuned from
}

type workerBatch struct {
	polls, steals, stealOps, overflows, parks, unparks, noops, localSchedules uint64
	busy                                                                      time.Duration
	pollsAtPark                                                               uint64
}

type worker struct {
	s      *Scheduler
	index  int
	parker *sched.Parker
	run    localQueue // stolen from by other workers

	// Owned by the worker goroutine.
	g           uintptr
	lifo        task.Notified
	lifoEnabled bool
	// deferred holds the tasks that yielded, until the run queue runs dry
	// or the next parkTimeout (see "Yielded tasks wait" above). Not
	// stealable; included in hasTasks so the worker never parks on them.
	deferred task.Queue
	tick     uint32
	// eventLeft and globalLeft count the ticks down to the next
	// maintenance pass and the next global-queue check: a countdown costs
	// a decrement where tick%interval cost two integer divisions a tick.
	eventLeft  uint32
	globalLeft uint32
	searching  bool
	shutdown   bool
	parking    bool // inside park: notifications are batched
	inShutdown bool // shutting tasks down: schedules go to the (closed) inject queue
	polling    bool // in a task's poll, tracked under a paused clock only (see start)
	gqi        uint32
	cx         *future.Context
	rng        uint64

	batch        workerBatch
	pollEWMA     float64 // nanoseconds
	batchStart   time.Time
	batchPolls   int
	batchRunning bool

	// injectNext makes the next nextTask take a share of the inject queue
	// first, as on a global-queue tick: set when the worker gave its P up
	// between maintenance passes (see "Sharing the Ps").
	injectNext bool
	// yieldCheck is the batchPolls count at which the worker next looks
	// at the clock to see whether to give its P up, every yieldCheckEvery
	// polls (see "Sharing the Ps").
	yieldCheck      int
	yieldCheckEvery int
	// handOffPending says that a task run here woke a goroutine that
	// waits in BlockOn: the worker gives its P up once handOffSlice has
	// passed since it last did, not yieldSlice (see "Sharing the Ps").
	handOffPending bool

	// pt times polls for the poll-time histogram (Config.PollTimes); when
	// that is nil its methods do nothing.
	pt polltime.Recorder

	// cells recycles the memory of tasks the worker creates and releases
	// (Scheduler.CellCache).
	cells task.CellCache

	metrics WorkerMetrics
}

const (
	ewmaAlpha              = 0.1
	targetGlobalInterval   = float64(200 * time.Microsecond)
	maxTasksPerGlobalCheck = 127
	// yieldSlice is about how long a worker holds its P before it gives it
	// to the program's other goroutines (see "Sharing the Ps").
	yieldSlice = 50 * time.Microsecond
	// handOffSlice is how long a worker holds its P, at most, once it has
	// woken a goroutine waiting in BlockOn (see "Sharing the Ps").
	handOffSlice = 10 * time.Microsecond
	// maxYieldCheckEvery bounds the polls between two looks at the clock.
	maxYieldCheckEvery = 64
)

func newWorker(s *Scheduler, i int) *worker {
	w := &worker{
		s:           s,
		index:       i,
		parker:      sched.NewParker(),
		lifoEnabled: !s.cfg.DisableLIFO,
		rng:         s.cfg.Seed*0x9E3779B97F4A7C15 + uint64(i+1)*0xBF58476D1CE4E5B9,
		pollEWMA:    targetGlobalInterval / DefaultGlobalQueueInterval,
	}
	w.gqi = uint32(s.tunedGlobalQueueInterval(w.pollEWMA))
	w.eventLeft = uint32(s.cfg.EventInterval)
	w.globalLeft = w.gqi
	w.yieldCheckEvery = w.tunedYieldCheck()
	w.cx = s.newContext()
	w.pt.Init(s.cfg.PollTimes)
	return w
}

func (s *Scheduler) tunedGlobalQueueInterval(ewma float64) int {
	if n := s.cfg.GlobalQueueInterval; n > 0 {
		return n
	}
	n := int(targetGlobalInterval / ewma)
	if n < 2 {
		n = 2
	}
	if n > maxTasksPerGlobalCheck {
		n = maxTasksPerGlobalCheck
	}
	return n
}

// start is the worker goroutine's body. It survives runtime.Goexit from a
// task (which the harness turns into a JoinError): it then starts a new
// goroutine that carries on with the same worker state.
func (w *worker) start() {
	normal := false
	defer func() {
		w.s.gmap.remove(w.g)
		gident.UnmarkRunner(w.g)
		if normal {
			w.s.live.Done()
			return
		}
		if r := recover(); r != nil {
			panic(r) // a bug in weft (user panics never get here)
		}
		// runtime.Goexit in a task: replace this goroutine. The task's
		// poll never returned to give its unit of activity back.
		if w.polling {
			w.polling = false
			w.s.act.Release()
		}
		go w.start()
	}()
	w.g = gident.Current()
	w.s.gmap.insert(w.g, w.index)
	gident.MarkRunner(w.g) // blocking calls refuse to run here (gident.InTask)
	pprof.Do(context.Background(), workerLabels(w.index), func(context.Context) {
		if w.s.cfg.OnWorkerStart != nil && w.tick == 0 {
			w.s.cfg.OnWorkerStart(w.index)
		}
		w.loop()
		if w.s.cfg.OnWorkerStop != nil {
			w.s.cfg.OnWorkerStop(w.index)
		}
	})
	normal = true
}

func (w *worker) loop() {
	s := w.s
	w.startBatch()
	for !w.shutdown {
		w.tick++
		if w.eventLeft--; w.eventLeft == 0 {
			w.eventLeft = uint32(s.cfg.EventInterval)
			// Timers and maintenance are not task work: close the busy
			// batch around them (as Tokio does), which also keeps busy
			// time and the poll-time EWMA current on a worker that never
			// runs dry.
			w.endBatch()
			w.parkTimeout(0)
			w.maintenance()
			if w.shutdown {
				break
			}
			// Let the rest of the program run: see "Sharing the Ps".
			runtime.Gosched()
			w.startBatch()
		} else if w.batchPolls >= w.yieldCheck {
			slice := yieldSlice
			if w.handOffPending {
				slice = handOffSlice
			}
			if time.Since(w.batchStart) >= slice {
				// Long polls: give the P up between maintenance
				// passes, outside the busy batch so that the time
				// away counts neither as busy nor in the EWMA.
				w.endBatch()
				runtime.Gosched()
				w.startBatch()
				w.injectNext = true
			} else if w.handOffPending {
				w.yieldCheck = w.batchPolls + max(1, w.yieldCheckEvery*int(handOffSlice)/int(yieldSlice))
			} else {
				w.yieldCheck = w.batchPolls + w.yieldCheckEvery
			}
		}
		if n, ok := w.nextTask(); ok {
			w.runTask(n)
			continue
		}
		if w.deferred.Len() != 0 {
			// Only yielded tasks are left, and the inject queue is
			// empty: run them again. Tokio steals and polls its
			// drivers first; a worker with work of its own does
			// neither here (stealing would move tasks between workers
			// every round), and timers wait for the next maintenance.
			w.requeueDeferred()
			if w.localLoad() > 1 {
				w.s.notifyParked()
			}
			continue
		}
		w.endBatch()
		if n, ok := w.stealWork(); ok {
			w.startBatch()
			w.runTask(n)
			continue
		}
		w.park()
		w.startBatch()
	}
	w.endBatch()
	w.publish()
	w.preShutdown()
	s.shutdownCore()
}

// scheduleLocal queues a task woken or spawned on this worker's goroutine.
func (w *worker) scheduleLocal(n task.Notified, isYield bool) {
	w.batch.localSchedules++
	if isYield {
		w.deferred.Push(n)
		return
	}
	shouldNotify := false
	if !w.lifoEnabled {
		w.pushBack(n)
		shouldNotify = true
	} else {
		prev := w.lifo
		w.lifo = n
		if !prev.IsZero() {
			w.pushBack(prev)
			shouldNotify = true
		}
	}
	if shouldNotify && !w.parking {
		w.s.notifyParked()
	}
}

func (w *worker) pushBack(n task.Notified) {
	if w.run.pushBackOrOverflow(n, &w.s.inject) {
		w.batch.overflows++
	}
}

func (w *worker) hasTasks() bool {
	return !w.lifo.IsZero() || !w.run.isEmpty() || w.deferred.Len() != 0
}

// requeueDeferred moves the yielded tasks to the back of the run queue, in
// the order they yielded.
func (w *worker) requeueDeferred() {
	if w.deferred.Len() <= w.run.remainingSlots() {
		// The common case: they fit, so publish them with one tail store.
		w.run.pushBatch(&w.deferred)
		return
	}
	for {
		n, ok := w.deferred.Pop()
		if !ok {
			return
		}
		w.pushBack(n)
	}
}

// nextTask picks the next task to run; see the loop description above.
func (w *worker) nextTask() (task.Notified, bool) {
	if w.globalLeft--; w.globalLeft == 0 || w.injectNext {
		// The next check comes a whole interval after this one, also
		// when injectNext brought it forward.
		w.injectNext = false
		w.tuneGlobalQueueInterval()
		w.globalLeft = w.gqi
		// Unlike Tokio, which takes one task here, take a fair share
		// of the inject queue (see "Remote tasks" above).
		if n, ok := w.takeInjected(); ok {
			return n, true
		}
		return w.nextLocalTask()
	}
	if n, ok := w.nextLocalTask(); ok {
		return n, true
	}
	return w.takeInjected()
}

// takeInjected takes a fair share of the inject queue in one lock: its
// length divided by the number of workers, plus one, at most half the local
// queue. It returns the first task and queues the others at the back of the
// local queue.
func (w *worker) takeInjected() (task.Notified, bool) {
	s := w.s
	if s.inject.IsEmpty() {
		return task.Notified{}, false
	}
	w.pt.Break() // the inject lock may be contended
	room := min(w.run.remainingSlots(), localHalf)
	want := max(1, min(s.inject.Len()/len(s.workers)+1, room))
	var batch task.Queue
	n := s.inject.PopN(&batch, want)
	if s.remoteWaiting.Load() && s.inject.IsEmpty() {
		s.remoteWaiting.Store(false)
	}
	if n == 0 {
		return task.Notified{}, false
	}
	first, _ := batch.Pop()
	w.run.pushBatch(&batch)
	return first, true
}

func (w *worker) nextLocalTask() (task.Notified, bool) {
	if !w.lifo.IsZero() {
		n := w.lifo
		w.lifo = task.Notified{}
		return n, true
	}
	return w.run.pop()
}

func (w *worker) tuneGlobalQueueInterval() {
	next := uint32(w.s.tunedGlobalQueueInterval(w.pollEWMA))
	if next > w.gqi+2 || next+2 < w.gqi {
		w.gqi = next
	}
}

// runTask polls n, then whatever lands in the LIFO slot, within one budget.
func (w *worker) runTask(n task.Notified) {
	s := w.s
	ln := s.owned.AssertOwner(n)
	w.transitionFromSearching()
	w.batch.polls++
	w.batchPolls++
	cx := w.cx
	w.pt.Begin()
	if s.act == nil {
		ln.Run(cx) // a fresh budget, which the LIFO chain below shares
	} else {
		w.pollCounted(ln, false)
	}
	w.pt.End()
	lifoPolls := 0
	for {
		if w.lifo.IsZero() {
			w.lifoEnabled = !s.cfg.DisableLIFO
			return
		}
		next := w.lifo
		w.lifo = task.Notified{}
		if !cx.HasBudget() || w.handOffPending {
			// Budget spent, or a goroutine waits for the P: the LIFO
			// task waits its turn in the queue.
			w.pushBack(next)
			return
		}
		if s.remoteWaiting.Load() && !s.inject.IsEmpty() {
			// Tasks from outside the workers wait: the LIFO chain
			// stops here, and the worker takes its share of them
			// next (see "Remote tasks").
			w.pushBack(next)
			w.injectNext = true
			return
		}
		lifoPolls++
		if lifoPolls >= maxLIFOPollsPerTick {
			// Two tasks waking each other must not monopolise the worker.
			w.lifoEnabled = false
		}
		w.batch.polls++
		w.batchPolls++
		if s.act == nil {
			s.owned.AssertOwner(next).RunInBudget(cx)
		} else {
			w.pollCounted(s.owned.AssertOwner(next), true)
		}
		w.pt.End()
	}
}

// pollCounted runs a task under a paused clock, and gives its unit of
// activity back once the poll has returned. (Without a paused clock the
// callers run the task inline: one predictable branch per poll.) inBudget
// says the task shares the budget of the poll before it (the LIFO chain).
func (w *worker) pollCounted(ln task.LocalNotified, inBudget bool) {
	w.polling = true
	if inBudget {
		ln.RunInBudget(w.cx)
	} else {
		ln.Run(w.cx)
	}
	w.polling = false
	w.s.act.Release()
}

func (w *worker) transitionToSearching() bool {
	if !w.searching {
		w.searching = w.s.idle.transitionToSearching()
	}
	return w.searching
}

func (w *worker) transitionFromSearching() {
	if !w.searching {
		return
	}
	w.searching = false
	if w.s.idle.transitionFromSearching() {
		// We were the last searcher and found work; there may be more.
		w.s.notifyParked()
	}
}

// stealWork searches the other workers' queues, then the inject queue.
func (w *worker) stealWork() (task.Notified, bool) {
	s := w.s
	if !w.transitionToSearching() {
		return task.Notified{}, false
	}
	num := len(s.workers)
	start := int(w.rand() % uint64(num))
	for i := 0; i < num; i++ {
		v := (start + i) % num
		if v == w.index {
			continue
		}
		if n, count, ok := s.workers[v].run.stealInto(&w.run); ok {
			w.batch.steals += uint64(count)
			w.batch.stealOps++
			return n, true
		}
	}
	return s.inject.Pop()
}

func (w *worker) rand() uint64 {
	// xorshift64*
	x := w.rng
	x ^= x >> 12
	x ^= x << 25
	x ^= x >> 27
	w.rng = x
	return x * 0x2545F4914F6CDD1D
}

// park sleeps until there is work or shutdown.
func (w *worker) park() {
	s := w.s
	if s.cfg.OnWorkerPark != nil {
		s.cfg.OnWorkerPark(w.index)
	}
	if w.transitionToParked() {
		w.cells.Trim()
		for !w.shutdown {
			w.batch.parks++
			if w.batch.polls == w.batch.pollsAtPark {
				w.batch.noops++
			}
			w.batch.pollsAtPark = w.batch.polls
			w.publish()
			w.parkTimeout(-1)
			w.batch.unparks++
			w.maintenance()
			resumed := w.transitionFromParked()
			if resumed {
				break
			}
		}
	}
	if s.cfg.OnWorkerUnpark != nil {
		s.cfg.OnWorkerUnpark(w.index)
	}
}

func (w *worker) transitionToParked() bool {
	if w.hasTasks() {
		return false
	}
	last := w.s.idle.transitionToParked(w.index, w.searching)
	w.searching = false
	if last {
		w.s.notifyIfWorkPending()
	}
	return true
}

func (w *worker) transitionFromParked() bool {
	if w.hasTasks() {
		// Woken with local work (timers fired on us): we are not one of
		// the searchers the waker counted, unless it woke us itself.
		w.searching = !w.s.idle.unparkWorker(w.index)
		return true
	}
	if w.s.idle.isParked(w.index) {
		return false
	}
	// A notifier took us off the sleepers and counted us as searching.
	w.searching = true
	return true
}

// parkTimeout sleeps for at most d (d < 0: until unparked; d == 0: not at
// all), processing timers; afterwards it passes on work it found locally.
func (w *worker) parkTimeout(d time.Duration) {
	s := w.s
	w.parking = true
	t := s.cfg.Timer
	io := s.cfg.IO
	switch {
	case t == nil:
		if d != 0 {
			w.parker.Park(d)
		}
	case d == 0:
		t.Process()
		if io != nil {
			io.Poll()
		}
	case s.driverOwner.CompareAndSwap(-1, int32(w.index)):
		wait := d
		if t.IsPaused() {
			// A paused clock moves only when nothing can run: then jump
			// to the next deadline instead of sleeping. AutoAdvance reads
			// the activity after our CAS above; a worker whose Release
			// takes it to zero reads driverOwner after that write, and
			// unparks us (see "The paused clock" above). Sockets first:
			// an event that is ready now is work, not idleness
			// (internal/iodriver's contract, rule 5); the tasks it wakes
			// hold the activity, so AutoAdvance then refuses to jump.
			if io != nil && s.act.IsIdle() && io.Poll() > 0 {
				wait = 0
			} else if t.AutoAdvance() {
				wait = 0
			}
		} else if next, ok := t.NextDeadline(); ok && (wait < 0 || next < wait) {
			wait = max(next, 0)
		}
		if wait != 0 {
			// The owner of the timed wait sleeps in epoll once the
			// I/O driver is open.
			w.parker.ParkOn(io, wait)
		}
		s.driverOwner.Store(-1)
		t.Process()
	default:
		// Another parked worker owns the timer wait. Under a paused clock
		// it is woken when the activity drops to zero (the idle callback).
		w.parker.Park(d)
	}
	w.parking = false
	w.requeueDeferred()
	if !w.searching && w.localLoad() > 1 {
		s.notifyParked()
	}
}

func (w *worker) localLoad() int {
	n := w.run.len()
	if !w.lifo.IsZero() {
		n++
	}
	return n
}

func (w *worker) maintenance() {
	w.publish()
	if !w.shutdown {
		w.shutdown = w.s.inject.IsClosed()
	}
}

func (w *worker) startBatch() {
	w.batchStart = time.Now()
	w.batchPolls = 0
	w.yieldCheck = w.yieldCheckEvery
	w.batchRunning = true
	w.handOffPending = false // the P was just given up, or never held
}

// handOff asks the worker to give its P up within handOffSlice: a task it
// ran woke a goroutine that waits in BlockOn, which the Go scheduler queued
// on this P (see "Sharing the Ps"). Called on the worker's goroutine.
//
// A worker with nothing queued of its own is about to run dry and park,
// which frees the P at once: it skips the hand-off, whose early Gosched and
// cut LIFO chains then cost without helping (a BlockOn on a JoinSet's root
// task ran 16-21% slower with it).
func (w *worker) handOff() {
	if !w.handOffPending && w.batchRunning && (w.localLoad() != 0 || w.deferred.Len() != 0) {
		w.handOffPending = true
		w.yieldCheck = w.batchPolls // look at the clock at the next tick
	}
}

// endBatch updates busy time and the poll-time EWMA the global queue interval
// is tuned from.
func (w *worker) endBatch() {
	if !w.batchRunning {
		return
	}
	w.batchRunning = false
	w.pt.Break()
	elapsed := time.Since(w.batchStart)
	w.batch.busy += elapsed
	if w.batchPolls == 0 {
		return
	}
	n := float64(w.batchPolls)
	mean := float64(elapsed) / n
	weight := 1 - pow(1-ewmaAlpha, w.batchPolls)
	w.pollEWMA = weight*mean + (1-weight)*w.pollEWMA
	w.yieldCheckEvery = w.tunedYieldCheck()
}

// tunedYieldCheck returns how many polls to run between looks at the clock
// (see "Sharing the Ps"): about half a yieldSlice of polls at the mean poll
// time, at least one and at most maxYieldCheckEvery.
func (w *worker) tunedYieldCheck() int {
	return max(1, min(int(float64(yieldSlice)/(2*w.pollEWMA)), maxYieldCheckEvery))
}

func pow(x float64, n int) float64 {
	r := 1.0
	for n > 0 {
		if n&1 == 1 {
			r *= x
		}
		x *= x
		n >>= 1
	}
	return r
}

// publish copies the worker's counters to its WorkerMetrics.
func (w *worker) publish() {
	m := &w.metrics
	b := &w.batch
	m.seq.Add(1) // odd: publishing
	m.Polls.Store(b.polls)
	m.Steals.Store(b.steals)
	m.StealOperations.Store(b.stealOps)
	m.Overflows.Store(b.overflows)
	m.Parks.Store(b.parks)
	m.Unparks.Store(b.unparks)
	m.NoopParks.Store(b.noops)
	m.LocalSchedules.Store(b.localSchedules)
	m.BudgetForcedYields.Store(w.cx.ForcedYields())
	m.BusyNanos.Store(int64(b.busy))
	m.MeanPollNanos.Store(int64(w.pollEWMA))
	w.pt.Publish()
	m.seq.Add(1) // even: done
}

// preShutdown closes the owned list and shuts down the tasks in it.
func (w *worker) preShutdown() {
	w.inShutdown = true
	s := w.s
	s.owned.CloseAndShutdownAll(int(w.rand()%uint64(s.owned.ShardCount())), s.cfg.Errors.Shutdown)
}

package task

import "github.com/weftrt/weft/future"

/*
Task dumps: reading a task's future from outside its scheduler.

The future belongs to whoever holds RUNNING ("Field ownership" in state.go).
A dump wants to describe the future of every task nobody is polling
(future.Tracer), without polling it and without stopping the scheduler. It
does so by becoming, for a moment, the task's poller.

# Protocol for OwnedTasks (Header.Trace)

 1. Collect. Under every shard lock of the list (OwnedTasks.Each), the dumper
    records each task's *Header and ID, and reads whatever else it wants of
    the header (stats, owner): while the task is listed these are immutable.
    Once the locks are released the task may complete, be released, and its
    memory be reused for another task; from then on the dumper touches only
    the state word, until step 2 succeeds.
 2. Lock. toTracing compares the word's generation with the ID (a reused cell
    fails the comparison inside the same CAS, as for a Waker) and succeeds
    only on a task that is idle and not NOTIFIED; it sets RUNNING and takes one
    reference in one CAS. From then on every other actor sees a poller:
      - a wake finds RUNNING and only sets NOTIFIED, leaving the rescheduling
        to the holder;
      - an abort sets CANCELLED|NOTIFIED and schedules nothing;
      - a shutdown sets CANCELLED and drops the list's reference, leaving the
        cancellation to the holder;
      - no Notified exists (NOTIFIED was clear) and none can be made while
        RUNNING is set, so no run queue holds the task and no toRunning can
        find it locked.
    The reference keeps the cell from being released (and reused) under the
    dumper, even when a shutdown drops the list's reference meanwhile. The
    CAS also orders everything the last poller did before its toIdle before
    the dumper's reads.
 3. Read. The dumper calls the future's Trace or String. It never polls,
    drops or wakes it. It holds no list lock, so those methods may take the
    locks of the primitives they describe.
 4. Unlock. toIdle, exactly as after a Pending poll, and the same follow-up:
    Ok: nothing happened. OkNotified: the task was woken meanwhile; the
    dumper's reference now belongs to a new Notified, which it hands to
    Scheduler.Schedule (not Yield: the dumper is not on a worker). OkDealloc:
    the dumper held the last reference. Cancelled: an abort or a shutdown
    landed meanwhile; the dumper still holds RUNNING and does what a poller
    does, cancels the task (its Drop runs on the dumper's goroutine) and
    completes it.

A task that is running, queued or complete is reported with the word the
dumper saw and no trace. Each step is a transition of state.go already
checked against every reachable word, and the interleaving checker runs the
dumper against pollers, wakers, aborts, shutdowns and join handles
(interleave_test.go).

Why not Tokio's way. Tokio marks each idle task NOTIFIED
(transition_to_notified_for_tracing) and polls it once in a tracing mode, in
which instrumented leaf futures record a backtrace and return Pending. That
needs every worker stopped at a barrier (a dump of a multi-thread runtime
waits up to 250 ms for them, and hangs if one is blocked), and a
re-poll of every task. weft's futures describe themselves, so the dump needs
no poll and no barrier: it locks one task at a time, for the duration of its
Trace, while the scheduler keeps running. Tokio also had a deadlock from
polling tasks under the list lock (tokio#6035); step 1 holds the locks only
to copy pointers.

Why refuse a queued task. At unlock the dumper could not tell what a set
NOTIFIED stands for: the Notified queued before it locked, still in its queue
(nothing to do), or a wake that arrived after that Notified ran, found the
task locked and gave up (toRunning Failed leaves NOTIFIED set with no
Notified: the dumper must schedule one). Guessing wrong either loses the wake
or makes two Notifieds, and the second would run a task that is not NOTIFIED.
Queued tasks are about to be polled anyway; the dump reports them as queued.

# LocalOwnedTasks (LocalOwnedTasks.Trace)

Only the goroutine that drives a local list ever takes RUNNING on its tasks
(to poll them, or to shut them down): wakes and aborts from elsewhere go
through the driver's remote queue. So that goroutine, between two polls,
owns the future of every task of the list that is not complete, queued or
not, and reads it directly, with no transition at all.

# Cost

Collecting costs one pass over the list with every shard locked (spawns and
completions wait for it). Each traced task costs two CAS and its Trace call,
during which the task cannot be polled: a wake in that window is held back
(NOTIFIED, no Notified) and scheduled at unlock, so the task runs a Trace
call later than it would have. No other task is delayed.
*/

// TraceStatus says what [Header.Trace] found.
type TraceStatus uint8

const (
	// TraceIdle: the task was idle; its future was traced.
	TraceIdle TraceStatus = iota
	// TraceRunning: a poller (or a canceller, or another dump) held the
	// task.
	TraceRunning
	// TraceQueued: the task was waiting in a run queue (NOTIFIED).
	TraceQueued
	// TraceComplete: the task had completed; its future is gone.
	TraceComplete
	// TraceGone: the task has completed and been released since its ID
	// was taken; its memory may belong to another task now.
	TraceGone
)

// String returns "idle", "running", "queued", "complete" or "gone".
func (i TraceStatus) String() string {
	switch i {
	case TraceIdle:
		return "idle"
	case TraceRunning:
		return "running"
	case TraceQueued:
		return "queued"
	case TraceComplete:
		return "complete"
	case TraceGone:
		return "gone"
	}
	return "TraceStatus(" + ID(i).String() + ")"
}

// Trace describes the future of the task h heads, if h still heads the task
// with the given ID and that task is idle: neither running, queued to run,
// nor complete. It returns the future's trace tree (future.TraceOf; nil
// unless the status is TraceIdle), the state word it decided on
// (meaningless when the status is TraceGone) and what it found. The trace
// is taken while Trace holds the task's RUNNING lock, so the future cannot
// be polled or dropped meanwhile; the future itself never leaves the
// package.
//
// The task's scheduler keeps running: a wake or abort that arrives while the
// future is traced is delivered when Trace returns (an abort or a shutdown
// cancels the task then, on the calling goroutine, dropping its future
// there). If a Trace or String method of the future panics, the task is
// released just the same and the panic goes on.
//
// h must have come from the task's list while the task was in it (see
// [OwnedTasks.Each]); Trace reads nothing of h but its state word unless
// the ID matches. It is the dump protocol of dump.go.
func (h *Header) Trace(id ID) (*future.TraceNode, Snapshot, TraceStatus) {
	var tr *future.TraceNode
	s, r := h.inspect(id, func(f any) { tr = future.TraceOf(f) })
	return tr, s, r
}

// inspect calls fn with the future of the task h heads under the protocol
// of Trace: fn runs while inspect holds the task's RUNNING lock, must not
// keep the future, and must not poll, drop or block on it.
func (h *Header) inspect(id ID, fn func(future any)) (Snapshot, TraceStatus) {
	s, r := h.state.toTracing(uint32(id))
	switch r {
	case tracingLocked:
	case tracingRunning:
		return s, TraceRunning
	case tracingQueued:
		return s, TraceQueued
	case tracingComplete:
		return s, TraceComplete
	case tracingGone:
		return s, TraceGone
	}
	defer h.untrace()
	fn(h.raw().future())
	return s, TraceIdle
}

// untrace is step 4 of the dump protocol: give back RUNNING and the dumper's
// reference, and do what a poller does after a Pending poll.
func (h *Header) untrace() {
	switch h.state.toIdle() {
	case idleOK:
	case idleOKNotified:
		// Woken while we held it; our reference belongs to this Notified.
		h.sched.Schedule(Notified{h: h})
	case idleOKDealloc:
		h.raw().dealloc()
	case idleCancelled:
		h.raw().cancel()
	}
}

// Trace calls fn for every task of the list with its header, its state
// word, and the trace tree of its future (future.TraceOf): nil when the task
// is running (the caller's own task, when Trace is called from inside a
// poll) or complete. It must be called on the goroutine that drives the list
// and owns it (see [LocalOwnedTasks]), outside the poll of any task of the
// list other than the caller's own: that goroutine is the only one that ever
// takes RUNNING on the list's tasks, so between polls it owns every future
// of the list (dump.go). fn must not spawn onto, complete or remove tasks of
// the list.
func (l *LocalOwnedTasks) Trace(fn func(h *Header, s Snapshot, tr *future.TraceNode)) {
	l.inspect(func(h *Header, s Snapshot, f any) {
		var tr *future.TraceNode
		if f != nil {
			tr = future.TraceOf(f)
		}
		fn(h, s, tr)
	})
}

// inspect is Trace with the future itself (nil when the task is running or
// complete), for Trace and the package's tests.
func (l *LocalOwnedTasks) inspect(fn func(h *Header, s Snapshot, future any)) {
	l.check()
	l.list.Each(func(h *Header) {
		s := h.state.load()
		var f any
		if s.IsIdle() {
			f = h.raw().future()
		}
		fn(h, s, f)
	})
}

// Header returns the header of the task, for a task dump. The task is not
// in its list yet; only its ID, stats and state may be read.
func (p PendingLocal) Header() *Header { return p.h }

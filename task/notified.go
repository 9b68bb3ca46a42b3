package task

import (
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/invariants"
)

// Task is the reference to a task held by its owner list (OwnedTasks or
// LocalOwnedTasks). Schedulers see Tasks in [Scheduler.Release]. A Task is a
// small value; copying it does not copy the reference, so only the list may
// release it.
type Task struct {
	h *Header
}

// ID returns the task's ID.
func (t Task) ID() ID { return t.h.ID() }

// Header returns the task's header.
func (t Task) Header() *Header { return t.h }

// Notified is a task that has been woken and waits in a run queue. It owns one
// reference. A scheduler turns it into a [LocalNotified] with its owner list's
// AssertOwner and runs it, or, when it shuts down without running it, calls
// Drop. At most one Notified exists per task at a time.
type Notified struct {
	h *Header
}

// ID returns the task's ID.
func (n Notified) ID() ID { return n.h.ID() }

// Header returns the task's header.
func (n Notified) Header() *Header { return n.h }

// AbortHandle returns an AbortHandle for the task.
func (n Notified) AbortHandle() AbortHandle { return AbortHandle{h: n.h, id: n.h.ID()} }

// IsZero reports whether n refers to no task.
func (n Notified) IsZero() bool { return n.h == nil }

// Drop releases the Notified's reference without running the task: what a
// scheduler does with the tasks left in its queues when it shuts down (their
// owner list has shut them down already, or will).
func (n Notified) Drop() {
	if n.h != nil {
		n.h.dropRef()
	}
}

// LocalNotified is a Notified that its owner list has checked: it belongs to
// the scheduler that is about to run it. Run it exactly once.
type LocalNotified struct {
	h *Header
}

// ID returns the task's ID.
func (n LocalNotified) ID() ID { return n.h.ID() }

// Header returns the task's header.
func (n LocalNotified) Header() *Header { return n.h }

// Run polls the task once with cx, giving the poll the task's waker and ID
// and a fresh budget of future.DefaultBudget units (the scheduler's Context
// keeps its executor). Run consumes the reference: if the task wakes itself
// during the poll, it comes back through Scheduler.Yield. Run never panics
// because of the task's code.
func (n LocalNotified) Run(cx *future.Context) {
	futurecx.ResetBudget(cx)
	n.h.raw().poll(cx)
}

// RunInBudget is Run without the fresh budget: the task polls on what the
// previous Run with cx left of its budget. It is for a scheduler that runs a
// chain of tasks within one budget, as weft's multi-thread workers run the
// task in their LIFO slot after the one that woke it (and stop the chain
// when cx.HasBudget reports the budget spent).
func (n LocalNotified) RunInBudget(cx *future.Context) { n.h.raw().poll(cx) }

// UnownedTask is a task outside every owner list: a blocking task, run once
// on a pool goroutine. It owns two references (standing for the list entry it
// does not have and for its Notified). Exactly one of Run, Shutdown or Drop
// must be called.
type UnownedTask struct {
	h *Header
}

// ID returns the task's ID.
func (u UnownedTask) ID() ID { return u.h.ID() }

// Header returns the task's header.
func (u UnownedTask) Header() *Header { return u.h }

// Run polls the task (a blocking task completes in one poll) and releases
// both references, also when the future calls runtime.Goexit (the harness
// then completes the task on the way out, and the goroutine does not come
// back).
func (u UnownedTask) Run(cx *future.Context) {
	h := u.h
	// Deferred so that the second reference is released even when the
	// task calls runtime.Goexit: the harness completes the task on the way
	// out, but the poll never returns here.
	defer h.dropRef()
	h.raw().poll(cx)
}

// Shutdown cancels the task without running it (the pool is shutting down),
// releasing both references. Its JoinHandle reports a cancellation with the
// given cause.
func (u UnownedTask) Shutdown(cause error) {
	h := u.h
	h.dropRef()
	h.raw().shutdown(cause)
}

// Drop releases both references without running or cancelling the task. Its
// JoinHandle then never completes; schedulers use Shutdown instead, and Drop
// exists for the tests of the reference protocol.
func (u UnownedTask) Drop() {
	if u.h.state.refDecTwice() {
		u.h.raw().dealloc()
	}
}

// assertOwner checks that n belongs to the list with the given id.
// It runs for every poll, so it tests before building the message:
// invariants.Check would box its arguments (an allocation once the ids pass
// 255) even when the check passes.
func assertOwner(n Notified, owner uint32) LocalNotified {
	if n.h.sched.id != owner {
		invariants.Violated("task: task %d of list %d run by list %d", n.h.ID(), n.h.sched.id, owner)
	}
	return LocalNotified(n)
}

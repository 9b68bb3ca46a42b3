package task

import (
	"runtime"
)

// Scheduler is how a runtime plugs into the task module: the harness calls it
// to put woken tasks on a run queue, to take finished tasks off the runtime's
// list, and to learn its hooks. A custom scheduler can be built on package task
// alone by implementing it; see the package example.
//
// The harness may call every method from any goroutine that wakes or runs one
// of the scheduler's tasks. None of them may block for long.
type Scheduler interface {
	// Schedule queues a woken task. The Notified owns a reference: the
	// scheduler must eventually run it (through its owner's AssertOwner) or,
	// when it is shutting down, Drop it.
	Schedule(n Notified)
	// Yield queues a task that woke itself during its own poll. Schedulers
	// put it behind the tasks already waiting, so that a task that keeps
	// waking itself cannot starve the others.
	Yield(n Notified)
	// Release removes a completed task from the scheduler's task list
	// (OwnedTasks.Remove) and reports whether it was there; the list's
	// reference is then dropped with the poller's.
	Release(t Task) bool
	// Hooks returns the task hooks, or nil for none.
	Hooks() *Hooks
	// UnhandledPanic is told about each task whose future panicked, after
	// the panic has been captured into err. Schedulers that implement a
	// shut-down-on-panic policy act on it; others ignore it.
	UnhandledPanic(err *JoinError)
}

// CancelCauser may be implemented by a Scheduler to say why its tasks are
// being cancelled. When the harness cancels a task (after an abort, or
// because a poll ended with CANCELLED set by a shutdown) and no cause was
// passed down with the cancellation, it asks the scheduler; a non-nil answer
// becomes the JoinError's Cause. weft's runtimes answer with their shutdown
// error once shutdown has begun, so that every task a shutdown cancels says
// so, including tasks that were running when it began.
type CancelCauser interface {
	CancelCause() error
}

// Hooks are callbacks a runtime runs for each of its tasks. Each field may be
// nil. Hooks run on the goroutine that caused the event, must not block, and
// must not call back into the task they are told about; a hook that panics is
// recovered and ignored (the task is not affected).
type Hooks struct {
	// OnSpawn runs when a task has been bound to its list, before it is
	// scheduled. For a task spawned after its list closed it runs after
	// OnTerminate.
	OnSpawn func(Meta)
	// OnTerminate runs when a task completes (with output, cancelled or
	// panicked), after its JoinHandle has been woken.
	OnTerminate func(Meta)
	// BeforePoll and AfterPoll run around each poll of the task's future.
	BeforePoll func(Meta)
	AfterPoll  func(Meta)
}

// Meta describes a task to a hook.
type Meta struct {
	// ID is the task's ID.
	ID ID
	// SpawnPC is the program counter of the spawn call when the runtime
	// captures spawn sites, else 0.
	SpawnPC uintptr
	// Outcome says how the task ended; set only for OnTerminate.
	Outcome Outcome
}

// Outcome is how a task ended.
type Outcome uint8

const (
	// OutcomeNone: the hook is not OnTerminate.
	OutcomeNone Outcome = iota
	// OutcomeCompleted: the future returned its output.
	OutcomeCompleted
	// OutcomeCancelled: the task was aborted or shut down.
	OutcomeCancelled
	// OutcomePanicked: the future (or its Drop) panicked.
	OutcomePanicked
)

// String returns the outcome's name.
func (o Outcome) String() string {
	switch o {
	case OutcomeCompleted:
		return "completed"
	case OutcomeCancelled:
		return "cancelled"
	case OutcomePanicked:
		return "panicked"
	}
	return "none"
}

// SpawnSite returns the file and line of the spawn call, or "" and 0 when it
// was not captured.
func (m Meta) SpawnSite() (file string, line int) {
	if m.SpawnPC == 0 {
		return "", 0
	}
	fr, _ := runtime.CallersFrames([]uintptr{m.SpawnPC}).Next()
	return fr.File, fr.Line
}

func metaOf(h *Header) Meta {
	return Meta{ID: h.ID(), SpawnPC: sitePC(h.site)}
}

// runHook calls hook with the task's metadata, swallowing a panic.
func runHook(hook func(Meta), h *Header) {
	defer func() { _ = recover() }()
	hook(metaOf(h))
}

// runTerminateHook calls the terminate hook with the task's outcome.
func runTerminateHook(hook func(Meta), h *Header, o Outcome) {
	defer func() { _ = recover() }()
	m := metaOf(h)
	m.Outcome = o
	hook(m)
}

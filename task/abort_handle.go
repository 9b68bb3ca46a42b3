package task

// AbortHandle can abort a task without owning its output. It is a small value
// that can be copied and compared; it does not keep the task from completing
// or its output from being dropped. The zero AbortHandle refers to no task.
//
// Obtain one from [JoinHandle.AbortHandle]. Its methods are safe for
// concurrent use.
type AbortHandle struct {
	h *Header
}

// Abort asks for the task to be cancelled; see [JoinHandle.Abort]. Aborting a
// finished task does nothing.
func (a AbortHandle) Abort() {
	if a.h != nil {
		a.h.abort()
	}
}

// IsFinished reports whether the task has completed (or a is the zero
// AbortHandle).
func (a AbortHandle) IsFinished() bool {
	return a.h == nil || a.h.state.load().IsComplete()
}

// ID returns the task's ID, or 0 for the zero AbortHandle.
func (a AbortHandle) ID() ID {
	if a.h == nil {
		return 0
	}
	return a.h.id
}

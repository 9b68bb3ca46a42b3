package task

// AbortHandle can abort a task without owning its output. It is a small value
// that can be copied and compared; it does not keep the task from completing
// or its memory from being reused, and it never acts on a later task that
// reuses that memory. The zero AbortHandle refers to no task.
//
// Obtain one from [JoinHandle.AbortHandle]. Its methods are safe for
// concurrent use.
type AbortHandle struct {
	h  *Header
	id ID
}

// Abort asks for the task to be cancelled; see [JoinHandle.Abort]. Aborting a
// finished task does nothing.
func (a AbortHandle) Abort() {
	if a.h != nil {
		a.h.abort(a.id)
	}
}

// IsFinished reports whether the task has completed (or a is the zero
// AbortHandle).
func (a AbortHandle) IsFinished() bool {
	if a.h == nil {
		return true
	}
	s := a.h.state.load()
	// Another generation means the task completed and its memory was
	// reused.
	return s.gen() != uint32(a.id) || s.IsComplete()
}

// ID returns the task's ID, or 0 for the zero AbortHandle.
func (a AbortHandle) ID() ID { return a.id }

package task

import "github.com/weftrt/weft/internal/invariants"

// HeaderOf returns the header of the task behind j, so that the external
// tests can read its state word (reference count, flags) through the public
// Header methods. The public API reaches a task's header only through
// Notified, Task and the task's own Waker.
func HeaderOf[T any](j *JoinHandle[T]) *Header { return j.header() }

// InvariantsEnabled reports whether invariant checks (such as the
// LocalOwnedTasks thread check) are compiled into this build.
const InvariantsEnabled = invariants.Enabled

// GCEpoch returns the count of garbage collections the CellCaches go by.
func GCEpoch() uint32 { return gcEpoch.Load() }

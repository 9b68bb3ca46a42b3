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

// Inspect is the dump protocol with the future itself, so that the tests can
// check which future the protocol lends (Header.Trace hands out only its
// trace).
func (h *Header) Inspect(id ID, fn func(future any)) (Snapshot, TraceStatus) {
	return h.inspect(id, fn)
}

// Inspect is LocalOwnedTasks.Trace with the future itself.
func (l *LocalOwnedTasks) Inspect(fn func(h *Header, s Snapshot, future any)) { l.inspect(fn) }

// Linked returns how many tasks a driven list has linked, without linking
// the task of its running slot first (D6 in owned_driven.go).
func (o *OwnedTasks) Linked() int { return o.driven.list.Len() }

package task

import (
	"sync/atomic"

	"github.com/weftrt/weft/internal/invariants"
	"github.com/weftrt/weft/internal/list"
)

// LocalOwnedTasks is the single-threaded twin of OwnedTasks, for tasks that
// must stay on one OS thread (a LocalSet's). It has no locks: it must only be
// used by the goroutine that drives it, and with invariant checks compiled in
// (race builds, or -tags invariants) every call checks that it comes from the
// OS thread recorded by [LocalOwnedTasks.Pin].
type LocalOwnedTasks struct {
	id      uint32
	binding atomic.Pointer[binding] // see OwnedTasks.binding
	list    list.List[Header]
	closed  bool
	added   uint64
	cause   error
	thread  int // OS thread id recorded by Pin; 0 until then
}

// NewLocalOwnedTasks returns an empty list.
func NewLocalOwnedTasks() *LocalOwnedTasks {
	return &LocalOwnedTasks{id: newOwnerID(), list: list.New(headerLinks)}
}

// Pin records the current OS thread as the list's owner. The caller must have
// locked its goroutine to the thread (runtime.LockOSThread).
func (l *LocalOwnedTasks) Pin() { l.thread = invariants.ThreadID() }

func (l *LocalOwnedTasks) check() {
	if invariants.Enabled && l.thread != 0 {
		if t := invariants.ThreadID(); t != l.thread {
			invariants.Violated("task: LocalOwnedTasks of thread %d used on thread %d", l.thread, t)
		}
	}
}

// ID returns the list's owner id.
func (l *LocalOwnedTasks) ID() uint64 { return uint64(l.id) }

// Len returns the number of tasks in the list.
func (l *LocalOwnedTasks) Len() int { return l.list.Len() }

// IsEmpty reports whether the list holds no task.
func (l *LocalOwnedTasks) IsEmpty() bool { return l.list.Len() == 0 }

// Spawned returns the number of tasks ever bound.
func (l *LocalOwnedTasks) Spawned() uint64 { return l.added }

// IsClosed reports whether the list has been closed.
func (l *LocalOwnedTasks) IsClosed() bool { return l.closed }

// bindingFor returns the binding of tasks bound to l by s.
func (l *LocalOwnedTasks) bindingFor(s Scheduler) *binding {
	return bindingFor(&l.binding, l.id, s)
}

func (l *LocalOwnedTasks) bind(h *Header) bool {
	l.check()
	if l.closed {
		return false
	}
	l.list.PushFront(h)
	l.added++
	return true
}

// Remove takes a completed task off the list and reports whether it was
// there. It panics when the task belongs to another list.
func (l *LocalOwnedTasks) Remove(t Task) bool {
	h := t.h
	id := h.sched.id
	if id == 0 {
		return false
	}
	l.check()
	if id != l.id {
		panic("task: Remove of a task that belongs to another list")
	}
	return l.list.Remove(h)
}

// AssertOwner checks that n was bound to this list and returns it as a
// LocalNotified. It panics when n belongs to another list.
func (l *LocalOwnedTasks) AssertOwner(n Notified) LocalNotified {
	l.check()
	return assertOwner(n, l.id)
}

// CloseAndShutdownAll closes the list and shuts down every task in it; cause,
// if not nil, becomes the cancellations' Cause.
func (l *LocalOwnedTasks) CloseAndShutdownAll(cause error) {
	l.check()
	if !l.closed {
		l.closed = true
		l.cause = cause
	}
	for {
		h := l.list.PopBack()
		if h == nil {
			return
		}
		h.raw().shutdown(l.cause)
	}
}

// Each calls fn for every task in the list.
func (l *LocalOwnedTasks) Each(fn func(*Header)) {
	l.check()
	l.list.Each(fn)
}

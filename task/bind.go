package task

import "github.com/weftrt/weft/future"

// Bind creates a task that runs f on scheduler s and adds it to the list o.
//
// It returns the task's JoinHandle and, when the task was added, its first
// Notified (ok true), which the caller must hand to s.Schedule (or run). When
// o is closed the task is shut down at once: its JoinHandle reports a
// cancellation with the close's cause, and ok is false.
//
// stats, when not nil, is kept as the task's bookkeeping (spawn site, polls).
// The spawn hook of s runs before Bind returns. Bind panics if f is a nil
// pointer, function or interface, or s is nil. It allocates the JoinHandle
// (a few words); the task itself, with f stored inline, reuses the memory of
// a finished task of the same type when one is free.
func Bind[F future.Future[T], T any](o *OwnedTasks, f F, s Scheduler, stats *Stats) (jh *JoinHandle[T], n Notified, ok bool) {
	c := newCell[F, T](f, s, o.id, stats)
	if o.bind(&c.hdr) {
		return finishBind(c, true, nil)
	}
	// The cause was written before closed was set, and bind saw closed:
	// reading it now is ordered after the write.
	return finishBind(c, false, o.cause)
}

// BindLocal is Bind for a LocalOwnedTasks.
func BindLocal[F future.Future[T], T any](l *LocalOwnedTasks, f F, s Scheduler, stats *Stats) (jh *JoinHandle[T], n Notified, ok bool) {
	c := newCell[F, T](f, s, l.id, stats)
	added := l.bind(&c.hdr)
	return finishBind(c, added, l.cause)
}

func finishBind[F future.Future[T], T any](c *cell[F, T], added bool, cause error) (*JoinHandle[T], Notified, bool) {
	h := &c.hdr
	jh := newJoinHandle(&c.core)
	if !added {
		// The list's reference goes to the shutdown; the Notified's is
		// dropped unrun. Only the JoinHandle's is left.
		c.shutdown(cause)
		Notified{h: h}.Drop()
	}
	if hooks := h.sched.Hooks(); hooks != nil && hooks.OnSpawn != nil {
		runHook(hooks.OnSpawn, h)
	}
	if !added {
		return jh, Notified{}, false
	}
	return jh, Notified{h: h}, true
}

// NewUnowned creates a task that belongs to no list: a blocking task that a
// pool runs once. The UnownedTask holds two references and is notified from
// the start (so an abort before it runs only marks it cancelled, and it is
// cancelled when run); s.Schedule is never called for it. s.Release is called
// at completion and should report false.
func NewUnowned[F future.Future[T], T any](f F, s Scheduler, stats *Stats) (UnownedTask, *JoinHandle[T]) {
	c := newCell[F, T](f, s, 0, stats)
	return UnownedTask{h: &c.hdr}, newJoinHandle(&c.core)
}

// PendingLocal is a task created for a LocalOwnedTasks by a goroutine that
// may not touch the list; the goroutine that drives the list binds it with
// [LocalOwnedTasks.BindPending]. It holds the references of the list entry
// and of the first Notified until then.
type PendingLocal struct {
	h     *Header
	owner uint64 // the list it is meant for; the header's ownerID is set at bind
}

// ID returns the task's ID.
func (p PendingLocal) ID() ID { return p.h.id }

// NewLocal creates a task for l without touching l, so any goroutine may call
// it; see PendingLocal.
func NewLocal[F future.Future[T], T any](l *LocalOwnedTasks, f F, s Scheduler, stats *Stats) (PendingLocal, *JoinHandle[T]) {
	// Owner 0 until bound, so that cancelling it unbound (Cancel) never
	// touches the list.
	c := newCell[F, T](f, s, 0, stats)
	return PendingLocal{h: &c.hdr, owner: l.id}, newJoinHandle(&c.core)
}

// BindPending adds a task made by NewLocal to the list, on the list's own
// goroutine. It returns the task's first Notified (ok true), or shuts the
// task down when the list is closed (ok false). It panics when p was made
// for another list.
func (l *LocalOwnedTasks) BindPending(p PendingLocal) (Notified, bool) {
	h := p.h
	if p.owner != l.id {
		panic("task: BindPending of a task made for another list")
	}
	h.ownerID = l.id
	if l.bind(h) {
		return Notified{h: h}, true
	}
	h.typ.shutdown(h, l.cause)
	Notified{h: h}.Drop()
	return Notified{}, false
}

// Cancel shuts down a task made by NewLocal without binding it, for a list
// that has closed: its JoinHandle reports a cancellation with the given
// cause. Any goroutine may call it, since the list is not touched.
func (p PendingLocal) Cancel(cause error) {
	h := p.h
	h.typ.shutdown(h, cause)
	Notified{h: h}.Drop()
}

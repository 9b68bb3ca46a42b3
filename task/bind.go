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
// pointer, function or interface, or s is nil. It allocates once: the task,
// with f stored inline.
func Bind[F future.Future[T], T any](o *OwnedTasks, f F, s Scheduler, stats *Stats) (jh *JoinHandle[T], n Notified, ok bool) {
	c := newCell[F, T](f, s, o.id, stats)
	if !o.bind(&c.hdr) {
		// Read the cause only now: bind saw closed set, and the closer
		// wrote the cause before setting it. A task that was added must
		// not read it at all, since a concurrent close may be writing it.
		return finishBind(c, false, o.cause)
	}
	return finishBind(c, true, nil)
}

// BindLocal is Bind for a LocalOwnedTasks.
func BindLocal[F future.Future[T], T any](l *LocalOwnedTasks, f F, s Scheduler, stats *Stats) (jh *JoinHandle[T], n Notified, ok bool) {
	c := newCell[F, T](f, s, l.id, stats)
	return finishBind(c, l.bind(&c.hdr), l.cause)
}

func finishBind[F future.Future[T], T any](c *cell[F, T], added bool, cause error) (*JoinHandle[T], Notified, bool) {
	h := &c.hdr
	jh := (*JoinHandle[T])(&c.core)
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
	return UnownedTask{h: &c.hdr}, (*JoinHandle[T])(&c.core)
}

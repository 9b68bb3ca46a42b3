package task

import "github.com/weftrt/weft/future"

// Options says what Bind and the other task constructors record for a task.
// The zero value records nothing, which costs nothing.
type Options struct {
	// SpawnPC is the program counter of the spawn call (0: unknown). It is
	// kept as an index into a table of spawn sites, without allocating, and
	// reported to hooks (Meta.SpawnPC) and by Header.SpawnPC.
	SpawnPC uintptr
	// Stats turns on the task's Stats (spawn time, poll count, last poll):
	// one allocation per task and a clock read per poll.
	Stats bool
}

// Bind creates a task that runs f on scheduler s and adds it to the list o.
//
// It returns the task's JoinHandle and, when the task was added, its first
// Notified (ok true), which the caller must hand to s.Schedule (or run). When
// o is closed the task is shut down at once: its JoinHandle reports a
// cancellation with the close's cause, and ok is false.
//
// opts says what to record for the task (spawn site, stats). The spawn hook of
// s runs before Bind returns. Bind panics if f is a nil
// pointer, function or interface, or s is nil. It allocates the JoinHandle
// (a few words); the task itself, with f stored inline, reuses the memory of
// a finished task of the same type when one is free.
func Bind[F future.Future[T], T any](o *OwnedTasks, f F, s Scheduler, opts Options) (jh *JoinHandle[T], n Notified, ok bool) {
	c, cache := newCell[F, T](f, storedType[F, T](opts), o.spawnBinding(s), initialState, opts)
	if o.bind(&c.hdr) {
		return finishBind(c, cache, true, nil)
	}
	// The cause was written before closed was set, and bind saw closed:
	// reading it now is ordered after the write.
	return finishBind(c, cache, false, o.cause)
}

// BindInline is Bind for a future whose Poll method has a pointer receiver,
// stored in the task by value: it copies *f into the task's own memory and
// polls that copy at its address, so that a future with state of its own
// needs no allocation apart from the task (Bind of f would store the pointer
// and keep *f where it is). f itself is not used after BindInline returns.
// It panics if f is nil.
func BindInline[P interface {
	*F
	future.Future[T]
}, F any, T any](o *OwnedTasks, f P, s Scheduler, opts Options) (jh *JoinHandle[T], n Notified, ok bool) {
	c, cache := newCell[F, T](derefFuture(f), inlineType[F, P, T](opts), o.spawnBinding(s), initialState, opts)
	if o.bind(&c.hdr) {
		return finishBind(c, cache, true, nil)
	}
	return finishBind(c, cache, false, o.cause) // see Bind
}

// derefFuture returns *f, panicking when f is nil.
func derefFuture[F any](f *F) F {
	if f == nil {
		panic("task: spawn of a nil future")
	}
	return *f
}

// BindDetached is Bind for a task whose output nobody will read: it creates
// no JoinHandle, so with a recycled cell it does not allocate at all. The
// task starts in the state a JoinHandle's immediate Detach would leave it in
// (two references, NOTIFIED, no join interest). An AbortHandle can still be
// taken from the Notified's header before scheduling it, with
// [Notified.AbortHandle].
func BindDetached[F future.Future[T], T any](o *OwnedTasks, f F, s Scheduler, opts Options) (n Notified, ok bool) {
	c, _ := newCell[F, T](f, storedType[F, T](opts), o.spawnBinding(s), initialDetachedState, opts)
	if o.bind(&c.hdr) {
		return finishBindDetached(c, true, nil)
	}
	return finishBindDetached(c, false, o.cause)
}

// BindDetachedInline is BindDetached for a future stored by value, as
// BindInline stores it.
func BindDetachedInline[P interface {
	*F
	future.Future[T]
}, F any, T any](o *OwnedTasks, f P, s Scheduler, opts Options) (n Notified, ok bool) {
	c, _ := newCell[F, T](derefFuture(f), inlineType[F, P, T](opts), o.spawnBinding(s), initialDetachedState, opts)
	if o.bind(&c.hdr) {
		return finishBindDetached(c, true, nil)
	}
	return finishBindDetached(c, false, o.cause)
}

// BindLocal is Bind for a LocalOwnedTasks.
func BindLocal[F future.Future[T], T any](l *LocalOwnedTasks, f F, s Scheduler, opts Options) (jh *JoinHandle[T], n Notified, ok bool) {
	c, cache := newCell[F, T](f, storedType[F, T](opts), l.bindingFor(s), initialState, opts)
	added := l.bind(&c.hdr)
	return finishBind(c, cache, added, l.cause)
}

func finishBind[F any, T any](c *cell[F, T], cache *CellCache, added bool, cause error) (*JoinHandle[T], Notified, bool) {
	jh := newJoinHandle(&c.core, cache)
	n, ok := finishBindDetached(c, added, cause)
	return jh, n, ok
}

// finishBindDetached runs the spawn hook and, when the list refused the task,
// shuts it down. The Notified's reference is dropped last, after the hook:
// for a detached task it may be the last reference.
func finishBindDetached[F any, T any](c *cell[F, T], added bool, cause error) (Notified, bool) {
	h := &c.hdr
	if !added {
		// The list's reference goes to the shutdown (which runs the
		// terminate hook); the Notified's is dropped unrun below.
		(*harness[F, T])(c).shutdown(cause)
	}
	if hooks := h.sched.Hooks(); hooks != nil && hooks.OnSpawn != nil {
		runHook(hooks.OnSpawn, h)
	}
	if !added {
		Notified{h: h}.Drop()
		return Notified{}, false
	}
	return Notified{h: h}, true
}

// NewUnowned creates a task that belongs to no list: a blocking task that a
// pool runs once. The UnownedTask holds two references and is notified from
// the start (so an abort before it runs only marks it cancelled, and it is
// cancelled when run); s.Schedule is never called for it. s.Release is called
// at completion and should report false.
func NewUnowned[F future.Future[T], T any](f F, s Scheduler, opts Options) (UnownedTask, *JoinHandle[T]) {
	c, cache := newCell[F, T](f, storedType[F, T](opts), unboundFor(s), initialState, opts)
	return UnownedTask{h: &c.hdr}, newJoinHandle(&c.core, cache)
}

// PendingLocal is a task created for a LocalOwnedTasks by a goroutine that
// may not touch the list; the goroutine that drives the list binds it with
// [LocalOwnedTasks.BindPending]. It holds the references of the list entry
// and of the first Notified until then.
type PendingLocal struct {
	h     *Header
	owner uint32 // the list it is meant for; the header's binding is set at bind
}

// ID returns the task's ID.
func (p PendingLocal) ID() ID { return p.h.ID() }

// NewLocal creates a task for l without touching l, so any goroutine may call
// it; see PendingLocal.
func NewLocal[F future.Future[T], T any](l *LocalOwnedTasks, f F, s Scheduler, opts Options) (PendingLocal, *JoinHandle[T]) {
	// Owner 0 until bound, so that cancelling it unbound (Cancel) never
	// touches the list.
	c, cache := newCell[F, T](f, storedType[F, T](opts), unboundFor(s), initialState, opts)
	return PendingLocal{h: &c.hdr, owner: l.id}, newJoinHandle(&c.core, cache)
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
	h.sched = l.bindingFor(h.sched.Scheduler)
	if l.bind(h) {
		return Notified{h: h}, true
	}
	h.raw().shutdown(l.cause)
	Notified{h: h}.Drop()
	return Notified{}, false
}

// Cancel shuts down a task made by NewLocal without binding it, for a list
// that has closed: its JoinHandle reports a cancellation with the given
// cause. Any goroutine may call it, since the list is not touched.
func (p PendingLocal) Cancel(cause error) {
	h := p.h
	h.raw().shutdown(cause)
	Notified{h: h}.Drop()
}

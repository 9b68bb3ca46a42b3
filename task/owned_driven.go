package task

import (
	"cmp"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/weftrt/weft/internal/invariants"
	"github.com/weftrt/weft/internal/list"
)

/*
# A driven list: no lock for a scheduler whose tasks run on one goroutine

A current-thread scheduler runs its tasks on one goroutine at a time, the
one holding its core (the driver). Its OwnedTasks (NewDrivenOwnedTasks) is a
plain intrusive list that only the driver touches, without a lock:

 D1. Only the driver links or unlinks a task, and walks the list (Each, the
     close). The driver is whoever holds the scheduler's core; the core
     moves between goroutines through a channel, which orders one holder's
     writes before the next holder's reads. onDriver (the scheduler's)
     tells whether the caller holds it.

 D2. A task spawned on the driver is linked at once (bind). A task spawned
     by any other goroutine is not linked: it starts with the list's pending
     binding (spawnBinding: id 0, pendingOwner the list's id), and bind
     counts it in remote. Its Notified travels through the scheduler's inject queue, and the
     driver adopts it when it first takes it (Take: D6), or links it
     earlier, when it binds everything still queued (BindPendingIn, for a
     dump or the shutdown). Until then the task is NOTIFIED, so no wake and no abort
     reads its binding (they schedule only an idle task), and Remove of a
     task with id 0 returns false without looking at the list: the driver
     may rewrite Header.sched as BindPending of a LocalOwnedTasks does.

 D3. A pending task whose scheduler refuses it (its inject queue is closed)
     is cancelled by its spawner (CancelPending), never linked: the
     shutdown binds and closes what the inject queue held before it closed,
     the spawner what it could not push after.

 D4. The counters are atomic words that every goroutine may read (Len,
     Spawned): local and removed are written only by the driver (a Store of
     Load+1: nobody else writes them, D1), remote by any spawner (Add). Len
     reads removed first, so that it never counts a removal whose task it
     did not count.

 D5. A task completes off the driver in one case: a dumper on another
     goroutine holds it (Header.Trace) when it is aborted, and completes it
     as it lets go. Its Remove must not touch the list: it records the
     task as a zombie, under a mutex, and returns false, so that the list
     keeps its reference and the link. The driver unlinks the zombies (and
     drops the list's references) before it walks the list (Each) and
     before it shuts the tasks down (the close); a zombie cannot be
     recycled before that, since the list's reference keeps it. Remove
     checks closed under the mutex, and the close sets closed before it
     takes the zombies under it: a Remove after that finds the task
     already popped, or about to be popped, by the close, which then
     drops the list's reference itself.

 D6. Take gives a pending task the list's binding but does not link it:
     it puts it in the list's running slot, which counts as part of the
     list. Most such tasks complete in that first poll, and Remove then
     only empties the slot: no link, no unlink. Anything that needs the
     list as a whole (Each, the close, the zombies' reaping) and the next
     Take of a pending task first link the task in the slot, if any (flush):
     it is alive, since the list's reference is still counted, and only the
     driver touches the slot (D1). So a dump from inside that first poll,
     or a close during it, sees the task as it would a linked one.

Each and the close must be called by the driver; with invariant checks
compiled in, every call that touches the list checks it.
*/

// drivenList is the state of an OwnedTasks made by NewDrivenOwnedTasks.
type drivenList struct {
	onDriver func() bool
	list     list.List[Header] // driver only (D1)
	// running is a task taken by the driver from its inject queue and not
	// linked yet, or nil; it is part of the list (D6). Driver only.
	running *Header
	// pending is the binding of tasks spawned off the driver, until the
	// driver links them (D2).
	pending atomic.Pointer[binding]
	local   atomic.Uint64 // tasks linked at spawn; written by the driver only (D4)
	remote  atomic.Uint64 // tasks spawned off the driver (D4)
	removed atomic.Uint64 // tasks unlinked; written by the driver only (D4)

	// zombies are tasks completed off the driver, still linked (D5).
	zombies struct {
		sync.Mutex
		hs []*Header
	}
	nZombies atomic.Int64 // len(zombies.hs), for Len
}

// NewDrivenOwnedTasks returns a task list for a scheduler that runs all its
// tasks on one goroutine at a time, the driver, which onDriver recognises:
// the list has no lock, and tasks spawned by other goroutines are linked by
// the driver when it takes them from its queue (see [OwnedTasks.Take]).
// Each, Remove and the closes must be called by the driver; Len, Spawned,
// IsClosed and the binds are safe from any goroutine.
func NewDrivenOwnedTasks(onDriver func() bool) *OwnedTasks {
	if onDriver == nil {
		panic("task: NewDrivenOwnedTasks with a nil onDriver")
	}
	return &OwnedTasks{id: newOwnerID(), driven: &drivenList{onDriver: onDriver, list: list.New(headerLinks)}}
}

// check panics, with invariant checks compiled in, unless the caller is
// the driver (D1).
func (d *drivenList) check() {
	if invariants.Enabled && !d.onDriver() {
		invariants.Violated("task: driven task list used off its driver")
	}
}

// bindDriven links h when it was made on the driver, else counts it as
// pending (D2): spawnBinding gave it the pending binding, whose id is 0. It
// reports false when the list is closed.
func (o *OwnedTasks) bindDriven(d *drivenList, h *Header) bool {
	if h.sched.id != 0 {
		if o.closed.Load() {
			return false
		}
		d.list.PushFront(h)
		d.local.Store(d.local.Load() + 1)
		return true
	}
	if o.closed.Load() {
		return false
	}
	d.remote.Add(1)
	return true
}

// drivenBinding is spawnBinding for a driven list.
func (o *OwnedTasks) drivenBinding(d *drivenList, s Scheduler) *binding {
	if d.onDriver() {
		return o.bindingFor(s)
	}
	return o.pendingFor(d, s)
}

// pendingFor returns the pending binding of s: the same scheduler, in no
// list (id 0), marked as waiting for list o, and pointing at its binding to
// o.
func (o *OwnedTasks) pendingFor(d *drivenList, s Scheduler) *binding {
	if p := d.pending.Load(); p != nil && sameScheduler(p.Scheduler, s) {
		return p
	}
	b := o.bindingFor(s)
	p := &binding{Scheduler: b.Scheduler, cacher: b.cacher, pendingOwner: o.id, bound: b}
	d.pending.Store(p)
	return p
}

// Take checks that n belongs to the list and returns it to be run, linking
// it first when it was spawned off the driver (D2). For a list not made by
// NewDrivenOwnedTasks it is AssertOwner. ok is false when a pending task
// found the list closed: Take has then cancelled it and released n.
func (o *OwnedTasks) Take(n Notified) (LocalNotified, bool) {
	if n.h.sched.id == o.id {
		return LocalNotified(n), true
	}
	return o.takePending(n)
}

func (o *OwnedTasks) takePending(n Notified) (LocalNotified, bool) {
	if o.driven == nil || n.h.sched.pendingOwner != o.id {
		return assertOwner(n, o.id), true // reports the mismatch
	}
	if !o.adoptPending(n.h) {
		o.cancelUnlinked(n, o.cause)
		return LocalNotified{}, false
	}
	return LocalNotified(n), true
}

// adoptPending gives a pending task the list's binding and puts it in the
// running slot (D6), linking the slot's previous task; false when the list
// is closed.
func (o *OwnedTasks) adoptPending(h *Header) bool {
	if !o.rebindPending(h) {
		return false
	}
	d := o.driven
	d.flush()
	d.running = h
	return true
}

// flush links the task of the running slot, if any (D6). The caller is the
// driver.
func (d *drivenList) flush() {
	if h := d.running; h != nil {
		d.running = nil
		d.list.PushFront(h)
	}
}

// linkPending links a pending task on the driver, giving it the list's
// binding; false when the list is closed.
func (o *OwnedTasks) linkPending(h *Header) bool {
	if !o.rebindPending(h) {
		return false
	}
	o.driven.list.PushFront(h)
	return true
}

// rebindPending gives a pending task the list's binding, on the driver;
// false, leaving it pending, when the list is closed.
func (o *OwnedTasks) rebindPending(h *Header) bool {
	o.driven.check()
	if o.closed.Load() {
		return false
	}
	h.sched = h.sched.bound
	return true
}

// BindPendingIn links every pending task of o queued in q (the driver's own
// queues, or its inject queue under that queue's lock), so that Each and
// the close see them (D2). Only the driver calls it, before the list is
// closed; tasks of other lists and bound tasks are left alone.
func (o *OwnedTasks) BindPendingIn(q *Queue) {
	if o.driven == nil {
		return
	}
	for h := q.head; h != nil; h = h.queueNext {
		if b := h.sched; b.id == 0 && b.pendingOwner == o.id {
			o.linkPending(h) // a closed list leaves it pending: the queue's drop cancels it
		}
	}
}

// CancelPending releases n, a task that its scheduler could not queue (its
// inject queue closed after bind): a task still pending is shut down with
// the list's scheduler's shutdown cause (its JoinHandle reports the
// cancellation) and uncounted (D3); any other Notified is only dropped.
// Any goroutine may call it.
func (o *OwnedTasks) CancelPending(n Notified, cause error) {
	if o.driven != nil && n.h.sched.id == 0 && n.h.sched.pendingOwner == o.id {
		o.cancelUnlinked(n, cause)
		return
	}
	n.Drop()
}

// cancelUnlinked shuts down a pending task that will never be linked, and
// stops counting it.
func (o *OwnedTasks) cancelUnlinked(n Notified, cause error) {
	o.driven.remote.Add(^uint64(0))
	n.h.raw().shutdown(cause)
	n.Drop()
}

// removeDriven unlinks a completed task on the driver, or records it as a
// zombie off the driver (D5).
func (o *OwnedTasks) removeDriven(d *drivenList, h *Header) bool {
	if !d.onDriver() {
		d.zombies.Lock()
		if !o.closed.Load() {
			d.zombies.hs = append(d.zombies.hs, h)
			d.nZombies.Add(1)
		}
		d.zombies.Unlock()
		return false
	}
	if h == d.running {
		d.running = nil // never linked (D6)
	} else if !d.list.Remove(h) {
		return false
	}
	d.removed.Store(d.removed.Load() + 1)
	return true
}

// reapZombies unlinks the tasks completed off the driver and drops the
// list's references to them (D5). The caller is the driver.
func (d *drivenList) reapZombies() {
	if d.nZombies.Load() == 0 {
		return
	}
	d.flush() // zombies are linked tasks a dumper found (D5, D6)
	d.zombies.Lock()
	hs := d.zombies.hs
	d.zombies.hs = nil
	d.zombies.Unlock()
	for _, h := range hs {
		if d.list.Remove(h) {
			d.removed.Store(d.removed.Load() + 1)
			h.dropRef()
		}
		d.nZombies.Add(-1)
	}
}

// closeDriven shuts down every linked task, oldest first (by ID: the list
// holds tasks spawned elsewhere in the order the driver took them); the
// list is already closed. The list is put in ID order first and the tasks
// are then popped one at a time, so that a Drop that ends the goroutine
// (runtime.Goexit) leaves the rest linked for the closer that takes over.
func (o *OwnedTasks) closeDriven(d *drivenList) {
	d.check()
	d.flush()
	d.reapZombies()
	var hs []*Header
	for h := d.list.PopBack(); h != nil; h = d.list.PopBack() {
		hs = append(hs, h)
	}
	slices.SortFunc(hs, func(a, b *Header) int { return cmp.Compare(a.ID(), b.ID()) })
	for _, h := range hs {
		d.list.PushFront(h) // the least ID ends up at the back
	}
	for {
		h := d.list.PopBack()
		if h == nil {
			return
		}
		d.removed.Store(d.removed.Load() + 1)
		// The list's reference moves to the shutdown.
		h.raw().shutdown(o.cause)
	}
}

// lenDriven is Len of a driven list (D4).
func (d *drivenList) lenDriven() int {
	gone := d.removed.Load() + uint64(d.nZombies.Load())
	n := d.local.Load() + d.remote.Load() - gone
	if int64(n) < 0 {
		return 0
	}
	return int(n)
}

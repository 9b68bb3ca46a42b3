package task

import (
	"sync"
	"sync/atomic"

	"github.com/weftrt/weft/internal/list"
)

var nextOwnerID atomic.Uint32

// newOwnerID returns an id for a new task list. Ids are 32 bits (the header
// has room for no more); they would repeat only after 2^32 lists.
func newOwnerID() uint32 {
	for {
		if id := nextOwnerID.Add(1); id != 0 {
			return id
		}
	}
}

func headerLinks(h *Header) *list.Links[Header] { return &h.owned }
func headerKey(h *Header) uint64                { return uint64(h.state.load().gen()) } // the ID's low half

// OwnedTasks is the list of every live task of a runtime: tasks are bound to
// it when spawned and removed when they complete. It is what lets a runtime
// shut every task down, count its tasks, and dump them.
//
// The list is sharded: each shard has its own lock and holds the tasks whose
// ID falls in it, so spawns and completions on different workers rarely
// contend. Once closed (CloseAndShutdownAll), the list refuses new tasks: a
// task bound after that is shut down at once and its JoinHandle reports a
// cancellation with the close's cause.
//
// All methods are safe for concurrent use, except on a list made by
// NewDrivenOwnedTasks, whose Each, Remove and closes belong to its driver.
type OwnedTasks struct {
	id   uint32
	list *list.Sharded[Header] // nil when driven
	// driven, when not nil, replaces list: the list of a scheduler that
	// runs its tasks on one goroutine (NewDrivenOwnedTasks).
	driven *drivenList
	closed atomic.Bool
	// binding is the binding of the last scheduler that bound a task here
	// (in practice the only one); see bindingFor.
	binding atomic.Pointer[binding]

	closeOnce sync.Once
	cause     error // written once before closed is set; read after closed is seen
}

// NewOwnedTasks returns an empty list sized for a runtime with the given
// number of workers: the shard count is the next power of two at or above four
// times the workers (at most 65536), as in Tokio.
func NewOwnedTasks(workers int) *OwnedTasks {
	if workers < 1 {
		workers = 1
	}
	n := 1
	for n < workers {
		n <<= 1
	}
	n *= 4
	if n > 1<<16 {
		n = 1 << 16
	}
	return &OwnedTasks{id: newOwnerID(), list: list.NewSharded(n, headerLinks, headerKey)}
}

// ID returns the list's owner id, which every task bound to it records.
func (o *OwnedTasks) ID() uint64 { return uint64(o.id) }

// ShardCount returns the number of shards.
func (o *OwnedTasks) ShardCount() int {
	if o.driven != nil {
		return 1
	}
	return o.list.ShardCount()
}

// Len returns the number of tasks in the list (the runtime's alive tasks).
// It locks each shard in turn (a driven list reads its counters instead,
// and counts the tasks spawned off its driver that it has not linked yet).
func (o *OwnedTasks) Len() int {
	if d := o.driven; d != nil {
		return d.lenDriven()
	}
	return o.list.Len()
}

// IsEmpty reports whether the list holds no task.
func (o *OwnedTasks) IsEmpty() bool { return o.Len() == 0 }

// Spawned returns the number of tasks ever bound to the list.
func (o *OwnedTasks) Spawned() uint64 {
	if d := o.driven; d != nil {
		return d.local.Load() + d.remote.Load()
	}
	return o.list.Added()
}

// IsClosed reports whether the list has been closed.
func (o *OwnedTasks) IsClosed() bool { return o.closed.Load() }

// bindingFor returns the binding of tasks bound to o by s.
func (o *OwnedTasks) bindingFor(s Scheduler) *binding {
	return bindingFor(&o.binding, o.id, s)
}

// spawnBinding returns the binding a new task of s starts with: the list's,
// or for a driven list called off its driver the pending one (D2), so that
// bind finds the task's side in it and need not rewrite Header.sched.
func (o *OwnedTasks) spawnBinding(s Scheduler) *binding {
	if d := o.driven; d != nil {
		return o.drivenBinding(d, s)
	}
	return o.bindingFor(s)
}

// bind adds a new task to the list, or shuts it down when the list is
// closed. It reports whether the task was added.
func (o *OwnedTasks) bind(h *Header) bool {
	if d := o.driven; d != nil {
		return o.bindDriven(d, h)
	}
	sh := o.list.Lock(h)
	// Read closed under the shard lock: a closer sets it before it empties
	// this shard under the same lock, so either we see it, or the closer
	// sees our task.
	if o.closed.Load() {
		sh.Unlock()
		return false
	}
	o.list.PushFrontLocked(sh, h)
	sh.Unlock()
	return true
}

// Remove takes a completed task off the list and reports whether it was
// there. Schedulers call it from Scheduler.Release. It panics when the task
// belongs to another list.
func (o *OwnedTasks) Remove(t Task) bool {
	h := t.h
	if id := h.sched.id; id != o.id {
		if id == 0 {
			return false
		}
		panic("task: Remove of a task that belongs to another list")
	}
	if d := o.driven; d != nil {
		return o.removeDriven(d, h)
	}
	return o.list.Remove(h)
}

// AssertOwner checks that n was bound to this list and returns it as a
// LocalNotified that may be run. It panics when n belongs to another list.
func (o *OwnedTasks) AssertOwner(n Notified) LocalNotified { return assertOwner(n, o.id) }

// CloseAndShutdownAll closes the list and shuts down every task in it: idle
// tasks are cancelled on the spot (their futures dropped), running ones when
// their poll returns. start is the first shard to empty; workers of one
// runtime may call it concurrently with different starts. cause, if not nil,
// becomes the Cause of the cancellations (the first close's cause wins).
func (o *OwnedTasks) CloseAndShutdownAll(start int, cause error) {
	o.close(cause)
	if d := o.driven; d != nil {
		o.closeDriven(d)
		return
	}
	n := o.list.ShardCount()
	for i := 0; i < n; i++ {
		shard := start + i
		for {
			h := o.list.PopBack(shard)
			if h == nil {
				break
			}
			// The list's reference moves to the shutdown.
			h.raw().shutdown(o.cause)
		}
	}
}

// CloseAndShutdownAllInOrder is CloseAndShutdownAll in spawn order: it shuts
// the tasks down oldest first, by ID, whichever shard holds them, so that the
// order depends on the order of the spawns and not on the IDs the tasks got
// (they are process-wide). The current-thread scheduler uses it, whose order
// of polls is deterministic and whose simulation must replay a seed alike in
// any process. The order is exact when the tasks were spawned one at a time
// and nothing else completes tasks of the list meanwhile.
//
// A driven list sorts its tasks by ID for it, since it links a task
// spawned elsewhere only when its driver takes it.
func (o *OwnedTasks) CloseAndShutdownAllInOrder(cause error) {
	o.close(cause)
	if d := o.driven; d != nil {
		o.closeDriven(d)
		return
	}
	for {
		h := o.list.PopLeast()
		if h == nil {
			return
		}
		// The list's reference moves to the shutdown.
		h.raw().shutdown(o.cause)
	}
}

// close closes the list, refusing new tasks from now on; the first close's
// cause wins.
func (o *OwnedTasks) close(cause error) {
	o.closeOnce.Do(func() {
		o.cause = cause
		o.closed.Store(true)
	})
}

// Each calls fn for every task in the list, with every shard locked, so that
// fn sees one consistent set. fn must be quick and must not spawn, complete,
// or otherwise change the list, nor call Len or Spawned (they lock shards).
// On a driven list only the driver may call it.
func (o *OwnedTasks) Each(fn func(*Header)) {
	if d := o.driven; d != nil {
		d.check()
		d.flush()
		d.reapZombies()
		d.list.Each(fn)
		return
	}
	o.list.Each(fn)
}

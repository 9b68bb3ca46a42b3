package task

import (
	"runtime"
	"sync/atomic"
	"unsafe"
)

/*
Recycling task cells.

A finished task's cell (its header, output and future, one allocation) is
reused for a later task of the same type once no counted reference is left
(the generation in the state word keeps stale Wakers and AbortHandles off the
new task). Cells go back to one of two places:

  - The CellCache of the goroutine that released the last reference, when
    that goroutine runs tasks for the task's scheduler (a worker, a
    current-thread driver, a LocalSet's goroutine) and the scheduler
    implements CellCacher. A CellCache is a plain per-type stack used by its
    goroutine alone: no atomic operation, no pinning.
  - Otherwise the task type's sync.Pool, which any goroutine can reach (a
    task spawned from outside the runtime, a JoinHandle joined by a plain
    goroutine).

A new task takes a cell from the spawning goroutine's CellCache first, then
from the pool, and allocates one only when both are empty. Which of the two
a released cell goes to depends on where it came from (reuseCell).

A CellCache holds at most cellCacheCap cells per type. It gives its cells to
the types' pools (which the collector empties) when it finds that a garbage
collection has run since it last looked, so that a cache no longer used holds
its memory for one collection at most once its goroutine touches it again (a
scheduler looks at every park); sync.Pool keeps memory for about as long.
*/

// cellCacheCap is how many cells of one type a CellCache keeps: enough for
// a burst of a thousand tasks spawned and finished on one goroutine.
const cellCacheCap = 1024

// CellCacher may be implemented by a Scheduler that runs its tasks on
// goroutines of its own, to recycle task memory without synchronization.
// The task module calls CellCache when it creates or releases a task of the
// scheduler, on the goroutine doing so.
type CellCacher interface {
	// CellCache returns the cache of the calling goroutine, or nil when
	// that goroutine is not one of the scheduler's. A cache must only ever
	// be returned to one goroutine at a time (or to a coroutine that acts
	// for it while it waits, like an Async body).
	CellCache() *CellCache
}

// CellCache keeps the memory of finished tasks for reuse by one goroutine,
// one stack per task type. The zero value is an empty cache, ready to use.
// It is not safe for concurrent use; see [CellCacher].
type CellCache struct {
	stacks []cellStack // indexed by taskType.index
	epoch  uint32      // gcEpoch when the cache last gave its cells back

	// ids is the next task ID to hand out, while below idsEnd: a block of
	// IDs reserved from the process-wide counter, so that a spawn on the
	// cache's goroutine takes no atomic operation on a line every spawner
	// writes.
	ids, idsEnd ID
	// slabs are the goroutine's current JoinHandle slabs, by
	// taskType.index (newJoinHandle).
	slabs []localSlab
}

// localSlab is a JoinHandle slab (a handleSlab[T] of the type's T) that one
// goroutine hands out, without the atomic counter of a shared one.
type localSlab struct {
	s unsafe.Pointer // *handleSlab[T]
	n int32          // next free slot
}

// idBlock is how many IDs a CellCache reserves at a time.
const idBlock = 256

// nextID returns a fresh task ID.
func (c *CellCache) nextID() ID {
	if c.ids == c.idsEnd {
		c.ids = reserveIDs(idBlock)
		c.idsEnd = c.ids + idBlock
	}
	id := c.ids
	c.ids++
	return id
}

type cellStack struct {
	top *Header // linked through queueNext, which is free while cached
	n   int32
}

// get returns a cell of type tt, or nil.
func (c *CellCache) get(tt *taskType) *Header {
	if i := tt.index; i < len(c.stacks) {
		s := &c.stacks[i]
		if h := s.top; h != nil {
			if next := h.queueNext; next != nil {
				s.top = next
				h.queueNext = nil
			} else {
				s.top = nil
			}
			s.n--
			return h
		}
	}
	return nil
}

// put keeps h, a released cell, and reports whether it did.
func (c *CellCache) put(h *Header) bool {
	i := h.typ.index
	if i >= len(c.stacks) || gcEpoch.Load() != c.epoch {
		if !c.prepare(i) {
			return false
		}
	}
	s := &c.stacks[i]
	if s.n >= cellCacheCap {
		return false
	}
	h.queueNext = s.top
	s.top = h
	s.n++
	return true
}

// prepare is put's slow path: it releases the cells if a collection has run
// since the cache last looked, and makes room for type index i. It reports
// false when the cache keeps no cells of that type.
func (c *CellCache) prepare(i int) bool {
	c.Trim()
	if i >= len(c.stacks) {
		if i >= maxCachedTypes {
			return false
		}
		c.stacks = append(c.stacks, make([]cellStack, i+1-len(c.stacks))...)
	}
	return true
}

// maxCachedTypes bounds the stacks of a CellCache: task types are few, but a
// program that made thousands would otherwise give every cache a stack for
// each.
const maxCachedTypes = 256

// Len returns the number of cells the cache holds.
func (c *CellCache) Len() int {
	n := 0
	for i := range c.stacks {
		n += int(c.stacks[i].n)
	}
	return n
}

// Release gives every cell of the cache to its task type's pool, where any
// goroutine can reuse it and the garbage collector can reclaim it.
// Schedulers call it when a goroutine stops running tasks, and may call it
// whenever they park (it does nothing unless a collection has run since the
// cache last looked; see Trim).
func (c *CellCache) Release() {
	for i := range c.stacks {
		s := &c.stacks[i]
		for h := s.top; h != nil; {
			next := h.queueNext
			h.queueNext = nil
			h.toPool()
			h = next
		}
		*s = cellStack{}
	}
	clear(c.slabs)
}

// Trim releases the cache's cells if a garbage collection has run since it
// last did: a scheduler calls it before a goroutine parks, so that an idle
// runtime does not hold task memory for ever.
func (c *CellCache) Trim() {
	if e := gcEpoch.Load(); e != c.epoch {
		c.epoch = e
		c.Release()
	}
}

// gcEpoch counts garbage collections (approximately: a cleanup runs after
// each cycle that found the sentinel unreachable).
var gcEpoch atomic.Uint32

type gcSentinel struct{ _ *int }

func init() { armGCSentinel() }

// armGCSentinel registers a cleanup on a fresh, unreachable object; the
// collector runs it after the next cycle, and it bumps gcEpoch and re-arms.
func armGCSentinel() {
	runtime.AddCleanup(new(gcSentinel), func(struct{}) {
		gcEpoch.Add(1)
		armGCSentinel()
	}, struct{}{})
}

// reuseCell returns a released cell of type tt for a task bound by b, or
// nil, and whether the task's cell belongs to the CellCache of the calling
// goroutine (see below).
//
// Which cells go back to a cache. A cell that a goroutine with a cache takes
// (from its cache, or from the pool when its cache is empty) or makes goes
// back to a cache when released; a cell that a goroutine without one takes
// or makes goes back to the pool, whoever releases it. So cells follow the
// flows that use them: those of tasks spawned by a worker stay with the
// workers' caches, those of tasks spawned from outside the runtime circulate
// between the spawner and the pool, and a worker that completes the latter
// does not hoard what their spawner needs (each of its spawns would then
// allocate). A cache takes from the pool only what it lacks, for example
// after it gave its cells to the pool at a collection.
//
// It also returns that cache, nil when the goroutine has none.
func reuseCell(tt *taskType, b *binding) (*Header, *CellCache) {
	var local *CellCache
	// A pending binding is given to tasks spawned off a driven list's
	// driver (owned_driven.go, D2), whose goroutine has no cache: no need
	// to ask.
	if b.cacher != nil && b.pendingOwner == 0 {
		if c := b.cacher.CellCache(); c != nil {
			if h := c.get(tt); h != nil {
				return h, c
			}
			local = c
		}
	}
	if v := tt.pool.Get(); v != nil {
		return v.(*Header), local
	}
	return nil, local
}

// recycle keeps a cell whose task is gone (dealloc has reset it) for a later
// task of its type: in the calling goroutine's CellCache if the cell belongs
// to one and the goroutine has one for the task's scheduler, else in the
// type's pool.
func (h *Header) recycle() {
	if b := h.sched; h.cached && b != nil && b.cacher != nil {
		if c := b.cacher.CellCache(); c != nil && c.put(h) {
			// The binding stays: the cache belongs to its scheduler,
			// and the next task of the cache gets one of its own.
			return
		}
	}
	h.toPool()
}

// toPool puts h in its type's pool, without its binding, so that a cell in
// the pool does not keep a scheduler alive.
func (h *Header) toPool() {
	h.sched = nil
	h.typ.pool.Put(h)
}

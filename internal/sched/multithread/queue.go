package multithread

/*
The local run queue: a fixed ring of localCap task pointers per worker, which
the owning worker pushes to and pops from without locks, and which other
workers steal half of when they run dry. Mirrors tokio
scheduler/multi_thread/queue.rs.

head packs two 32-bit positions: steal (high half) and real (low half).
Positions count up forever (wrapping at 2^32) and map to slots modulo
localCap; being wider than the ring lets full and empty be told apart.

  - real is where the owner pops.
  - steal == real when no steal is in progress. A thief claims n tasks by
    moving real forward by n while leaving steal where it was; it copies the
    claimed slots out, then sets steal = real to finish. While a steal is in
    progress no other thief may start, and the owner may not reuse the
    claimed slots: it counts free space from steal, not from real.
  - tail is written only by the owner; thieves read it.

The positions are atomics; the slots are plain pointers, written by the
ring's owner only, and every hand-off of a slot is ordered by an atomic on a
position (Go's atomics are sequentially consistent, and the race detector
follows the same order):

  - A slot is written before the tail store that publishes it; a thief
    reads the slots it claimed only after loading a tail at or past them.
  - A thief reads its slots before its finishing CAS; the owner writes a
    slot again only once the free space it computed from a head load covers
    it, so either that load saw the finishing CAS, or the slot lies before
    every slot the thief claimed.

So a plain store does what an atomic one did, without the locked exchange
that a Go atomic store of a pointer is on amd64 (9% of a yield loop's time).
*/

import (
	"sync/atomic"

	"github.com/weftrt/weft/internal/sched"
	"github.com/weftrt/weft/internal/taskref"
	"github.com/weftrt/weft/task"
)

const (
	localCap  = 256
	localMask = localCap - 1
	localHalf = localCap / 2
)

type localQueue struct {
	head atomic.Uint64 // steal<<32 | real
	tail atomic.Uint32 // written by the owner only
	_    [64 - 12]byte
	buf  [localCap]*task.Header // see above: plain, owner-written
}

func pack(steal, real uint32) uint64 { return uint64(steal)<<32 | uint64(real) }

func unpack(v uint64) (steal, real uint32) { return uint32(v >> 32), uint32(v) }

// len returns the number of tasks the owner can pop (those claimed by an
// in-progress steal excluded).
func (q *localQueue) len() int {
	_, real := unpack(q.head.Load())
	return int(q.tail.Load() - real)
}

// remainingSlots returns how many pushes fit (slots claimed by a thief still
// count as used).
func (q *localQueue) remainingSlots() int {
	steal, _ := unpack(q.head.Load())
	return localCap - int(q.tail.Load()-steal)
}

// isEmpty reports whether the queue has nothing to pop or steal.
func (q *localQueue) isEmpty() bool { return q.len() == 0 }

// pushBackOrOverflow appends n; when the ring is full it moves half of it
// (and n) to the inject queue. Owner only. It reports whether it
// overflowed.
func (q *localQueue) pushBackOrOverflow(n task.Notified, inject *sched.Inject) (overflowed bool) {
	for {
		steal, real := unpack(q.head.Load())
		tail := q.tail.Load()
		if tail-steal < localCap {
			q.buf[tail&localMask] = n.Header()
			q.tail.Store(tail + 1)
			return false
		}
		if steal != real {
			// A thief is emptying part of the ring right now; it will
			// make room, but we cannot wait. Send just this task to the
			// global queue.
			inject.Push(n)
			return false
		}
		if q.pushOverflow(n, real, tail, inject) {
			return true
		}
		// A thief started between our load and our CAS: retry.
	}
}

// pushOverflow handles a full ring (tail-real == localCap, no steal in
// progress). It claims every slot, re-exposes the older half (the positions
// tail..tail+localHalf map to the same slots as real..real+localHalf), and
// sends the newer half plus n to the inject queue in one batch. Keeping the
// older half local means tasks that came from the inject queue (which land
// at the front) do not bounce straight back to it.
func (q *localQueue) pushOverflow(n task.Notified, real, tail uint32, inject *sched.Inject) bool {
	if !q.head.CompareAndSwap(pack(real, real), pack(tail, tail)) {
		return false
	}
	var batch task.Queue
	for i := uint32(localHalf); i < localCap; i++ {
		h := q.buf[(real+i)&localMask]
		batch.Push(taskref.FromHeader(h))
	}
	batch.Push(n)
	q.tail.Store(tail + localHalf)
	inject.PushBatch(&batch)
	return true
}

// pushBatch appends every task of b, which must fit. Owner only.
func (q *localQueue) pushBatch(b *task.Queue) {
	tail := q.tail.Load()
	for {
		n, ok := b.Pop()
		if !ok {
			break
		}
		q.buf[tail&localMask] = n.Header()
		tail++
	}
	q.tail.Store(tail)
}

// pop removes the oldest task. Owner only.
func (q *localQueue) pop() (task.Notified, bool) {
	head := q.head.Load()
	for {
		steal, real := unpack(head)
		if real == q.tail.Load() {
			return task.Notified{}, false
		}
		next := real + 1
		var nextHead uint64
		if steal == real {
			nextHead = pack(next, next)
		} else {
			// A steal is in progress: move only our half.
			nextHead = pack(steal, next)
		}
		if q.head.CompareAndSwap(head, nextHead) {
			return taskref.FromHeader(q.buf[real&localMask]), true
		}
		head = q.head.Load()
	}
}

// stealInto moves about half of q's tasks into dst (owned by the caller) and
// returns one of them to run. It gives up when dst is already more than half
// full, or when another thief is at work on q.
func (q *localQueue) stealInto(dst *localQueue) (n task.Notified, stolen int, ok bool) {
	dstTail := dst.tail.Load()
	dstSteal, _ := unpack(dst.head.Load())
	if dstTail-dstSteal > localHalf {
		return task.Notified{}, 0, false
	}
	count := q.stealInto2(dst, dstTail)
	if count == 0 {
		return task.Notified{}, 0, false
	}
	// Run the last one stolen; publish the others.
	last := count - 1
	h := dst.buf[(dstTail+last)&localMask]
	if last > 0 {
		dst.tail.Store(dstTail + last)
	}
	return taskref.FromHeader(h), int(count), true
}

func (q *localQueue) stealInto2(dst *localQueue, dstTail uint32) uint32 {
	prev := q.head.Load()
	var n uint32
	var claimed uint64
	for {
		steal, real := unpack(prev)
		if steal != real {
			return 0 // another thief
		}
		avail := q.tail.Load() - real
		n = avail - avail/2
		if n == 0 {
			return 0
		}
		if n > localHalf {
			n = localHalf
		}
		claimed = pack(steal, real+n)
		if q.head.CompareAndSwap(prev, claimed) {
			break
		}
		prev = q.head.Load()
	}
	first, _ := unpack(claimed)
	for i := uint32(0); i < n; i++ {
		dst.buf[(dstTail+i)&localMask] = q.buf[(first+i)&localMask]
	}
	// Finish the steal: steal catches up with real (which the owner may
	// have advanced meanwhile).
	prev = claimed
	for {
		_, real := unpack(prev)
		if q.head.CompareAndSwap(prev, pack(real, real)) {
			return n
		}
		prev = q.head.Load()
	}
}

// drain pops every task. Owner only (or after the owner is gone).
func (q *localQueue) drain(fn func(task.Notified)) {
	for {
		n, ok := q.pop()
		if !ok {
			return
		}
		fn(n)
	}
}

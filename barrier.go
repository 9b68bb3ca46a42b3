package weft

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/waitq"
	"github.com/weftrt/weft/internal/wakelist"
)

// Barrier lets a fixed number of tasks wait until all of them have reached
// the same point. It mirrors tokio sync/barrier.rs.
//
// The barrier works in generations. Each call to [Barrier.Wait] returns a
// future that arrives at the barrier on its first poll; the future of the
// n-th arrival of a generation completes at once as the generation's leader,
// and it releases the n-1 that arrived before it. The next arrival starts a
// new generation. Exactly one future per generation reports
// [BarrierWaitResult.IsLeader].
//
// An arrival counts even if its future is dropped before the generation is
// complete (as in Tokio): dropping a waiting future frees its place in the
// waiter list, but the barrier still needs only the remaining arrivals.
//
// A Barrier is safe for concurrent use and must not be copied after first
// use.
type Barrier struct {
	n int // arrivals per generation, at least 1; immutable

	// gen counts completed generations. Atomic; changes only under mu.
	gen atomic.Uint64

	mu struct {
		sync.Mutex
		arrived int         // arrivals in the current generation
		q       waitq.Queue // waiting futures of the current generation
	}
}

// NewBarrier returns a barrier for n tasks. An n below 1 behaves as 1 (every
// Wait completes at once as the leader), as with std's and Tokio's barriers.
func NewBarrier(n int) *Barrier {
	return &Barrier{n: max(n, 1)}
}

// Size returns the number of arrivals that complete a generation.
func (b *Barrier) Size() int { return b.n }

// Wait returns a future that arrives at the barrier on its first poll and
// completes when the last of its generation has arrived.
//
// The arrival that completes a generation synchronizes before the completion
// of every Wait future of that generation: whatever any task did before it
// arrived is visible to every task after its Wait completes.
func (b *Barrier) Wait() *BarrierWaitFuture { return &BarrierWaitFuture{b: b} }

// BarrierWaitResult is the output of a [BarrierWaitFuture].
type BarrierWaitResult struct {
	leader bool
}

// IsLeader reports whether this waiter was the one that completed its
// generation. Exactly one waiter per generation is the leader.
func (r BarrierWaitResult) IsLeader() bool { return r.leader }

// BarrierWait states.
const (
	barrierInit    uint8 = iota // not arrived yet
	barrierWaiting              // arrived, queued until gen moves past gen
	barrierDone                 // completed or dropped
)

// BarrierWaitFuture is the future returned by [Barrier.Wait]. It is fused:
// polls after completion return the same result. It is polled by one
// goroutine at a time.
//
// BarrierWaitFuture implements future.Dropper: a dropped waiting future
// leaves the barrier's waiter list (its arrival still counts).
type BarrierWaitFuture struct {
	_     syncNoCopy
	b     *Barrier
	state uint8
	res   BarrierWaitResult
	gen   uint64 // the generation it arrived in

	// w is the waiter entry; guarded by b.mu while state is barrierWaiting.
	w waitq.Waiter
}

// Poll implements future.Future. It consumes one unit of the caller's budget
// when it completes.
func (f *BarrierWaitFuture) Poll(cx *future.Context) (BarrierWaitResult, bool) {
	if f.state == barrierDone {
		return f.res, true
	}
	if !cx.ConsumeBudget() {
		return BarrierWaitResult{}, false
	}
	b := f.b
	if f.state == barrierWaiting {
		b.mu.Lock()
		if b.gen.Load() != f.gen {
			// Released. The leader may not have reached our entry yet (it
			// unlinks in batches), so unlink it here if it is still there.
			b.mu.q.Remove(&f.w)
			f.w.Waker = future.Waker{}
			b.mu.Unlock()
			f.state = barrierDone
			return f.res, true
		}
		if w := cx.Waker(); !f.w.Waker.WillWake(w) {
			f.w.Waker = w
		}
		b.mu.Unlock()
		cx.RefundBudget()
		return BarrierWaitResult{}, false
	}

	// First poll: arrive.
	b.mu.Lock()
	b.mu.arrived++
	if b.mu.arrived < b.n {
		f.gen = b.gen.Load()
		f.w.N = int64(f.gen) // lets the leader tell its generation from the next
		f.w.Waker = cx.Waker()
		b.mu.q.PushBack(&f.w)
		f.state = barrierWaiting
		b.mu.Unlock()
		cx.RefundBudget()
		return BarrierWaitResult{}, false
	}
	// We complete the generation: start the next one, which releases every
	// waiter of this one at once (they compare gen), then unlink and wake
	// them.
	b.mu.arrived = 0
	b.gen.Add(1)
	b.releaseLocked(int64(b.gen.Load() - 1))
	f.state, f.res = barrierDone, BarrierWaitResult{leader: true}
	return f.res, true
}

// releaseLocked unlinks and wakes the waiters of generation gen, which are
// at the front of the queue (later arrivals are appended behind them). It
// works in batches that fit the wake list, releasing mu to wake each batch,
// so that it never allocates and never wakes with mu held. It is called with
// mu held and returns with mu released.
func (b *Barrier) releaseLocked(gen int64) {
	for {
		var wl wakelist.List
		more := false
		for {
			w := b.mu.q.Front()
			if w == nil || w.N != gen {
				break
			}
			if wl.Full() {
				more = true
				break
			}
			b.mu.q.Remove(w)
			wl.Push(w.Waker)
			w.Waker = future.Waker{}
		}
		b.mu.Unlock()
		wl.WakeAll()
		if !more {
			return
		}
		b.mu.Lock()
	}
}

// Drop abandons f. A waiting f leaves the waiter list; its arrival still
// counts toward its generation.
func (f *BarrierWaitFuture) Drop() {
	if f.state == barrierWaiting {
		b := f.b
		b.mu.Lock()
		b.mu.q.Remove(&f.w)
		f.w.Waker = future.Waker{}
		b.mu.Unlock()
	}
	f.state = barrierDone
}

// Reset drops f (see [BarrierWaitFuture.Drop]) and makes it a new Wait of b
// that has not arrived, so that a future kept by value can wait again
// without allocating. The zero BarrierWaitFuture may be Reset.
func (f *BarrierWaitFuture) Reset(b *Barrier) {
	if f.b != nil {
		f.Drop()
	}
	f.b, f.state, f.res, f.gen = b, barrierInit, BarrierWaitResult{}, 0
	f.w = waitq.Waiter{}
}

// String describes what f waits for, for task dumps: for example
// "Barrier.Wait (3 of 5 arrived)".
// It takes the primitive's lock; it must not run concurrently with Poll,
// Reset or Drop of the same future.
func (f *BarrierWaitFuture) String() string {
	const name = "Barrier.Wait"
	switch f.state {
	case barrierInit:
		return name + " (not arrived yet)"
	case barrierDone:
		if f.res.leader {
			return name + " (done, leader)"
		}
		return name + " (done)"
	}
	b := f.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.gen.Load() != f.gen {
		return name + " (released, not polled since)"
	}
	return name + " (" + strconv.Itoa(b.mu.arrived) + " of " + strconv.Itoa(b.n) + " arrived)"
}

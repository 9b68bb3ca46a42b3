// Package wakelist collects Wakers while a lock is held so that they can be
// woken after it is released, and wakes whole waiter queues in batches. It is
// the Go form of Tokio's util::WakeList, shared by weft's channels and sync
// primitives.
//
// Waking outside the lock keeps critical sections short and keeps the lock
// order one-way: a primitive's mutex is never held while a scheduler's queue
// is touched, except when a batch overflows (see [List.Push]).
package wakelist

import (
	"sync"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/waitq"
)

// size is the number of Wakers one List holds: enough for the common cases
// (one receiver, a few senders) while keeping the List small on the stack.
const size = 16

// List is a fixed-size batch of Wakers. The zero List is empty. A List lives
// on the stack of the goroutine that fills and wakes it; it is not safe for
// concurrent use.
type List struct {
	n  int
	ws [size]future.Waker
}

// Push adds w to the batch. The zero Waker is ignored. When the batch is full,
// Push wakes w at once instead (Waking never blocks, so this is safe under a
// lock; it only lengthens the critical section in that rare case).
func (l *List) Push(w future.Waker) {
	if w.IsZero() {
		return
	}
	if l.n == size {
		w.Wake()
		return
	}
	l.ws[l.n] = w
	l.n++
}

// Full reports whether the next Push would wake inline.
func (l *List) Full() bool { return l.n == size }

// Len returns the number of Wakers in the batch.
func (l *List) Len() int { return l.n }

// WakeAll wakes every Waker in the batch and empties it. Call it after
// releasing the lock under which the batch was filled.
func (l *List) WakeAll() {
	for i := 0; i < l.n; i++ {
		w := l.ws[i]
		l.ws[i] = future.Waker{}
		w.Wake()
	}
	l.n = 0
}

// NotifyAll pops every waiter that is in q when it is called, sets its
// Notified flag and wakes it. mu guards q; it must be held on entry and is
// held again on return, but NotifyAll releases it around each batch of wakes.
//
// Waiters that join q while the lock is released are not woken: they queued
// after the change that the caller announces, so they have seen it. Waiters
// that leave q meanwhile (a dropped future) are simply gone. Every popped
// waiter is unlinked and marked before the lock is released, so a future that
// is dropped concurrently sees a consistent waiter.
func NotifyAll(mu *sync.Mutex, q *waitq.Queue) {
	budget := q.Len()
	for budget > 0 {
		var l List
		for budget > 0 && !l.Full() {
			w := q.PopFront()
			if w == nil {
				budget = 0
				break
			}
			budget--
			w.Notified = true
			l.Push(w.Waker)
		}
		if l.Len() == 0 {
			return
		}
		mu.Unlock()
		l.WakeAll()
		mu.Lock()
	}
}

// Spill is a batch of Wakers that never wakes under the lock: the first few
// fit in the Spill itself (on the caller's stack), more spill into a slice
// allocated once per batch. Use it where a critical section may release any
// number of waiters (a semaphore release, Notify.NotifyWaiters, a Barrier)
// and waking under the lock is not wanted. The zero Spill is empty; it is not
// safe for concurrent use.
type Spill struct {
	inline [8]future.Waker
	n      int
	more   []future.Waker
}

// Push adds w; the zero Waker (a waiter that never registered one) is
// skipped.
func (l *Spill) Push(w future.Waker) {
	if w.IsZero() {
		return
	}
	if l.n < len(l.inline) {
		l.inline[l.n] = w
		l.n++
		return
	}
	l.more = append(l.more, w)
}

// WakeAll wakes every collected Waker once and empties the Spill. Call it
// after releasing the lock under which the batch was filled.
func (l *Spill) WakeAll() {
	n, more := l.n, l.more
	l.n, l.more = 0, nil
	for i := range n {
		w := l.inline[i]
		l.inline[i] = future.Waker{}
		w.Wake()
	}
	for _, w := range more {
		w.Wake()
	}
}

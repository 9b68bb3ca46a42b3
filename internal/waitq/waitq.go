// Package waitq is the intrusive waiter queue behind weft's synchronization
// primitives and channels: a waiting future embeds a Waiter, links it into
// the primitive's Queue while it waits, and unlinks it when it is woken or
// dropped. Nothing allocates per wait.
//
// A Queue and the Waiters in it are guarded by the primitive's own mutex:
// every method must be called with that mutex held. The fields a primitive
// keeps in a Waiter (Waker, N, Notified) are guarded the same way.
package waitq

import "github.com/weftrt/weft/future"

// Waiter is one waiting future's entry. The zero Waiter is unlinked.
type Waiter struct {
	prev, next *Waiter
	q          *Queue

	// Waker is the waker to wake when the waiter is served.
	Waker future.Waker
	// N is a number the primitive attaches to the wait (permits wanted,
	// permits still missing).
	N int64
	// Notified is set by the primitive when it serves the waiter.
	Notified bool
}

// Linked reports whether w is in a queue.
func (w *Waiter) Linked() bool { return w.q != nil }

// Queue is a FIFO of Waiters. The zero Queue is empty.
type Queue struct {
	head, tail *Waiter
	n          int
}

// Len returns the number of waiters.
func (q *Queue) Len() int { return q.n }

// Front returns the first waiter, or nil.
func (q *Queue) Front() *Waiter { return q.head }

// Back returns the last waiter, or nil.
func (q *Queue) Back() *Waiter { return q.tail }

// Next returns the waiter after w in its queue, or nil.
func (w *Waiter) Next() *Waiter { return w.next }

// PushBack appends w, which must be unlinked.
func (q *Queue) PushBack(w *Waiter) {
	if w.q != nil {
		panic("waitq: waiter is already queued")
	}
	w.q, w.prev, w.next = q, q.tail, nil
	if q.tail == nil {
		q.head = w
	} else {
		q.tail.next = w
	}
	q.tail = w
	q.n++
}

// PushFront prepends w, which must be unlinked.
func (q *Queue) PushFront(w *Waiter) {
	if w.q != nil {
		panic("waitq: waiter is already queued")
	}
	w.q, w.prev, w.next = q, nil, q.head
	if q.head == nil {
		q.tail = w
	} else {
		q.head.prev = w
	}
	q.head = w
	q.n++
}

// Remove unlinks w from q and reports whether it was there.
func (q *Queue) Remove(w *Waiter) bool {
	if w.q != q {
		return false
	}
	if w.prev == nil {
		q.head = w.next
	} else {
		w.prev.next = w.next
	}
	if w.next == nil {
		q.tail = w.prev
	} else {
		w.next.prev = w.prev
	}
	w.q, w.prev, w.next = nil, nil, nil
	q.n--
	return true
}

// PopFront unlinks and returns the first waiter, or nil.
func (q *Queue) PopFront() *Waiter {
	w := q.head
	if w != nil {
		q.Remove(w)
	}
	return w
}

// TakeAll moves every waiter into a new queue and returns it, leaving q
// empty; the waiters' queue pointers follow them.
func (q *Queue) TakeAll() *Queue {
	out := &Queue{}
	for w := q.PopFront(); w != nil; w = q.PopFront() {
		out.PushBack(w)
	}
	return out
}

package iodriver

/*
# Waiting for readiness: the protocol between a waiter and the driver

A registration has two kinds of waiters, both guarded by mu:

  - two waker slots, reader and writer, for PollReady (hand-written futures
    and the halves of a split stream): one task per direction at a time, the
    last poll's waker wins, nothing to unlink. This is what an idle
    connection costs nothing extra for.
  - an intrusive list of Waiters, for futures that any number of tasks may
    hold at once on the same fd (Readable, Read, Accept, ...). A Waiter lives
    inside its future; linking it allocates nothing; a dropped future unlinks
    it (future.Dropper).

The rules, cited by number in the code:

 1. A waiter first reads the word. If its direction is ready (or the
    registration is closed or shut down) it does not wait.
 2. Otherwise it takes mu, stores its waker (slot) or links itself (list),
    then reads the word again before releasing mu. If the second read finds
    its direction ready, it stops waiting (unlinks itself; a stored slot
    waker may stay, a spare wake is harmless).
 3. The driver first delivers the event into the word (one CAS), then takes
    mu and takes every slot waker and every list waiter whose direction the
    new bits satisfy, marking list waiters notified and unlinking them, then
    releases mu and wakes them.
 4. Close and shutdown first set their bit in the word, then do as rule 3
    for every waiter, whatever its direction.

No wake-up is lost: a waiter's second read (rule 2) and the driver's
collection (rule 3) are both under mu, so either the read comes after the
delivery CAS and sees the bits, or the collection comes after the waiter
registered and finds it.

The decisions of the rules are pure functions of the word, in
readiness.go: Readiness.checkWait (rules 1 and 2: ready, closed, shut down
or wait) and Direction.wokenBy (rule 3: does an event satisfy a waiter).
interleave_test.go runs them, with the word's transitions, under every
interleaving of a peer, the driver, waiting readers and writers (slot and
list), a dropped waiter, Close and shutdown, and checks that no wake-up is
lost and that the fd is released exactly once, never under a system call;
with rule 2's second read left out, or the collection of rule 3 moved
before its CAS, it finds the lost wake-up.

An operation that gets EAGAIN after its direction looked ready clears the
readiness it was given (transitionClear, guarded by the tick) and waits
again; an event delivered after its read keeps the bits set, so it cannot
sleep through it.
*/

import (
	"sync"
	"sync/atomic"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/waitq"
	"github.com/weftrt/weft/internal/wakelist"
)

// Registration is one fd registered with a Driver: its readiness word and
// its waiters. It is meant to be embedded in the object that owns the fd
// (a socket), which must not be copied once registered.
type Registration struct {
	state atomic.Uint64 // a Readiness; see readiness.go
	// token identifies the registration in epoll events: the fd in the low
	// 32 bits, a registration number above. Written before the table entry
	// is published, immutable after.
	token uint64
	d     *Driver // immutable after Register

	mu      sync.Mutex
	waiters waitq.Queue  // guarded by mu: list waiters; Waiter.N holds the Direction
	reader  future.Waker // guarded by mu: PollReady(Read)'s waker
	writer  future.Waker // guarded by mu: PollReady(Write)'s waker
}

// FD returns the registered file descriptor. It stays valid while the caller
// is a user (between Acquire and Release) or the registration is not closed.
func (r *Registration) FD() int { return int(int32(uint32(r.token))) }

// Load returns the current readiness word.
func (r *Registration) Load() Readiness { return Readiness(r.state.Load()) }

// Driver returns the driver the registration belongs to.
func (r *Registration) Driver() *Driver { return r.d }

// waitOutcome turns a checkWait result other than waitPending into what
// PollReady, Ready and Await return.
func (r *Registration) waitOutcome(res waitResult, s Readiness, d Direction) (Event, error, bool) {
	switch res {
	case waitClosed:
		return Event{}, ErrClosed, true
	case waitShutdown:
		return Event{}, r.d.shutdownErr, true
	case waitReady:
		return s.event(d), nil, true
	case waitPending:
	}
	return Event{}, nil, false
}

// PollReady reports whether the fd is ready in direction d. When it is not,
// it stores cx's waker in the direction's slot (rule 2) and returns false:
// the task is woken once an event, Close or the driver's shutdown comes. Only
// one task at a time may wait on a direction through PollReady; the last
// poll's waker is the one woken. It returns the registration's error (closed,
// shut down) with true.
func (r *Registration) PollReady(cx *future.Context, d Direction) (Event, error, bool) {
	s := r.Load()
	if res := s.checkWait(d); res != waitPending { // rule 1
		return r.waitOutcome(res, s, d)
	}
	w := cx.Waker()
	r.mu.Lock()
	slot := &r.writer
	if d == Read {
		slot = &r.reader
	}
	if !slot.WillWake(w) {
		*slot = w
	}
	s = r.Load() // rule 2
	r.mu.Unlock()
	// A stored waker may stay when the wait ends here: a spare wake is
	// harmless.
	return r.waitOutcome(s.checkWait(d), s, d)
}

// Ready reports, without waiting, whether the fd is ready in direction d,
// with the event to Clear if the operation then finds EAGAIN. Like PollReady
// it returns the registration's error with true.
func (r *Registration) Ready(d Direction) (Event, error, bool) {
	s := r.Load()
	return r.waitOutcome(s.checkWait(d), s, d)
}

// Waiter is a list waiter: embed it in a future that waits for readiness and
// pass it to Await; the zero Waiter is unlinked. Its fields are guarded by
// the registration's mu while it is linked.
type Waiter struct {
	w waitq.Waiter
	// queued is owned by the future's poller: w may be in the list (the
	// driver unlinks it under mu without telling the poller).
	queued bool
}

// IsWaiting reports whether w was left waiting by its last Await. Call it
// only from the goroutine that polls the waiter's future.
func (w *Waiter) IsWaiting() bool { return w.queued }

// Await is PollReady for a future that holds w: when the fd is not ready in
// direction d it links w into the registration's list (or refreshes its
// waker if it is linked already) and returns false. Any number of waiters may
// wait at once. When it returns true, w is unlinked. A future that holds a
// linked Waiter must call Cancel when it is dropped.
func (r *Registration) Await(cx *future.Context, w *Waiter, d Direction) (Event, error, bool) {
	s := r.Load()
	if res := s.checkWait(d); res != waitPending { // rule 1
		if w.queued {
			r.Cancel(w)
		}
		return r.waitOutcome(res, s, d)
	}
	r.mu.Lock()
	w.queued = true
	if w.w.Linked() {
		if !w.w.Waker.WillWake(cx.Waker()) {
			w.w.Waker = cx.Waker()
		}
	} else {
		w.w.Notified = false
		w.w.N = int64(d)
		w.w.Waker = cx.Waker()
		r.waiters.PushBack(&w.w)
	}
	s = r.Load() // rule 2
	res := s.checkWait(d)
	if res != waitPending {
		r.waiters.Remove(&w.w)
		w.w.Waker = future.Waker{}
		w.queued = false
	}
	r.mu.Unlock()
	return r.waitOutcome(res, s, d)
}

// Cancel unlinks w if it is linked and forgets its waker. Dropped futures
// call it; it is idempotent.
func (r *Registration) Cancel(w *Waiter) {
	r.mu.Lock()
	r.waiters.Remove(&w.w)
	w.w.Waker = future.Waker{}
	w.w.Notified = false
	w.queued = false
	r.mu.Unlock()
}

// Clear drops the readiness ev reported, unless an event came in since
// (transitionClear). Call it when an operation returned EAGAIN.
func (r *Registration) Clear(ev Event) {
	for {
		s := r.Load()
		next, write := s.transitionClear(ev)
		if !write || r.state.CompareAndSwap(uint64(s), uint64(next)) {
			return
		}
	}
}

// ClearDrained is Clear for an operation that drained its direction
// without meeting EAGAIN: a read of a stream socket that returned fewer
// bytes than asked took everything the socket held, and a short write
// filled the send buffer (the kernel copies all it can). It drops only the
// READABLE or WRITABLE bit ev reported (an ERROR bit stays, so that the next
// operation reports the error), under the same tick rule, which saves the
// system call that would only have found EAGAIN. An edge-triggered event
// for data that arrives later sets the bit again.
func (r *Registration) ClearDrained(ev Event) {
	ev.Ready &= readable | writable
	r.Clear(ev)
}

// Acquire makes the caller a user of the fd for one system call; it fails
// with ErrClosed or the shutdown error. Every successful Acquire must be
// followed by Release.
func (r *Registration) Acquire() error {
	for {
		s := r.Load()
		next, res := s.transitionAcquire()
		switch res {
		case acquireClosed:
			return ErrClosed
		case acquireShutdown:
			return r.d.shutdownErr
		case acquireOK:
			if r.state.CompareAndSwap(uint64(s), uint64(next)) {
				return nil
			}
		}
	}
}

// Release ends the use that Acquire began; the last user of a closed
// registration hands the fd back.
func (r *Registration) Release() {
	for {
		s := r.Load()
		next, release := s.transitionRelease()
		if r.state.CompareAndSwap(uint64(s), uint64(next)) {
			if release {
				r.d.release(r)
			}
			return
		}
	}
}

// Close closes the registration: every waiter is woken and every later wait
// or operation fails with ErrClosed (rule 4). The fd is deregistered and
// closed now, or by the last operation in flight when it ends. Only the first
// Close does anything; it reports whether it was the first.
func (r *Registration) Close() bool {
	for {
		s := r.Load()
		next, res := s.transitionClose()
		if res == closeAgain {
			return false
		}
		if r.state.CompareAndSwap(uint64(s), uint64(next)) {
			r.wakeAll()
			if res == closeFirstRelease {
				r.d.release(r)
			}
			return true
		}
	}
}

// deliver is the driver's side of rule 3: it ORs ready into the word and
// wakes the waiters it satisfies.
func (r *Registration) deliver(ready Readiness) {
	for {
		s := r.Load()
		next := s.transitionDeliver(ready)
		if r.state.CompareAndSwap(uint64(s), uint64(next)) {
			break
		}
	}
	var l wakelist.List
	r.mu.Lock()
	if Read.wokenBy(ready) {
		l.Push(r.reader)
		r.reader = future.Waker{}
	}
	if Write.wokenBy(ready) {
		l.Push(r.writer)
		r.writer = future.Waker{}
	}
	for w := r.waiters.Front(); w != nil; {
		next := w.Next()
		if Direction(w.N).wokenBy(ready) {
			r.waiters.Remove(w)
			w.Notified = true
			wk := w.Waker
			w.Waker = future.Waker{}
			if l.Full() {
				// Rare: more than a batch of waiters on one fd. Wake
				// outside the lock in batches.
				r.mu.Unlock()
				l.WakeAll()
				r.mu.Lock()
				// The list may have changed; start again from the
				// front (woken waiters are gone from it).
				next = r.waiters.Front()
			}
			l.Push(wk)
		}
		w = next
	}
	r.mu.Unlock()
	l.WakeAll()
}

// shutdown is rule 4 for the driver's shutdown.
func (r *Registration) shutdown() {
	for {
		s := r.Load()
		next, first := s.transitionShutdown()
		if !first {
			return
		}
		if r.state.CompareAndSwap(uint64(s), uint64(next)) {
			r.wakeAll()
			return
		}
	}
}

// wakeAll wakes both slots and every list waiter (rule 4).
func (r *Registration) wakeAll() {
	var l wakelist.Spill
	r.mu.Lock()
	l.Push(r.reader)
	l.Push(r.writer)
	r.reader, r.writer = future.Waker{}, future.Waker{}
	for w := r.waiters.PopFront(); w != nil; w = r.waiters.PopFront() {
		w.Notified = true
		l.Push(w.Waker)
		w.Waker = future.Waker{}
	}
	r.mu.Unlock()
	l.WakeAll()
}

// NumWaiters returns the number of list waiters (for tests and dumps).
func (r *Registration) NumWaiters() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.waiters.Len()
}

package mpmc

import (
	"fmt"
	"sync"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/invariants"
	"github.com/weftrt/weft/internal/ringbuf"
	"github.com/weftrt/weft/internal/waitq"
	"github.com/weftrt/weft/internal/wakelist"
)

/*
# Slots and values

A channel of capacity N has N slots, and at every unlock each slot is in
exactly one place, so that free + held + buf.Len() == N:

	free   empty, and nobody holds it: TrySend and a new Send take from here
	held   granted to a waiting Send that has not run since: the Send
	       will put its value there, or give the slot back (closed, dropped)
	buf    it holds a value

Of the buffered values, promised are promised to waiting Recvs that were
woken and have not run since; the rest (buf.Len() - promised) are open to
anyone. So promised <= buf.Len().

# Handing over, oldest first

Nothing is ever taken by a newcomer while someone waits for it:

 1. A slot that empties (a receive, or a granted Send that gives its slot
    back) goes to the oldest waiting Send (held), and only when none waits
    to free. So free > 0 implies sendq is empty.
 2. A value that arrives (a send) is promised to the oldest waiting Recv,
    and a promised value that its Recv gives back (dropped before it ran)
    is promised to the next waiting Recv; only when none waits is it open.
    So buf.Len() > promised implies recvq is empty.

A granted or promised waiter is unlinked, has N = granted and Notified set,
and is woken after the unlock. It then takes any slot (held--) or the oldest
value (promised--), not one particular slot or value: they are
interchangeable, and values still leave the buffer in the order they
entered it. Go's runtime copies the value straight into a waiting
receiver's stack instead; a value kept in the buffer until its receiver
runs is what lets a receiver that is dropped after it was woken give the
value back (rule 2) without losing it or pushing it past the capacity, and
lets a dropped Send send nothing. The cost is one wake-up more in a chain
(a receive frees a slot, the woken Send pushes, a receiver waiting then is
woken), where Go moves the sender's value in the same step.

# Closing

close sets closed, once. Every waiting Send is woken (N unchanged, so it
knows whether it was granted a slot): a Send that has not completed fails
and returns its value, and a slot it was granted is passed on (rule 1:
to free, once the queue is empty). Sends after close fail at once.
Receivers keep receiving the buffered values; the channel is at its end
when it is closed and the buffer is empty (endLocked), a state it never
leaves. Every waiting Recv is woken then (N stays 0): at close if
the buffer is empty, otherwise by the receive that takes the last value.
A Recv waits on a closed channel only while every buffered value is
promised, since a promised value may still come back to it.

# Memory order

Every operation takes mu, so the Go memory model orders them: a push under
mu happens before the pop that returns its value (a send synchronizes before
the receive), the k-th pop before the (k+N)-th push (pushes - pops =
buf.Len() <= N), and close before anything that sees closed.
*/

// granted is the N of a waiter that was given what it waits for: a slot (a
// Send) or a promised value (a Recv). A waiting waiter has N == 0.
const granted = 1

// chanState is the shared state of one channel. The Sender, the Receiver
// and every future point to it.
type chanState[T any] struct {
	// bound is the capacity. Immutable.
	bound int

	// mu guards every field below. Nothing wakes while holding it, except
	// a wakelist batch that overflows (see wakelist.List.Push).
	mu sync.Mutex

	buf      ringbuf.Ring[T]
	free     int         // empty slots nobody holds
	held     int         // slots granted to waiting Sends
	promised int         // buffered values promised to waiting Recvs
	sendq    waitq.Queue // Sends waiting for a slot, oldest first
	recvq    waitq.Queue // Recvs waiting for a value, oldest first
	closed   bool        // Close was called; never cleared
}

// channel is what New allocates: the state and both handles in one object.
type channel[T any] struct {
	c  chanState[T]
	tx Sender[T]
	rx Receiver[T]
}

func newChannel[T any](capacity int) *channel[T] {
	if capacity < 1 {
		panic("mpmc: channel capacity must be at least 1")
	}
	ch := &channel[T]{}
	c := &ch.c
	c.bound, c.free = capacity, capacity
	// The ring allocates nothing yet: it grows as it fills, up to the
	// capacity, and then keeps its size (see internal/ringbuf).
	c.buf.SetLimit(capacity)
	ch.tx.c, ch.rx.c = c, c
	return ch
}

// openLocked reports whether a value is buffered that no waiting receiver
// was promised: one a newcomer may take.
func (c *chanState[T]) openLocked() bool { return c.buf.Len() > c.promised }

// endLocked reports whether the channel is closed and empty: no value can
// ever be received again.
func (c *chanState[T]) endLocked() bool { return c.closed && c.buf.Len() == 0 }

// pushLocked buffers v into a slot that the caller took from free or from
// held, and promises it to the oldest waiting receiver (rule 2), whose
// waker it returns for waking after the unlock.
func (c *chanState[T]) pushLocked(v T) future.Waker {
	c.buf.Push(v)
	return c.promiseLocked()
}

// promiseLocked promises one open buffered value to the oldest waiting
// receiver, if any, and returns its waker.
func (c *chanState[T]) promiseLocked() future.Waker {
	w := c.recvq.PopFront()
	if w == nil {
		return future.Waker{}
	}
	c.promised++
	w.N, w.Notified = granted, true
	return w.Waker
}

// popLocked takes the oldest value and passes its slot on (rule 1). It
// returns the waker of the Send granted that slot, for waking after the
// unlock. The caller either found an open value or gives up a promise.
func (c *chanState[T]) popLocked() (T, future.Waker) {
	v := c.buf.Pop()
	if c.closed {
		c.recycleAtEndLocked()
	}
	return v, c.releaseSlotLocked()
}

// recycleAtEndLocked gives the buffer's backing array back to its element
// type's pool (see package ringbuf) once the channel has reached its end:
// closed, so that no send can buffer a value again (a Send that holds a
// slot sees closed and gives the slot back), and empty. The next channel of
// the same element type that grows its buffer that far reuses the array. The
// close and the receive that takes the last value of a closed channel call
// it; an open channel's receives pay only the test of closed.
func (c *chanState[T]) recycleAtEndLocked() {
	if c.endLocked() {
		c.buf.Recycle()
	}
}

// releaseSlotLocked passes an empty slot, which the caller took out of buf
// or held, to the oldest waiting Send (rule 1), or to free.
func (c *chanState[T]) releaseSlotLocked() future.Waker {
	w := c.sendq.PopFront()
	if w == nil {
		c.free++
		return future.Waker{}
	}
	c.held++
	w.N, w.Notified = granted, true
	return w.Waker
}

// wakeReceiversAtEndLocked wakes every waiting receiver once the channel has
// reached its end. It may release mu around the wakes (wakelist.NotifyAll),
// so the caller's state must be consistent when it calls it.
func (c *chanState[T]) wakeReceiversAtEndLocked() {
	if c.recvq.Len() > 0 && c.endLocked() {
		wakelist.NotifyAll(&c.mu, &c.recvq)
	}
}

// close closes the channel: see "Closing" above.
func (c *chanState[T]) close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.recycleAtEndLocked()
	c.checkLocked()
	// Each woken Send sees closed when it runs; its N says whether it
	// holds a slot to give back.
	wakelist.NotifyAll(&c.mu, &c.sendq)
	c.wakeReceiversAtEndLocked()
	c.mu.Unlock()
}

// checkLocked verifies the accounting in race and invariants builds. The
// arguments are boxed only on failure, so that the check allocates nothing.
func (c *chanState[T]) checkLocked() {
	if !invariants.Enabled {
		return
	}
	n := c.buf.Len()
	switch {
	case c.free+c.held+n != c.bound:
		invariants.Violated("mpmc: free %d + held %d + buffered %d != capacity %d", c.free, c.held, n, c.bound)
	case c.free < 0 || c.held < 0 || c.promised < 0 || c.promised > n:
		invariants.Violated("mpmc: free %d, held %d, promised %d of %d buffered", c.free, c.held, c.promised, n)
	case c.free > 0 && c.sendq.Len() > 0:
		invariants.Violated("mpmc: %d free slots while %d sends wait", c.free, c.sendq.Len())
	case n > c.promised && c.recvq.Len() > 0:
		invariants.Violated("mpmc: %d open values while %d receivers wait", n-c.promised, c.recvq.Len())
	}
}

// describe is the String of a future of kind "Send" or "Recv": the
// channel's fill and its queues, all O(1) (a dump must stay linear in the
// number of waiters, so it does not count a waiter's place in line).
func (c *chanState[T]) describe(kind string, st waitState) string {
	c.mu.Lock()
	n, senders, receivers, closed := c.buf.Len(), c.sendq.Len(), c.recvq.Len(), c.closed
	c.mu.Unlock()
	s := fmt.Sprintf("mpmc.%s (%s; %d/%d buffered, %d senders and %d receivers waiting", kind, st, n, c.bound, senders, receivers)
	if closed {
		s += ", closed"
	}
	return s + ")"
}

// waitState is where a Send or Recv future is. It is owned by the future's
// poller (Poll, Drop, Reset and String run one at a time).
type waitState uint8

const (
	// waitIdle: not polled yet; the future holds nothing.
	waitIdle waitState = iota
	// waitWaiting: linked in its queue, or unlinked by a grant, a promise
	// or the close and not polled since. With N == granted it holds a
	// slot (Send) or a promise (Recv).
	waitWaiting
	// waitDone: completed or dropped; holds nothing.
	waitDone
)

func (s waitState) String() string {
	switch s {
	case waitIdle:
		return "not polled"
	case waitWaiting:
		return "waiting"
	case waitDone:
		return "done"
	}
	return "?"
}

// waitingFuture is what every waiting future of this package implements.
type waitingFuture[T any] interface {
	future.Future[T]
	future.Dropper
	fmt.Stringer
}

package mpsc

import (
	"sync"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/gident"
	"github.com/weftrt/weft/internal/invariants"
	"github.com/weftrt/weft/internal/waitq"
	"github.com/weftrt/weft/internal/wakelist"
)

/*
# Slots (bounded channels)

A bounded channel of capacity N has N slots, and every slot is in exactly one
of three places, so that free + held + buf.len() == N at every unlock:

	free   nobody holds it; TrySend, Reserve and Send take from here
	held   a reservation holds it: a Permit, a Send/Reserve future that was
	       granted it, or a waiting future that was granted part of its count
	buf    it holds a buffered value

Taking a value out of buf returns its slot with releaseLocked, which hands it
to the oldest waiting reservation first and only then to free. So free > 0
implies sendq is empty, and nobody can overtake a waiting sender: the
FIFO fairness Tokio's batch semaphore gives (sync/batch_semaphore.rs).

Unbounded channels have no slots: free and held stay 0 and sendq stays empty.

# Closing

The channel is closed for the receiver once it can never see another value:
buf is empty and either no sender can send (txClosed), or the Receiver closed
and no slot is held (rxClosed && held == 0: a Permit that was granted before
the close may still send, as in Tokio's recv_close_gets_none_reserved).

txClosed is set, once and for good, when holders reaches 0. holders counts
Sender handles plus Permits that still hold slots, so a Permit keeps the
channel open after the last Sender is closed (Tokio's OwnedPermit carries a
Sender for the same reason), and a WeakSender can still upgrade meanwhile.

rxClosed is set by Receiver.Close: every waiting reservation is woken to
fail (it returns what it held), new ones fail at once, and the Closed futures
of the senders complete.

# Waking

The receiver has one waker cell, rxWaker: there is one Receiver and it is
used by one goroutine or task at a time. A push takes the waker out of the
cell and wakes it after unlocking; the receiver stores it again when it finds
the buffer empty.

Two tasks receiving at once (the natural Go fan-out, several workers on one
channel) would overwrite each other's waker, and the first would never be
woken: it hung silently after the channel was closed and drained. So the cell
also records who registered (rxTask, rxG), and a registration that finds
the cell holding another waiter's waker panics (setRxWakerLocked). The cell
is emptied whenever its waiter is woken (a push, a close) or drops its
future, so a waker left there means a waiter that still waits. The check
runs only when a poll finds nothing to receive and the cell holds another
waker than the poller's: the receive of a buffered value does nothing more.

The futures are the Receiver itself, so a Drop cannot tell whose future it
drops: the Drop of a task's failed future would empty the first waiter's
registration and strand it (it never registers again). A failing task poll
therefore counts itself in rxKeep, and the next Drop that would empty the
cell leaves it alone instead. A poller that is not a task (BlockOn's future,
a Blocking method) gets no such care: its panic reaches a goroutine, which
it ends. Senders wait in sendq, FIFO, one waitq.Waiter each, with N
the number of slots still missing.
*/

// chanState is the shared state of one channel; every Sender, Permit, future
// and the Receiver point to it.
type chanState[T any] struct {
	// bound is the capacity; 0 means unbounded. Immutable.
	bound int

	// mu guards every field below. Nothing blocks or wakes while holding it,
	// except a wakelist batch that overflows (see wakelist.List.Push).
	mu sync.Mutex

	buf  ring[T]
	free int // slots nobody holds
	held int // slots held by reservations, without a value yet

	sendq   waitq.Queue // reservations waiting for slots, oldest first
	closedq waitq.Queue // Sender.Closed futures waiting for rxClosed

	rxWaker future.Waker // the receiver's registered waker, or zero
	// Who registered rxWaker (meaningful while it is not zero): the task's
	// ID, or 0 and the goroutine's identity for a poller that is not a task
	// (BlockOn's future, a Blocking method). See setRxWakerLocked.
	rxTask uint64
	rxG    uintptr
	// rxKeep counts the task polls that found another waiter registered
	// and panicked: the Drop of each such future (the harness drops a
	// failed task's future once) must leave that other waiter's
	// registration alone. See setRxWakerLocked and Receiver.unregister.
	rxKeep   int
	rxClosed bool // Receiver.Close was called

	senders  int  // open Sender and UnboundedSender handles
	holders  int  // senders plus Permits that hold slots
	txClosed bool // holders reached 0; never cleared
}

// newChan returns a channel and its two ends in one allocation: the ends
// live and die with the state anyway.
func newChan[T any, S any](bound int, tx func(c *chanState[T]) S) (*S, *Receiver[T]) {
	a := &struct {
		c  chanState[T]
		tx S
		rx Receiver[T]
	}{}
	a.c.init(bound)
	a.tx = tx(&a.c)
	a.rx.c = &a.c
	return &a.tx, &a.rx
}

// init sets up a zero chanState with one sender handle. Nothing is
// allocated for the buffer: the ring grows as it fills, up to the capacity,
// and a bounded channel keeps it at that size for good, so that sends stop
// allocating once the channel has held its largest backlog. (Tokio allocates
// one block of 32 slots with the channel.)
func (c *chanState[T]) init(bound int) {
	c.bound, c.free, c.senders, c.holders = bound, bound, 1, 1
	c.buf.SetLimit(bound)
}

// doneLocked reports whether the receiver has seen the last value.
func (c *chanState[T]) doneLocked() bool {
	if c.buf.len() > 0 {
		return false
	}
	return c.txClosed || (c.rxClosed && c.held == 0)
}

// takeRxWakerLocked empties the receiver's waker cell and returns what it
// held, to be woken after unlocking.
func (c *chanState[T]) takeRxWakerLocked() future.Waker {
	w := c.rxWaker
	if !w.IsZero() {
		// Only when there is one: every send takes the cell, and clearing
		// an empty one costs a write barrier while the collector runs.
		c.rxWaker = future.Waker{}
	}
	return w
}

// secondReceiver is the panic of a second waiter on one Receiver.
const secondReceiver = "mpsc: a second task (or goroutine) waits on a Receiver while another one waits: " +
	"a Receiver has a single consumer, and one of the two would never be woken; " +
	"for several consumers use package mpmc (github.com/weftrt/weft/mpmc), or receive in one task " +
	"and hand the values out (a Recv future that was abandoned without its Drop also looks like this)"

// setRxWakerLocked stores w, the waker of cx's poller, as the receiver's
// waker, with the poller's identity: its task ID, or for a poller that is
// not a task (cx.TaskID() is 0), its goroutine identity. When the cell holds
// the waker of another waiter, which has not been woken since it registered
// (a push or close empties the cell) nor dropped its future, two waiters
// wait at once: setRxWakerLocked unlocks c.mu and panics, and the first
// waiter stays registered. A new waker from
// the same waiter (BlockOn's future after its goroutine took the driver
// role, say) just replaces the old one. Without goroutine identity
// (gident.Supported false) two goroutines outside tasks cannot be told
// apart and are not caught.
func (c *chanState[T]) setRxWakerLocked(cx *future.Context, w future.Waker) {
	id := cx.TaskID()
	var g uintptr
	if id == 0 {
		g = gident.Effective()
	}
	if !c.rxWaker.IsZero() && (id != c.rxTask || g != c.rxG) {
		if id != 0 {
			// The task fails, and the harness drops its future: that
			// Drop must not empty the first waiter's registration.
			c.rxKeep++
		}
		c.mu.Unlock()
		panic(secondReceiver)
	}
	c.rxWaker, c.rxTask, c.rxG = w, id, g
}

// pushLocked appends v to the buffer and returns the receiver's waker.
func (c *chanState[T]) pushLocked(v T) future.Waker {
	c.buf.push(v)
	return c.takeRxWakerLocked()
}

// popLocked takes the oldest value and returns its slot (bounded channels).
// It returns the waker of a reservation that the slot completed, if any.
func (c *chanState[T]) popLocked() (T, future.Waker) {
	var v T
	w := c.popIntoLocked(&v)
	return v, w
}

// popIntoLocked is popLocked that moves the value into *p, copying it once
// (a returned value may be copied on its way out: see ring.popInto).
func (c *chanState[T]) popIntoLocked(p *T) future.Waker {
	c.buf.popInto(p)
	if c.bound == 0 {
		c.buf.release()
		return future.Waker{}
	}
	// Fast path of releaseLocked for one slot: the receiver is the caller,
	// so there is nobody else to wake.
	if w := c.sendq.Front(); w != nil {
		c.held++
		if w.N--; w.N == 0 {
			c.sendq.Remove(w)
			w.Notified = true
			return w.Waker
		}
		return future.Waker{}
	}
	c.free++
	return future.Waker{}
}

// releaseLocked returns n slots that are in no place (the caller took them
// out of held or buf): to waiting reservations, oldest first, then to free.
// Wakers of reservations that became complete, and of a receiver that now
// sees the end of a closed channel, are added to wl.
// Mirrors tokio sync/batch_semaphore.rs add_permits_locked.
func (c *chanState[T]) releaseLocked(n int, wl *wakelist.List) {
	for n > 0 {
		w := c.sendq.Front()
		if w == nil {
			break
		}
		take := min(int64(n), w.N)
		w.N -= take
		n -= int(take)
		c.held += int(take)
		if w.N == 0 {
			c.sendq.Remove(w)
			w.Notified = true
			wl.Push(w.Waker)
		}
	}
	c.free += n
	if c.rxClosed && c.doneLocked() {
		wl.Push(c.takeRxWakerLocked())
	}
}

// dropHolderLocked releases one holder (a Sender handle or a Permit). The
// last one closes the channel for the receiver, whose waker it returns.
func (c *chanState[T]) dropHolderLocked() future.Waker {
	c.holders--
	if c.holders > 0 {
		return future.Waker{}
	}
	c.txClosed = true
	c.recycleIfDeadLocked()
	return c.takeRxWakerLocked()
}

// recycleIfDeadLocked gives the buffer's backing array back to its element
// type's pool (see package ringbuf) once the channel can never carry a value
// again: closed on both sides (so no Sender, Permit or upgrade can push) and
// empty. A channel made, used and closed per request then reuses the buffer
// of the one before. Only the two closes call it, not the receives that
// empty the buffer afterwards: the hot paths stay as they are, and a buffer
// not recycled is only left to the collector.
func (c *chanState[T]) recycleIfDeadLocked() {
	if c.rxClosed && c.txClosed && c.buf.len() == 0 {
		c.buf.recycle()
	}
}

// checkLocked verifies the slot accounting in race and invariants builds.
func (c *chanState[T]) checkLocked() {
	if !invariants.Enabled {
		return
	}
	if c.bound > 0 {
		invariants.Check(c.free+c.held+c.buf.len() == c.bound,
			"mpsc: free %d + held %d + buffered %d != capacity %d", c.free, c.held, c.buf.len(), c.bound)
		invariants.Check(c.free == 0 || c.sendq.Len() == 0,
			"mpsc: %d free slots while %d reservations wait", c.free, c.sendq.Len())
	}
	invariants.Check(c.holders >= c.senders && c.senders >= 0, "mpsc: holders %d < senders %d", c.holders, c.senders)
}

// closeRx marks the receiver closed, fails every waiting reservation and
// completes every Closed future. Mirrors tokio sync/mpsc/chan.rs Rx::close.
func (c *chanState[T]) closeRx() {
	c.mu.Lock()
	if c.rxClosed {
		c.mu.Unlock()
		return
	}
	c.rxClosed = true
	c.recycleIfDeadLocked()
	// Waiting reservations see rxClosed when they run and give back what
	// they were granted; their N still says how much that is.
	wakelist.NotifyAll(&c.mu, &c.sendq)
	wakelist.NotifyAll(&c.mu, &c.closedq)
	var w future.Waker
	if c.doneLocked() {
		w = c.takeRxWakerLocked()
	}
	c.checkLocked()
	c.mu.Unlock()
	w.Wake()
}

package broadcast

import (
	"sync"

	"github.com/weftrt/weft/internal/waitq"
)

/*
# Ring and positions

Every value gets a position: 0, 1, 2, ... (the tail's pos is the next one).
The value at position p lives in slot p & mask, which records p, so a reader
can tell a current value from one of an earlier lap. Each receiver keeps the
position it reads next. For a receiver at position next, the slot at
next & mask holds:

	pos == next          the value it wants
	pos + len == next    the previous lap's value: nothing new yet
	anything else        a later lap: it lagged, and the oldest value still
	                     held is at tail.pos - len

Slots start at pos = i - len (wrapping), so a new channel looks empty.
Mirrors tokio sync/broadcast.rs (recv_ref).

# Locks

The tail lock (shared.mu) guards the tail: pos, the counts, closed and both
waiter queues. Each slot has its own mutex for its fields, so receivers read
different slots in parallel and only take the tail lock when they find no
value. The order is tail, then slot; a receiver that holds a slot lock and
needs the tail releases the slot first and checks again.

rem counts the receivers that have not read a slot's value; the last one to
read it clears the value so that the slot does not pin it. A receiver that
closes reads (and so releases) everything it had not read.
*/

// slot is one cell of the ring.
type slot[T any] struct {
	mu  sync.Mutex
	pos uint64 // position of the value held (guarded by mu)
	rem int    // receivers yet to read it (guarded by mu)
	val T      // guarded by mu
}

// shared is the channel every handle points to.
type shared[T any] struct {
	buf  []slot[T] // immutable length, a power of two
	mask uint64    // len(buf) - 1

	mu      sync.Mutex  // the tail lock; guards the fields below
	pos     uint64      // position of the next value sent
	rxCount int         // open receivers
	txCount int         // open senders
	closed  bool        // every sender closed, or no receiver open
	waiters waitq.Queue // Recv futures with nothing to read
	closedq waitq.Queue // Sender.Closed futures
}

// maxCapacity bounds the ring so that positions and lengths stay far from
// overflow.
const maxCapacity = 1 << 40

func newShared[T any](capacity int, receivers int) *shared[T] {
	if capacity < 1 {
		panic("broadcast: capacity must be at least 1")
	}
	if capacity > maxCapacity {
		panic("broadcast: capacity too large")
	}
	n := 1
	for n < capacity {
		n <<= 1
	}
	s := &shared[T]{buf: make([]slot[T], n), mask: uint64(n - 1), rxCount: receivers, txCount: 1}
	for i := range s.buf {
		s.buf[i].pos = uint64(i) - uint64(n)
	}
	s.closed = receivers == 0
	return s
}

// New returns a channel that holds up to capacity values (rounded up to a
// power of two), with one Sender and one Receiver. It panics if capacity is
// below 1 or absurdly large. The ring is allocated at once.
func New[T any](capacity int) (*Sender[T], *Receiver[T]) {
	s := newShared[T](capacity, 1)
	return &Sender[T]{s: s}, &Receiver[T]{s: s}
}

// NewSender returns a channel with one Sender and no Receiver; receivers
// come from [Sender.Subscribe]. Until then, Send fails and the Sender's
// Closed future is ready.
func NewSender[T any](capacity int) *Sender[T] {
	return &Sender[T]{s: newShared[T](capacity, 0)}
}

// newReceiverLocked adds a receiver at the tail. The tail lock is held.
func (s *shared[T]) newReceiverLocked() *Receiver[T] {
	if s.rxCount == 0 {
		// The channel reopens (a Sender exists: it is subscribing).
		s.closed = false
	}
	s.rxCount++
	return &Receiver[T]{s: s, next: s.pos}
}

package broadcast

import (
	"math/bits"
	"sync"
	"unsafe"

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

// maxRingBytes bounds the memory of a ring, which New allocates at once: 1
// GiB on 64-bit platforms, 256 MiB on 32-bit ones. Without a bound, a
// mistaken capacity (1<<40) was a fatal out-of-memory error of the whole
// process instead of a panic at the call. The bound also keeps positions and
// lengths far from overflowing int.
const maxRingBytes = 1 << (28 + 2*(bits.UintSize/64))

// tooLarge is the panic of a capacity whose ring would exceed maxRingBytes.
const tooLarge = "broadcast: capacity too large: the ring (capacity rounded up to a power of two, " +
	"times the size of a value plus about 24 bytes) would exceed 1 GiB (256 MiB on 32-bit platforms)"

func newShared[T any](capacity int, receivers int) *shared[T] {
	if capacity < 1 {
		panic("broadcast: capacity must be at least 1")
	}
	maxSlots := maxRingBytes / int(unsafe.Sizeof(slot[T]{}))
	if capacity > maxSlots {
		panic(tooLarge)
	}
	n := 1
	for n < capacity {
		n <<= 1
	}
	if n > maxSlots {
		panic(tooLarge)
	}
	s := &shared[T]{buf: make([]slot[T], n), mask: uint64(n - 1), rxCount: receivers, txCount: 1}
	for i := range s.buf {
		s.buf[i].pos = uint64(i) - uint64(n)
	}
	s.closed = receivers == 0
	return s
}

// New returns a channel that holds up to capacity values (rounded up to a
// power of two), with one Sender and one Receiver. The ring is allocated at
// once, so its size is bounded: New panics if capacity is below 1, or if the
// ring (capacity rounded up to a power of two, times the size of T plus
// about 24 bytes for each slot's lock and counters) would exceed 1 GiB (256
// MiB on 32-bit platforms): for values of 8 bytes, a capacity of 1<<25.
func New[T any](capacity int) (*Sender[T], *Receiver[T]) {
	s := newShared[T](capacity, 1)
	return &Sender[T]{s: s}, &Receiver[T]{s: s}
}

// NewSender returns a channel with one Sender and no Receiver; receivers
// come from [Sender.Subscribe]. Until then, Send fails and the Sender's
// Closed future is ready. capacity is bounded as for [New].
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

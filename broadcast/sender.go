package broadcast

import (
	"sync/atomic"

	"github.com/weftrt/weft/internal/wakelist"
)

// Sender sends values to every Receiver. It may be shared by goroutines;
// [Sender.Clone] makes another handle that counts separately. Each handle is
// closed once with [Sender.Close]. Sending on a closed handle panics. The
// zero Sender is not usable; [New] and [NewSender] make one.
type Sender[T any] struct {
	s      *shared[T]
	closed atomic.Bool
}

func (tx *Sender[T]) mustBeOpen() {
	if tx.closed.Load() {
		panic("broadcast: use of a closed Sender")
	}
}

// Send stores v for every open receiver and wakes the ones waiting, without
// ever blocking. It returns the number of receivers that will see v, or
// [ErrNoReceivers] when there is none (v is not stored). If a receiver is a
// full capacity behind, the oldest value it has not read is overwritten and
// it will report a [*LaggedError].
//
// Send synchronizes before every receive that returns v.
func (tx *Sender[T]) Send(v T) (int, error) {
	tx.mustBeOpen()
	s := tx.s
	s.mu.Lock()
	if s.rxCount == 0 {
		s.mu.Unlock()
		return 0, ErrNoReceivers
	}
	pos := s.pos
	s.pos++
	n := s.rxCount
	sl := &s.buf[pos&s.mask]
	sl.mu.Lock()
	sl.pos, sl.rem, sl.val = pos, n, v
	sl.mu.Unlock()
	if s.waiters.Len() > 0 {
		wakelist.NotifyAll(&s.mu, &s.waiters)
	}
	s.mu.Unlock()
	return n, nil
}

// Subscribe returns a new Receiver that will see the values sent from now
// on. It reopens a channel whose receivers were all closed.
func (tx *Sender[T]) Subscribe() *Receiver[T] {
	tx.mustBeOpen()
	s := tx.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newReceiverLocked()
}

// ReceiverCount returns the number of open receivers.
func (tx *Sender[T]) ReceiverCount() int {
	s := tx.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rxCount
}

// Len returns the number of values that some receiver has not read yet (at
// most the capacity).
func (tx *Sender[T]) Len() int {
	s := tx.s
	s.mu.Lock()
	defer s.mu.Unlock()
	// Values with readers left are the newest ones, contiguous up to the
	// tail: find the first of them by bisection. Mirrors tokio
	// sync/broadcast.rs Sender::len.
	base := s.pos & s.mask
	low, high := uint64(0), uint64(len(s.buf))
	for low < high {
		mid := low + (high-low)/2
		sl := &s.buf[(base+mid)&s.mask]
		sl.mu.Lock()
		rem := sl.rem
		sl.mu.Unlock()
		if rem == 0 {
			low = mid + 1
		} else {
			high = mid
		}
	}
	return len(s.buf) - int(low)
}

// IsEmpty reports whether every receiver has read every value.
func (tx *Sender[T]) IsEmpty() bool {
	s := tx.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sl := &s.buf[(s.pos-1)&s.mask]
	sl.mu.Lock()
	defer sl.mu.Unlock()
	return sl.rem == 0
}

// Clone returns a new Sender handle, to be closed on its own.
func (tx *Sender[T]) Clone() *Sender[T] {
	tx.mustBeOpen()
	s := tx.s
	s.mu.Lock()
	s.txCount++
	s.mu.Unlock()
	return &Sender[T]{s: s}
}

// Close releases this handle. When the last one closes, receivers get the
// values they have not read and then [ErrClosed]. Close is idempotent and
// synchronizes before the receive that reports ErrClosed because of it.
func (tx *Sender[T]) Close() {
	if !tx.closed.CompareAndSwap(false, true) {
		return
	}
	s := tx.s
	s.mu.Lock()
	s.txCount--
	if s.txCount == 0 {
		s.closed = true
		wakelist.NotifyAll(&s.mu, &s.waiters)
	}
	s.mu.Unlock()
}

// Closed returns a future that completes when no receiver is open. Building
// it allocates.
func (tx *Sender[T]) Closed() *ClosedFuture[T] { return &ClosedFuture[T]{s: tx.s} }

// SameChannel reports whether tx and o send on the same channel.
func (tx *Sender[T]) SameChannel(o *Sender[T]) bool { return tx.s == o.s }

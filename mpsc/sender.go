package mpsc

import (
	"context"

	"github.com/weftrt/weft/internal/gowait"
)

// Sender is a handle that sends values into a bounded channel made by [New].
// Any number of goroutines and tasks may share one Sender; [Sender.Clone]
// makes another handle that counts separately.
//
// Go has no destructors, so a Sender is released explicitly: each handle
// (the one from New and every Clone or upgrade) must be closed with
// [Sender.Close]. When the last handle is closed, and no [Permit] holds a
// slot, the receiver sees the end of the channel after the buffered values.
// A Sender that is never closed keeps the receiver waiting forever. Sending on
// a closed handle panics, as sending on a closed Go channel does.
//
// The zero Sender is not usable; [New] makes one.
type Sender[T any] struct {
	h handle[T]
}

// New returns a bounded channel that buffers up to capacity values. Senders
// wait (or TrySend fails with [ErrFull]) while the buffer is full; waiting
// senders get slots in the order they started to wait. New panics if
// capacity is below 1.
//
// New allocates no buffer: the buffer starts small on the first send (at
// most 16 values or 512 bytes) and doubles as it fills, up to capacity values.
// A bounded channel keeps its buffer once grown, so sends stop allocating
// once the channel has held its largest backlog. A buffer of 16 KiB or more
// is reused by a later channel of the same type once this one is closed on
// both sides and empty, so a channel made per request does not allocate it
// each time.
func New[T any](capacity int) (*Sender[T], *Receiver[T]) {
	if capacity < 1 {
		panic("mpsc: bounded channel capacity must be at least 1")
	}
	return newChan(capacity, func(c *chanState[T]) Sender[T] { return Sender[T]{h: handle[T]{c: c}} })
}

// Send returns a future that waits for a free slot and then buffers v. It
// completes with nil once v is buffered, or with a [*SendError] holding v
// when the Receiver is closed first. Building the future allocates it;
// polling does not, and a future kept by value and renewed with
// [SendFuture.Reset] does not allocate at all. Dropping the future before it
// completes sends nothing and gives back its place in line (or the slot it
// was granted).
//
// A Send that completes synchronizes before the receive that returns v.
func (s *Sender[T]) Send(v T) *SendFuture[T] {
	return &SendFuture[T]{s: s, v: v, acq: acquire[T]{want: 1}}
}

// TrySend buffers v if a slot is free now. It returns [ErrFull] when the
// buffer is full or other senders are waiting, and [ErrClosed] when the
// Receiver is closed; the caller keeps v in both cases. It allocates only
// when the buffer grows (see [New]).
//
// A successful TrySend synchronizes before the receive that returns v.
func (s *Sender[T]) TrySend(v T) error {
	c := s.h.c
	c.mu.Lock()
	s.h.mustBeOpenLocked()
	if c.rxClosed {
		c.mu.Unlock()
		return ErrClosed
	}
	if c.free == 0 {
		c.mu.Unlock()
		return ErrFull
	}
	c.free--
	w := c.pushLocked(v)
	c.checkLocked()
	c.mu.Unlock()
	w.Wake()
	return nil
}

// BlockingSend sends v from a plain goroutine: it blocks until v is buffered,
// the Receiver is closed ([ErrClosed]), or ctx is done (ctx.Err(); nothing is
// sent). It must not be called from inside a task, which awaits Send instead.
//
// A successful BlockingSend synchronizes before the receive that returns v.
func (s *Sender[T]) BlockingSend(ctx context.Context, v T) error {
	gowait.CheckContext(ctx)
	if err := s.TrySend(v); err != ErrFull {
		return err
	}
	err, cerr := gowait.Wait[error](ctx, s.Send(v))
	if cerr != nil {
		return cerr
	}
	if err != nil {
		return ErrClosed
	}
	return nil
}

// Reserve returns a future that waits for one free slot and holds it in a
// [Permit], so that the value can be made after the wait and sent without
// failing. Waiting reservations are served in order. The future completes
// with [ErrClosed] when the Receiver is closed first.
func (s *Sender[T]) Reserve() *ReserveFuture[T] { return s.ReserveMany(1) }

// ReserveMany is Reserve for n slots at once; the [Permit] sends n values.
// The future completes with [ErrReserveCount] if n is negative or larger than
// the capacity. ReserveMany(0) completes at once with an empty Permit unless
// the channel is closed.
func (s *Sender[T]) ReserveMany(n int) *ReserveFuture[T] {
	f := &ReserveFuture[T]{s: s}
	if n < 0 || n > s.h.c.bound {
		f.err = ErrReserveCount
	}
	f.acq.want = int64(n)
	return f
}

// TryReserve takes one free slot now and returns it in a Permit, or fails
// with [ErrFull] or [ErrClosed].
func (s *Sender[T]) TryReserve() (*Permit[T], error) { return s.TryReserveMany(1) }

// TryReserveMany takes n free slots now, or fails with [ErrFull],
// [ErrClosed], or [ErrReserveCount] (n negative or above the capacity).
func (s *Sender[T]) TryReserveMany(n int) (*Permit[T], error) {
	c := s.h.c
	c.mu.Lock()
	s.h.mustBeOpenLocked()
	switch {
	case c.rxClosed:
		c.mu.Unlock()
		return nil, ErrClosed
	case n < 0 || n > c.bound:
		c.mu.Unlock()
		return nil, ErrReserveCount
	case c.free < n:
		c.mu.Unlock()
		return nil, ErrFull
	}
	c.free -= n
	c.held += n
	p := newPermitLocked(c, n)
	c.checkLocked()
	c.mu.Unlock()
	return p, nil
}

// Clone returns a new handle on the same channel, to be closed on its own.
func (s *Sender[T]) Clone() *Sender[T] { return &Sender[T]{h: handle[T]{c: s.h.clone()}} }

// Close releases this handle. When it was the last Sender and no Permit
// holds a slot, the receiver gets the buffered values and then [ErrClosed].
// Close is idempotent, and synchronizes before the receive that reports the
// end of the channel because of it.
func (s *Sender[T]) Close() { s.h.close() }

// Closed returns a future that completes when the Receiver is closed, so a
// producer can stop early. Building it allocates.
func (s *Sender[T]) Closed() *ClosedFuture[T] { return &ClosedFuture[T]{c: s.h.c} }

// IsClosed reports whether the Receiver has been closed, after which every
// send fails. Once true it stays true.
func (s *Sender[T]) IsClosed() bool { return s.h.isClosed() }

// Capacity returns the number of free slots: the capacity minus the buffered
// values and the slots held by permits and granted to waiting futures.
func (s *Sender[T]) Capacity() int {
	c := s.h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.free
}

// MaxCapacity returns the capacity the channel was made with.
func (s *Sender[T]) MaxCapacity() int { return s.h.c.bound }

// StrongCount returns the number of open Sender handles (permits not
// counted).
func (s *Sender[T]) StrongCount() int { return s.h.strongCount() }

// Downgrade returns a [WeakSender], which does not keep the channel open.
func (s *Sender[T]) Downgrade() *WeakSender[T] { return &WeakSender[T]{c: s.h.c} }

// SameChannel reports whether s and o send into the same channel.
func (s *Sender[T]) SameChannel(o *Sender[T]) bool { return s.h.c == o.h.c }

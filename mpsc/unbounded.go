package mpsc

// UnboundedSender sends values into a channel made by [NewUnbounded], whose
// buffer grows without limit: Send never waits. It is released with
// [UnboundedSender.Close], with the same rules as [Sender]. The zero
// UnboundedSender is not usable; [NewUnbounded] makes one.
type UnboundedSender[T any] struct {
	h handle[T]
}

// NewUnbounded returns a channel without a capacity. Its memory grows with
// the number of buffered values; a buffer that grew beyond 1024 values is
// freed when the receiver drains it.
func NewUnbounded[T any]() (*UnboundedSender[T], *Receiver[T]) {
	return newChan(0, func(c *chanState[T]) UnboundedSender[T] { return UnboundedSender[T]{h: handle[T]{c: c}} })
}

// Send buffers v, or returns [ErrClosed] when the Receiver is closed (the
// caller keeps v). It never blocks; it allocates only when the buffer grows.
//
// A successful Send synchronizes before the receive that returns v.
func (s *UnboundedSender[T]) Send(v T) error {
	c := s.h.c
	c.mu.Lock()
	s.h.mustBeOpenLocked()
	if c.rxClosed {
		c.mu.Unlock()
		return ErrClosed
	}
	w := c.pushLocked(v)
	c.mu.Unlock()
	w.Wake()
	return nil
}

// Clone returns a new handle on the same channel, to be closed on its own.
func (s *UnboundedSender[T]) Clone() *UnboundedSender[T] {
	return &UnboundedSender[T]{h: handle[T]{c: s.h.clone()}}
}

// Close releases this handle; see [Sender.Close].
func (s *UnboundedSender[T]) Close() { s.h.close() }

// Closed returns a future that completes when the Receiver is closed.
func (s *UnboundedSender[T]) Closed() *ClosedFuture[T] { return &ClosedFuture[T]{c: s.h.c} }

// IsClosed reports whether the Receiver has been closed.
func (s *UnboundedSender[T]) IsClosed() bool { return s.h.isClosed() }

// StrongCount returns the number of open UnboundedSender handles.
func (s *UnboundedSender[T]) StrongCount() int { return s.h.strongCount() }

// Downgrade returns a [WeakUnboundedSender], which does not keep the channel
// open.
func (s *UnboundedSender[T]) Downgrade() *WeakUnboundedSender[T] {
	return &WeakUnboundedSender[T]{c: s.h.c}
}

// SameChannel reports whether s and o send into the same channel.
func (s *UnboundedSender[T]) SameChannel(o *UnboundedSender[T]) bool { return s.h.c == o.h.c }

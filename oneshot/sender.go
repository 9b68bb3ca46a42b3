package oneshot

// Sender is the sending end of a oneshot channel. It sends at most one value;
// [Sender.Close] releases it without sending.
//
// A Sender is used by one goroutine at a time. The zero Sender is not
// usable; [New] makes one.
type Sender[T any] channel[T]

func (s *Sender[T]) ch() *channel[T] { return (*channel[T])(s) }

// Send delivers v to the receiver and never blocks. It returns nil when the
// value is now the receiver's, even if the receiver never takes it; it returns
// a [*SendError] holding v when the Receiver was closed first.
//
// Send (and Close) may be called once: a second Send, or a Send after Close,
// panics. A successful Send synchronizes before the receive that returns v.
func (s *Sender[T]) Send(v T) error {
	c := s.ch()
	if c.txDone {
		panic("oneshot: Send on a Sender that already sent or closed")
	}
	c.txDone = true
	c.value = v
	if !c.finish(true) {
		// The receiver closed first and will never look at value.
		return &SendError[T]{Value: c.takeValue()}
	}
	return nil
}

// Close releases the Sender without sending: a receiver waiting for the value
// completes with [ErrClosed]. Close after Send, or a second Close, does
// nothing, so `defer tx.Close()` is safe. Close synchronizes before the
// receive that reports ErrClosed because of it.
func (s *Sender[T]) Close() {
	c := s.ch()
	if c.txDone {
		return
	}
	c.txDone = true
	c.finish(false)
}

// IsClosed reports whether the Receiver has been closed, so that a value sent
// now would come back in a [*SendError]. The answer may be out of date by the
// time it is used, except that once true it stays true.
func (s *Sender[T]) IsClosed() bool { return s.ch().state.load()&closed != 0 }

// Closed returns a future that completes when the Receiver is closed: a task
// can stop computing a value nobody waits for. The future shares the channel's
// memory, so Closed does not allocate; only one Closed future should be
// waiting at a time.
func (s *Sender[T]) Closed() *ClosedFuture[T] { return (*ClosedFuture[T])(s) }

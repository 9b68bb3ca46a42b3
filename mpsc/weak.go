package mpsc

// WeakSender refers to a bounded channel without keeping it open: once every
// [Sender] is closed (and no Permit holds a slot), the receiver sees the end
// of the channel and [WeakSender.Upgrade] fails from then on. An actor can keep
// a WeakSender to itself without keeping itself alive.
//
// Unlike Tokio, weak handles are not counted: the garbage collector frees
// them, so there is nothing to close.
type WeakSender[T any] struct {
	c *chanState[T]
}

// Upgrade returns a new open Sender, which must be closed, or false when the
// channel was already closed for senders.
func (w *WeakSender[T]) Upgrade() (*Sender[T], bool) {
	if !upgrade(w.c) {
		return nil, false
	}
	return &Sender[T]{h: handle[T]{c: w.c}}, true
}

// StrongCount returns the number of open Sender handles.
func (w *WeakSender[T]) StrongCount() int { return (&handle[T]{c: w.c}).strongCount() }

// WeakUnboundedSender is the [WeakSender] of an unbounded channel.
type WeakUnboundedSender[T any] struct {
	c *chanState[T]
}

// Upgrade returns a new open UnboundedSender, which must be closed, or false
// when the channel was already closed for senders.
func (w *WeakUnboundedSender[T]) Upgrade() (*UnboundedSender[T], bool) {
	if !upgrade(w.c) {
		return nil, false
	}
	return &UnboundedSender[T]{h: handle[T]{c: w.c}}, true
}

// StrongCount returns the number of open UnboundedSender handles.
func (w *WeakUnboundedSender[T]) StrongCount() int { return (&handle[T]{c: w.c}).strongCount() }

package oneshot

import "github.com/weftrt/weft/future"

// channel is the single allocation behind a oneshot channel; [Sender],
// [Receiver] and [ClosedFuture] are its pointer types under other names.
type channel[T any] struct {
	// state is the atomic flag word described in state.go.
	state stateWord

	// value is owned by the sender until the complete flag is set, and by the
	// receiver afterwards.
	value T

	// rxWaker and txWaker are the waker cells; the flags in state say who
	// may read or write them (rules 1-4 in state.go).
	rxWaker future.Waker
	txWaker future.Waker

	// txDone is owned by the sender: it has sent or closed.
	txDone bool
	// rxDone is owned by the receiver: it has taken the value or reported
	// that there is none (Tokio's "terminated").
	rxDone bool
}

// New returns the two ends of a new oneshot channel. It allocates once.
func New[T any]() (*Sender[T], *Receiver[T]) {
	c := &channel[T]{}
	return (*Sender[T])(c), (*Receiver[T])(c)
}

// finish marks the sender done: it sets complete (and hasValue when a value
// was written) unless the receiver already closed, and wakes the receiver if
// it waits. It reports whether the receiver now owns the value.
// Mirrors tokio sync/oneshot.rs Inner::complete.
func (c *channel[T]) finish(withValue bool) bool {
	set := complete
	if withValue {
		set |= hasValue
	}
	for {
		s := c.state.load()
		if s&closed != 0 {
			return false
		}
		if c.state.cas(s, s|set) {
			if s&rxTaskSet != 0 {
				// Rule 2: the receiver stored its waker and can no longer
				// replace it.
				c.rxWaker.Wake()
			}
			return true
		}
	}
}

// close sets the closed flag and returns the previous state. It wakes a
// sender waiting in Closed and clears the receiver's own waker cell when the
// sender can no longer read it. Mirrors tokio sync/oneshot.rs Inner::close.
func (c *channel[T]) close() uint32 {
	prev := c.state.or(closed)
	if prev&complete != 0 {
		return prev
	}
	if prev&txTaskSet != 0 {
		// Rule 4: the sender stored its waker and can no longer replace it.
		c.txWaker.Wake()
	}
	if prev&rxTaskSet != 0 {
		// Rule 3: the sender will never read rxWaker now.
		c.state.and(^rxTaskSet)
		c.rxWaker = future.Waker{}
	}
	return prev
}

// takeValue moves the value out. The caller is the receiver and has observed
// complete|hasValue.
func (c *channel[T]) takeValue() T {
	v := c.value
	var zero T
	c.value = zero
	return v
}

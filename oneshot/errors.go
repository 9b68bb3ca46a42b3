package oneshot

import "errors"

// ErrClosed is reported when the channel can no longer deliver a value: to
// the receiver, when the Sender was closed without sending, when the Receiver
// itself was closed before a value arrived, or when the value was already
// received; to the sender, inside a [*SendError], when the Receiver was closed.
var ErrClosed = errors.New("oneshot: channel closed")

// ErrEmpty is returned by [Receiver.TryRecv] when no value has been sent yet
// and the channel is still open.
var ErrEmpty = errors.New("oneshot: channel empty")

// SendError is returned by [Sender.Send] when the Receiver was closed before
// the value could be delivered. It hands the value back to the caller.
// errors.Is(err, ErrClosed) holds for it.
type SendError[T any] struct {
	// Value is the value that was not delivered.
	Value T
}

// Error returns the message of [ErrClosed].
func (e *SendError[T]) Error() string { return ErrClosed.Error() }

// Unwrap returns [ErrClosed].
func (e *SendError[T]) Unwrap() error { return ErrClosed }

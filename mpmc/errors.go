package mpmc

import "errors"

// ErrClosed reports that the channel is closed: to a sender, that it can no
// longer send; to a receiver, that the channel is closed and every value
// sent before has been received. A [*SendError] matches it with errors.Is.
var ErrClosed = errors.New("mpmc: channel closed")

// ErrFull is returned by [Sender.TrySend] when no slot is free: the buffer
// is full, or the room that receives made is promised to senders that were
// waiting for it.
var ErrFull = errors.New("mpmc: channel full")

// ErrEmpty is returned by [Receiver.TryRecv] when no value is there for it:
// the buffer is empty, or the values in it are promised to receivers that
// were waiting for them.
var ErrEmpty = errors.New("mpmc: channel empty")

// SendError is the error of a [SendFuture] whose value was not sent because
// the channel was closed first. It hands the value back, since the caller
// gave it to the future. errors.Is(err, ErrClosed) holds for it.
type SendError[T any] struct {
	// Value is the value that was not sent.
	Value T
}

// Error returns the message of [ErrClosed].
func (e *SendError[T]) Error() string { return ErrClosed.Error() }

// Unwrap returns [ErrClosed].
func (e *SendError[T]) Unwrap() error { return ErrClosed }

package mpsc

import "errors"

// ErrClosed reports that the channel cannot carry values any more: to a
// sender, that the Receiver was closed; to the receiver (from a Recv future,
// BlockingRecv or TryRecv), that every sender is gone and the buffer is empty. A
// [*SendError] matches it with errors.Is.
var ErrClosed = errors.New("mpsc: channel closed")

// ErrFull is returned by [Sender.TrySend] and [Sender.TryReserve] when the
// bounded channel has no free slot.
var ErrFull = errors.New("mpsc: channel full")

// ErrEmpty is returned by [Receiver.TryRecv] when no value is buffered but a
// sender may still send one.
var ErrEmpty = errors.New("mpsc: channel empty")

// ErrReserveCount is reported by [Sender.ReserveMany] and
// [Sender.TryReserveMany] for a count below zero or above the channel's
// capacity: such a reservation could never be granted.
var ErrReserveCount = errors.New("mpsc: reservation count out of range")

// SendError is the error of a [SendFuture] whose value could not be
// delivered because the Receiver was closed. It hands the value back, since
// the caller gave it to the future. errors.Is(err, ErrClosed) holds for it.
type SendError[T any] struct {
	// Value is the value that was not delivered.
	Value T
}

// Error returns the message of [ErrClosed].
func (e *SendError[T]) Error() string { return ErrClosed.Error() }

// Unwrap returns [ErrClosed].
func (e *SendError[T]) Unwrap() error { return ErrClosed }

package broadcast

import (
	"errors"
	"strconv"
)

// ErrClosed is reported to a receiver that has read every value once every
// Sender is closed.
var ErrClosed = errors.New("broadcast: channel closed")

// ErrEmpty is returned by [Receiver.TryRecv] when the receiver has read every
// value and a Sender is still open.
var ErrEmpty = errors.New("broadcast: channel empty")

// ErrNoReceivers is returned by [Sender.Send] when no Receiver is open; the
// value is not stored.
var ErrNoReceivers = errors.New("broadcast: no receivers")

// LaggedError reports that a receiver fell behind by more than the channel's
// capacity: Skipped values were overwritten before it read them. The
// receiver has moved on to the oldest value still held, so the next receive
// succeeds. Match it with errors.As.
type LaggedError struct {
	// Skipped is the number of values the receiver missed.
	Skipped uint64
}

// Error describes how far the receiver fell behind.
func (e *LaggedError) Error() string {
	return "broadcast: receiver lagged behind, " + strconv.FormatUint(e.Skipped, 10) + " values skipped"
}

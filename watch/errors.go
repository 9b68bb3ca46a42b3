package watch

import "errors"

// ErrClosed reports that the other side is gone: to a receiver, that every
// Sender is closed (and, for Changed, that the final value was seen); to
// [Sender.Send], that no Receiver is open.
var ErrClosed = errors.New("watch: channel closed")

// Package watch is a single-value channel that many receivers observe: the
// senders replace the value, and each receiver learns that it changed since
// it last looked. It is the Go form of Tokio's sync::watch, for
// configuration, state and shutdown signals.
//
//	tx, rx := watch.New(config)
//	// a task: await rx.Changed(), then read rx.BorrowAndUpdate()
//	tx.Send(newConfig)
//
// # Versions
//
// The channel counts versions: every send makes a new one. A [Receiver]
// remembers the version it has seen; [Receiver.Changed] completes as soon as
// the channel's version differs from it and marks the new one seen.
// Intermediate values may be skipped: a receiver sees the latest value, not
// every value. [Receiver.BorrowAndUpdate] reads the value and marks it seen;
// [Receiver.Borrow] only reads. A new receiver (from [Sender.Subscribe] or
// [Receiver.Clone]) starts at the current version, or at the cloned one.
//
// # Closing
//
// Go has no destructors: each Sender and each Receiver handle is released
// with Close. When the last Sender is closed, Changed reports [ErrClosed]
// once the receiver has seen the final value. When the last Receiver is
// closed, [Sender.Send] fails and [Sender.Closed] completes; a later
// Subscribe opens the channel again.
//
// # Values
//
// Borrow returns a copy of the value. When T holds pointers, slices or maps,
// the copy shares them with the channel: treat what it points to as read-only
// and send a new value instead of mutating a shared one.
package watch

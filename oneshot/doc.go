// Package oneshot is a channel for sending exactly one value from one
// producer to one consumer, the Go form of Tokio's sync::oneshot.
//
//	tx, rx := oneshot.New[int]()
//	go func() { _ = tx.Send(42) }()
//	v, err := rx.BlockingRecv(ctx) // 42, nil
//
// The [Receiver] is itself a future: a task awaits it and gets the value, or
// [ErrClosed] when the [Sender] was closed without sending. A plain goroutine
// uses [Receiver.BlockingRecv] instead. The Sender learns that nobody will
// receive with [Sender.IsClosed] or by awaiting [Sender.Closed], and gets its
// value back in a [*SendError] when it sends too late.
//
// # Closing
//
// Go has no destructors, so a handle is released explicitly: [Sender.Close]
// stands for dropping the sender (the receiver then completes with
// ErrClosed), [Receiver.Close] for dropping the receiver. A value sent before
// the receiver closed can still be received. Close the Sender on every path
// (defer tx.Close() is safe after Send), or a receiver may wait forever.
//
// # Cost
//
// [New] makes one allocation that holds the whole channel; the two handles
// and the [ClosedFuture] point into it. Polling, sending and receiving do not
// allocate. The state is one atomic word, so no lock is taken.
//
// # Concurrency
//
// Each handle is meant for one goroutine (or task) at a time: the Sender's
// methods must not run concurrently with each other, nor the Receiver's; the
// two sides may of course run concurrently with each other.
package oneshot

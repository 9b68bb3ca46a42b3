// Package broadcast is a multi-producer, multi-consumer channel in which
// every receiver sees every value, the Go form of Tokio's sync::broadcast.
//
//	tx, rx1 := broadcast.New[Event](64)
//	rx2 := tx.Subscribe()
//	n, err := tx.Send(ev) // n receivers will see ev
//
// The channel keeps the last capacity values (rounded up to a power of two)
// in a ring. A [Receiver] reads them in order at its own pace. Sending never
// waits: when a receiver falls more than capacity values behind, the oldest
// values are overwritten, and its next receive reports a [*LaggedError] with
// the number of values it skipped, then continues with the oldest value still
// held. A receiver starts with the values sent after it subscribed.
//
// # Closing
//
// Go has no destructors: every [Sender] handle and every Receiver is released
// with Close. When the last Sender is closed, receivers get the values they
// have not read yet and then [ErrClosed]. When the last Receiver is closed,
// Send fails with [ErrNoReceivers] until a new one subscribes.
//
// # Values
//
// Each receiver gets a copy of the value. When T holds pointers, slices or
// maps, the copies share what they point to, so treat it as read-only. A slot
// lets go of its value once every receiver has read it.
//
// # Futures
//
// [Receiver.Recv] returns the Receiver under another name: receiving never
// allocates, and a Receiver is used by one goroutine or task at a time.
// Waiting futures implement future.Dropper and consume one unit of the task's
// cooperative budget when they complete.
package broadcast

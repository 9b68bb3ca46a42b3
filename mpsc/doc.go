// Package mpsc is a multi-producer, single-consumer FIFO channel, the Go form
// of Tokio's sync::mpsc.
//
//	tx, rx := mpsc.New[int](16) // bounded: senders wait while 16 values are buffered
//	defer tx.Close()
//
// A bounded channel ([New]) gives back-pressure: [Sender.Send] is a future
// that waits for a free slot, [Sender.TrySend] fails with [ErrFull], and
// [Sender.Reserve] obtains a [Permit] to send later without failing. Senders
// that wait are served in the order they started to wait. An unbounded
// channel ([NewUnbounded]) never makes a sender wait.
//
// The [Receiver] receives with the [Receiver.Recv] future (or
// [Receiver.RecvMany] for batches) inside a task, with [Receiver.TryRecv]
// anywhere, and with [Receiver.BlockingRecv] from a plain goroutine.
// [Sender.BlockingSend] is the goroutine form of Send. There is a single
// consumer: two tasks (or goroutines) waiting on one Receiver at once make
// the second one's poll panic. For several consumers (Go channel semantics)
// use package mpmc.
//
// # Closing
//
// Go has no destructors, so handles are released explicitly. Every sender
// handle ([New]'s, each [Sender.Clone], each [WeakSender.Upgrade]) is closed
// once with Close; after the last one (and the last [Permit] holding a slot),
// the receiver gets the buffered values and then [ErrClosed]. A sender that is
// never closed keeps the receiver waiting. [Receiver.Close] makes every send
// fail while the buffered values stay receivable.
//
// # Values and errors
//
// A value is handed back in an error only where the caller gave it away: the
// [SendFuture] reports a [*SendError] holding it. TrySend, BlockingSend and
// UnboundedSender.Send return plain [ErrClosed] or [ErrFull], since the caller
// still has its value. errors.Is(err, ErrClosed) works in all cases.
//
// # Futures
//
// Every future here implements future.Dropper: a task that is aborted while
// waiting gives back its place in line and any slot it was granted. Futures
// consume one unit of the task's cooperative budget when they complete, and
// never allocate when polled. Send and Reserve allocate their future when
// built (a [SendFuture] kept by value and renewed with [SendFuture.Reset]
// does not); Recv and RecvMany do not (they are the Receiver under other
// names).
package mpsc

// Package mpmc is a bounded multi-producer, multi-consumer FIFO channel with
// Go channel semantics, for weft tasks and goroutines alike: any number of
// them send and receive on one channel at once, each value is received
// exactly once, and closing wakes everyone. It is the channel for a pool of
// workers fed from one queue, which package mpsc (one receiver) is not.
//
//	tx, rx := mpmc.New[Job](64)
//	for range 8 {
//		weft.Spawn(rt, worker(rx)) // each awaits rx.Recv() until ErrClosed
//	}
//	// producers: await tx.Send(job), or tx.BlockingSend(ctx, job)
//	tx.Close() // the workers drain what is buffered, then stop
//
// # Sharing, not cloning
//
// [New] returns a [Sender] and a [Receiver], the two directions of one
// channel, like Go's `chan<- T` and `<-chan T`. Each is a shared value, as a
// Go channel is: hand the same pointer to every task and goroutine that
// sends or receives. There is no Clone and no count of handles, and the
// channel does not close itself when its users are gone; [Sender.Close]
// closes it, once, after the last send, as close(ch) does (several
// producers close after a sync.WaitGroup or a JoinSet says they are done).
// Package mpsc counts Sender clones and closes on the last one; a clone that
// is never closed then keeps every receiver waiting for ever, the kind of
// hang a Go program does not expect.
//
// # Operations
//
// Inside a task, await [Sender.Send] and [Receiver.Recv]; from a goroutine,
// call [Sender.BlockingSend] and [Receiver.BlockingRecv] with a
// context.Context; anywhere, [Sender.TrySend] and [Receiver.TryRecv] never
// wait. Len, Cap and IsClosed observe the channel from either side.
//
// # Fairness
//
// Senders waiting for room and receivers waiting for a value are each served
// in the order they started to wait: room made by a receive goes to the
// sender that has waited longest, and a value sent while receivers wait is
// promised to the receiver that has waited longest. TrySend and TryRecv never
// take what is promised to a waiter. Values leave the channel in the order
// they entered it; values of one sender arrive in the order it sent them.
//
// # Closing
//
// [Sender.Close] wakes every waiting sender: a send that has not completed,
// and every send after Close, fails; the [SendFuture] reports a
// [*SendError] holding the value, TrySend and BlockingSend return
// [ErrClosed] (the caller still has the value). Receivers first get every
// value buffered before the close, then ErrClosed; each waiting receiver is
// woken as soon as nothing is left for it (at once when the buffer is
// empty). Unlike Go, a send after close does not panic, and Close is
// idempotent.
//
// # Memory model
//
// As with Go's buffered channels: a send synchronizes before the completion
// of the receive that returns its value; the k-th receive from a channel of
// capacity C synchronizes before the completion of the (k+C)-th send; Close
// synchronizes before every receive that reports ErrClosed because of it.
//
// # Futures
//
// [SendFuture] and [RecvFuture] implement future.Dropper: a task that is
// aborted while it waits gives back its place in line, and room or a value
// that was already handed to it goes to the next waiter, so nothing leaks
// and no value is lost. They consume one unit of the task's cooperative
// budget when they complete, and describe themselves in task dumps (String).
// Building one with Send or Recv allocates it; a future kept by value and
// renewed with Reset sends or receives without allocating, and so does every
// poll and every wake.
package mpmc

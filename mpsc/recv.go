package mpsc

import "github.com/weftrt/weft/future"

// Every waiting future is a Future, a Dropper and a Stringer.
var _ waitingFuture[future.Result[int]] = (*RecvFuture[int])(nil)
var _ waitingFuture[[]int] = (*RecvManyFuture[int])(nil)

// RecvFuture is the future returned by [Receiver.Recv]. It is the Receiver
// under another name: it costs no allocation, and polling it again after it
// completed receives the next value. Its output is the value, or [ErrClosed]
// at the end of the channel. It implements [future.Dropper]: Drop withdraws
// the receiver's waker.
type RecvFuture[T any] Receiver[T]

// Poll receives a value if one is buffered, and otherwise registers the
// waker. It consumes one unit of the task's budget when it completes.
func (f *RecvFuture[T]) Poll(cx *future.Context) (future.Result[T], bool) {
	return (*Receiver[T])(f).pollRecv(cx)
}

// Drop withdraws the waker, so that the next send wakes nobody.
func (f *RecvFuture[T]) Drop() { (*Receiver[T])(f).unregister() }

// String describes what the future waits for.
func (f *RecvFuture[T]) String() string { return "mpsc.Recv" }

// RecvManyFuture is the future returned by [Receiver.RecvMany]: the Receiver
// under another name, holding the buffer and limit of the last RecvMany call.
// Its output is that buffer with the received values appended. It implements
// [future.Dropper]: Drop withdraws the receiver's waker.
type RecvManyFuture[T any] Receiver[T]

// Poll appends up to the limit of buffered values, or waits for one. It
// consumes one unit of the task's budget when it completes.
func (f *RecvManyFuture[T]) Poll(cx *future.Context) ([]T, bool) {
	return (*Receiver[T])(f).pollRecvMany(cx)
}

// Drop withdraws the waker and forgets the buffer.
func (f *RecvManyFuture[T]) Drop() {
	r := (*Receiver[T])(f)
	r.manyBuf = nil
	r.unregister()
}

// String describes what the future waits for.
func (f *RecvManyFuture[T]) String() string { return "mpsc.RecvMany" }

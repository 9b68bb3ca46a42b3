package broadcast

import (
	"fmt"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/waitq"
)

// Every waiting future is a Future, a Dropper and a Stringer.
var _ waitingFuture[future.Result[int]] = (*RecvFuture[int])(nil)
var _ waitingFuture[struct{}] = (*ClosedFuture[int])(nil)

// RecvFuture is the future returned by [Receiver.Recv]: the Receiver under
// another name. Its output is the next value, or a [*LaggedError], or
// [ErrClosed]. Polling it again after it completed receives the next value.
// It implements [future.Dropper]: Drop unlinks it.
type RecvFuture[T any] Receiver[T]

// Poll reads the next value or waits for one. It consumes one unit of the
// task's budget when it completes.
func (f *RecvFuture[T]) Poll(cx *future.Context) (future.Result[T], bool) {
	if !cx.ConsumeBudget() {
		return future.Result[T]{}, false
	}
	r := (*Receiver[T])(f)
	v, err := r.recv(cx)
	if err == ErrEmpty {
		cx.RefundBudget()
		return future.Result[T]{}, false
	}
	return future.Result[T]{Value: v, Err: err}, true
}

// Drop unlinks the future if it waits.
func (f *RecvFuture[T]) Drop() { (*Receiver[T])(f).leave() }

// String describes what the future waits for.
func (f *RecvFuture[T]) String() string { return "broadcast.Recv" }

// ClosedFuture is the future returned by [Sender.Closed]: it completes when
// no Receiver is open. It implements [future.Dropper]: Drop unlinks it.
type ClosedFuture[T any] struct {
	s *shared[T]
	w waitq.Waiter // guarded by s.mu
}

// Poll completes when no receiver is open, and waits again if the channel
// was reopened before it could see that. It consumes one unit of the task's
// budget when it completes.
func (f *ClosedFuture[T]) Poll(cx *future.Context) (struct{}, bool) {
	if !cx.ConsumeBudget() {
		return struct{}{}, false
	}
	s := f.s
	s.mu.Lock()
	if s.rxCount == 0 {
		s.closedq.Remove(&f.w)
		s.mu.Unlock()
		return struct{}{}, true
	}
	f.w.Waker = cx.Waker()
	if !f.w.Linked() {
		s.closedq.PushBack(&f.w)
	}
	s.mu.Unlock()
	cx.RefundBudget()
	return struct{}{}, false
}

// Drop unlinks the future if it waits.
func (f *ClosedFuture[T]) Drop() {
	s := f.s
	s.mu.Lock()
	s.closedq.Remove(&f.w)
	f.w.Waker = future.Waker{}
	s.mu.Unlock()
}

// String describes what the future waits for.
func (f *ClosedFuture[T]) String() string { return "broadcast.Closed" }

// waitingFuture is what every waiting future of this package implements.
type waitingFuture[T any] interface {
	future.Future[T]
	future.Dropper
	fmt.Stringer
}

package watch

import (
	"fmt"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/waitq"
)

// Every waiting future is a Future, a Dropper and a Stringer.
var _ waitingFuture[error] = (*ChangedFuture[int])(nil)
var _ waitingFuture[future.Result[int]] = (*WaitForFuture[int])(nil)
var _ waitingFuture[struct{}] = (*ClosedFuture[int])(nil)

// ChangedFuture is the future returned by [Receiver.Changed]: the Receiver
// under another name. Its output is nil when a new value is there (now marked
// seen), or [ErrClosed]. It implements [future.Dropper]: Drop unlinks it.
type ChangedFuture[T any] Receiver[T]

// Poll completes when the value changed or the channel closed. It consumes
// one unit of the task's budget when it completes.
func (f *ChangedFuture[T]) Poll(cx *future.Context) (error, bool) {
	if !cx.ConsumeBudget() {
		return nil, false
	}
	err, ok := (*Receiver[T])(f).pollChanged(cx)
	if !ok {
		cx.RefundBudget()
	}
	return err, ok
}

// Drop unlinks the future if it waits.
func (f *ChangedFuture[T]) Drop() { (*Receiver[T])(f).leave() }

// String describes what the future waits for.
func (f *ChangedFuture[T]) String() string { return "watch.Changed" }

// WaitForFuture is the future returned by [Receiver.WaitFor]: the Receiver
// under another name, holding the predicate. Its output is the first value
// that satisfies the predicate, or [ErrClosed]. It implements
// [future.Dropper]: Drop unlinks it.
type WaitForFuture[T any] Receiver[T]

// Poll tests new values against the predicate until one passes. It
// consumes one unit of the task's budget when it completes.
func (f *WaitForFuture[T]) Poll(cx *future.Context) (future.Result[T], bool) {
	if !cx.ConsumeBudget() {
		return future.Result[T]{}, false
	}
	r, ok := (*Receiver[T])(f).pollWaitFor(cx)
	if !ok {
		cx.RefundBudget()
	}
	return r, ok
}

// Drop unlinks the future if it waits and forgets the predicate.
func (f *WaitForFuture[T]) Drop() {
	r := (*Receiver[T])(f)
	r.pred = nil
	r.leave()
}

// String describes what the future waits for.
func (f *WaitForFuture[T]) String() string { return "watch.WaitFor" }

// ClosedFuture is the future returned by [Sender.Closed]: it completes when
// every Receiver is closed. It implements [future.Dropper]: Drop unlinks it.
type ClosedFuture[T any] struct {
	s *shared[T]
	w waitq.Waiter // guarded by s.mu
}

// Poll completes when no Receiver is open. It consumes one unit of the
// task's budget when it completes. Mirrors tokio sync/watch.rs
// Sender::closed.
func (f *ClosedFuture[T]) Poll(cx *future.Context) (struct{}, bool) {
	if !cx.ConsumeBudget() {
		return struct{}{}, false
	}
	s := f.s
	s.mu.Lock()
	if s.rxCount.Load() == 0 {
		s.txq.Remove(&f.w)
		s.mu.Unlock()
		return struct{}{}, true
	}
	f.w.Waker = cx.Waker()
	if !f.w.Linked() {
		s.txq.PushBack(&f.w)
	}
	s.mu.Unlock()
	cx.RefundBudget()
	return struct{}{}, false
}

// Drop unlinks the future if it waits.
func (f *ClosedFuture[T]) Drop() {
	s := f.s
	s.mu.Lock()
	s.txq.Remove(&f.w)
	f.w.Waker = future.Waker{}
	s.mu.Unlock()
}

// String describes what the future waits for.
func (f *ClosedFuture[T]) String() string { return "watch.Closed" }

// waitingFuture is what every waiting future of this package implements.
type waitingFuture[T any] interface {
	future.Future[T]
	future.Dropper
	fmt.Stringer
}

package mpsc

import (
	"fmt"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/waitq"
)

// Every waiting future is a Future, a Dropper and a Stringer.
var _ waitingFuture[struct{}] = (*ClosedFuture[int])(nil)

// ClosedFuture is the future returned by [Sender.Closed] and
// [UnboundedSender.Closed]: it completes when the Receiver is closed. It
// implements [future.Dropper]: dropping it while it waits unlinks it.
type ClosedFuture[T any] struct {
	c *chanState[T]
	w waitq.Waiter // guarded by c.mu
}

// Poll reports whether the Receiver is closed, and otherwise waits for it.
// It consumes one unit of the task's budget when it completes.
func (f *ClosedFuture[T]) Poll(cx *future.Context) (struct{}, bool) {
	if !cx.ConsumeBudget() {
		return struct{}{}, false
	}
	c := f.c
	c.mu.Lock()
	if c.rxClosed {
		c.closedq.Remove(&f.w)
		c.mu.Unlock()
		return struct{}{}, true
	}
	f.w.Waker = cx.Waker()
	if !f.w.Linked() {
		c.closedq.PushBack(&f.w)
	}
	c.mu.Unlock()
	cx.RefundBudget()
	return struct{}{}, false
}

// Drop unlinks the future if it waits.
func (f *ClosedFuture[T]) Drop() {
	c := f.c
	c.mu.Lock()
	c.closedq.Remove(&f.w)
	f.w.Waker = future.Waker{}
	c.mu.Unlock()
}

// String describes what the future waits for.
func (f *ClosedFuture[T]) String() string { return "mpsc.Closed" }

// waitingFuture is what every waiting future of this package implements.
type waitingFuture[T any] interface {
	future.Future[T]
	future.Dropper
	fmt.Stringer
}

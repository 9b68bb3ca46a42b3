package oneshot

import (
	"fmt"

	"github.com/weftrt/weft/future"
)

// Every waiting future is a Future, a Dropper and a Stringer.
var _ waitingFuture[struct{}] = (*ClosedFuture[int])(nil)

// ClosedFuture is the future returned by [Sender.Closed]. It completes when
// the Receiver is closed. It is the channel under another name: it does not
// allocate, and its Drop releases the waker it stored.
type ClosedFuture[T any] channel[T]

func (f *ClosedFuture[T]) ch() *channel[T] { return (*channel[T])(f) }

// Poll reports whether the Receiver has been closed, and otherwise stores
// cx's Waker to be woken when it is. It consumes one unit of the task's
// budget when it completes. Mirrors tokio sync/oneshot.rs Sender::poll_closed.
func (f *ClosedFuture[T]) Poll(cx *future.Context) (struct{}, bool) {
	c := f.ch()
	if !cx.ConsumeBudget() {
		return struct{}{}, false
	}
	s := c.state.load()
	if s&closed != 0 {
		return struct{}{}, true
	}
	w := cx.Waker()
	if s&txTaskSet != 0 {
		if c.txWaker == w {
			cx.RefundBudget()
			return struct{}{}, false
		}
		// Take the cell back before replacing the waker (rule 4).
		if prev := c.state.and(^txTaskSet); prev&closed != 0 {
			return struct{}{}, true
		}
	}
	c.txWaker = w
	if s = c.state.or(txTaskSet); s&closed != 0 {
		return struct{}{}, true
	}
	cx.RefundBudget()
	return struct{}{}, false
}

// Drop withdraws the stored waker, if any, so that closing the receiver later
// wakes nobody. It does not close anything.
func (f *ClosedFuture[T]) Drop() {
	c := f.ch()
	if c.state.load()&txTaskSet == 0 {
		return
	}
	// If closed was already set, the receiver may be reading the cell right
	// now (rule 4): leave it.
	if prev := c.state.and(^txTaskSet); prev&closed == 0 {
		c.txWaker = future.Waker{}
	}
}

// String describes what the future waits for.
func (f *ClosedFuture[T]) String() string { return "oneshot.Closed" }

// waitingFuture is what every waiting future of this package implements.
type waitingFuture[T any] interface {
	future.Future[T]
	future.Dropper
	fmt.Stringer
}

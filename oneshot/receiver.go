package oneshot

import (
	"context"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/gowait"
)

// Every waiting future is a Future, a Dropper and a Stringer.
var _ waitingFuture[future.Result[int]] = (*Receiver[int])(nil)

// Receiver is the receiving end of a oneshot channel, and a future of the
// value: polling it yields the value, or [ErrClosed] when the Sender was closed
// without sending (or the Receiver was closed first). It completes once; a
// poll after that panics.
//
// A Receiver is used by one goroutine at a time. The zero Receiver is not
// usable; [New] makes one.
type Receiver[T any] channel[T]

func (r *Receiver[T]) ch() *channel[T] { return (*channel[T])(r) }

// Poll implements future.Future. It consumes one unit of the task's budget
// when it completes. Mirrors tokio sync/oneshot.rs Inner::poll_recv.
func (r *Receiver[T]) Poll(cx *future.Context) (future.Result[T], bool) {
	c := r.ch()
	if c.rxDone {
		panic("oneshot: Receiver polled after completion")
	}
	if !cx.ConsumeBudget() {
		return future.Result[T]{}, false
	}
	s := c.state.load()
	if s&(complete|closed) != 0 {
		return r.finishRecv(s), true
	}
	w := cx.Waker()
	if s&rxTaskSet != 0 {
		if c.rxWaker == w {
			cx.RefundBudget()
			return future.Result[T]{}, false
		}
		// Take the cell back before replacing the waker (rule 1).
		if prev := c.state.and(^rxTaskSet); prev&complete != 0 {
			return r.finishRecv(prev), true
		}
	}
	c.rxWaker = w
	if s = c.state.or(rxTaskSet); s&complete != 0 {
		return r.finishRecv(s), true
	}
	cx.RefundBudget()
	return future.Result[T]{}, false
}

// finishRecv ends the receive given a state with complete or closed set.
func (r *Receiver[T]) finishRecv(s uint32) future.Result[T] {
	c := r.ch()
	c.rxDone = true
	if s&hasValue != 0 {
		return future.Result[T]{Value: c.takeValue()}
	}
	return future.Result[T]{Err: ErrClosed}
}

// Drop releases the Receiver as Tokio's drop does: it closes the channel and
// discards a value that was sent but not received. The owner of the Receiver
// as a future calls it once it is done with it (the task harness does so for
// a task's future); a plain goroutine may call Close instead. Drop twice does
// nothing more.
func (r *Receiver[T]) Drop() {
	c := r.ch()
	prev := c.close()
	if prev&hasValue != 0 && !c.rxDone {
		c.takeValue()
	}
	c.rxDone = true
}

// Close closes the channel from the receiving side: the Sender's Send fails
// from now on and its Closed future completes. A value sent before Close can
// still be received. Close is idempotent, and synchronizes before any Send
// that fails because of it.
func (r *Receiver[T]) Close() { r.ch().close() }

// TryRecv returns the value if it has been sent. Otherwise it returns
// [ErrEmpty] while the channel is open, and [ErrClosed] when the Sender was
// closed without sending, the Receiver was closed, or the value was already
// received. After TryRecv returned the value or ErrClosed the Receiver is
// terminated: it must not be polled.
func (r *Receiver[T]) TryRecv() (T, error) {
	c := r.ch()
	var zero T
	if c.rxDone {
		return zero, ErrClosed
	}
	s := c.state.load()
	if s&(complete|closed) == 0 {
		return zero, ErrEmpty
	}
	return r.finishRecv(s).Get()
}

// IsEmpty reports whether there is no value waiting to be received: none was
// sent yet, the Sender closed without sending, or it was already received.
func (r *Receiver[T]) IsEmpty() bool {
	c := r.ch()
	return c.rxDone || c.state.load()&hasValue == 0
}

// IsTerminated reports whether the Receiver has completed: it returned the
// value or ErrClosed, from Poll or TryRecv, or was dropped.
func (r *Receiver[T]) IsTerminated() bool { return r.ch().rxDone }

// BlockingRecv blocks the calling goroutine until the value arrives, the
// Sender closes, or ctx is done. It returns the value, [ErrClosed], or
// ctx.Err(); in the last case the Receiver stays usable and a later call can
// still receive. It must not be called from inside a task, which awaits the
// Receiver instead.
//
// A successful Send synchronizes before BlockingRecv returns its value.
func (r *Receiver[T]) BlockingRecv(ctx context.Context) (T, error) {
	gowait.CheckContext(ctx)
	if v, err := r.TryRecv(); err != ErrEmpty {
		return v, err
	}
	res, err := gowait.Wait[future.Result[T]](ctx, (*blockingRecv[T])(r))
	if err != nil {
		var zero T
		return zero, err
	}
	return res.Get()
}

// blockingRecv is the Receiver as a future whose Drop only withdraws the
// waker: BlockingRecv must leave the Receiver open when ctx ends.
type blockingRecv[T any] channel[T]

func (b *blockingRecv[T]) Poll(cx *future.Context) (future.Result[T], bool) {
	return (*Receiver[T])(b).Poll(cx)
}

func (b *blockingRecv[T]) Drop() { (*Receiver[T])(b).unregister() }

// unregister withdraws the receiver's stored waker without closing.
func (r *Receiver[T]) unregister() {
	c := r.ch()
	if c.state.load()&rxTaskSet == 0 {
		return
	}
	// If complete was already set the sender may be waking the cell right now
	// (rule 2): leave it.
	if prev := c.state.and(^rxTaskSet); prev&complete == 0 {
		c.rxWaker = future.Waker{}
	}
}

// String describes what the Receiver waits for, for task dumps.
func (r *Receiver[T]) String() string { return "oneshot.Recv" }

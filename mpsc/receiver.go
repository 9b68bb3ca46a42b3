package mpsc

import (
	"context"
	"sync/atomic"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/gowait"
	"github.com/weftrt/weft/internal/wakelist"
)

// Receiver is the receiving end of a channel made by [New] or
// [NewUnbounded]. Values arrive in the order they were buffered; values from
// one sender arrive in the order that sender sent them.
//
// There is one Receiver per channel, used by one goroutine or task at a time:
// its futures share the Receiver's single waker cell, so two of them must not
// wait at once from different tasks. That mistake (several workers receiving
// from one channel, the usual Go fan-out) is caught: the poll of the second
// waiter panics, instead of one of them hanging. For several consumers use
// package mpmc. The zero Receiver is not usable; [New] and [NewUnbounded]
// make one.
type Receiver[T any] struct {
	c *chanState[T]

	// Owned by the receiving goroutine:
	manyBuf   []T // buffer of the pending RecvMany
	manyLimit int // limit of the pending RecvMany
	// registered says that this receiver may have a waker in c.rxWaker.
	// Written under c.mu; atomic because Drop reads it without the lock
	// (to skip the lock when nothing is registered), and two tasks misusing
	// one Receiver must be caught, not race.
	registered atomic.Bool
}

// Recv returns a future that completes with the next value, or with
// [ErrClosed] once every sender is closed and the buffer is empty (or the
// Receiver was closed and drained). The future is the Receiver under another
// name, so Recv does not allocate; dropping the future withdraws its waker.
//
// A send synchronizes before the Recv that returns its value.
func (r *Receiver[T]) Recv() *RecvFuture[T] { return (*RecvFuture[T])(r) }

// RecvMany returns a future that waits for at least one value and then
// appends up to limit buffered values to buf. Its output is the extended
// slice; it appends nothing only when limit <= 0 or the channel is closed
// and empty. Polling allocates only if buf must grow.
func (r *Receiver[T]) RecvMany(buf []T, limit int) *RecvManyFuture[T] {
	r.manyBuf, r.manyLimit = buf, limit
	return (*RecvManyFuture[T])(r)
}

// TryRecv returns the next value if one is buffered. Otherwise it returns
// [ErrEmpty] while a value may still arrive, and [ErrClosed] when none can
// (every sender closed, or the Receiver closed and no permit left), as a Recv
// future and BlockingRecv report it and as the other channels' TryRecv do.
// Tokio's equivalent is Receiver::try_recv, whose TryRecvError::Disconnected
// is ErrClosed here.
func (r *Receiver[T]) TryRecv() (T, error) {
	c := r.c
	c.mu.Lock()
	if c.buf.len() > 0 {
		v, w := c.popLocked()
		c.checkLocked()
		c.mu.Unlock()
		w.Wake()
		return v, nil
	}
	done := c.doneLocked()
	c.mu.Unlock()
	var zero T
	if done {
		return zero, ErrClosed
	}
	return zero, ErrEmpty
}

// BlockingRecv receives from a plain goroutine: it blocks until a value
// arrives (returned), the channel ends ([ErrClosed]), or ctx is done
// (ctx.Err()). It must not be called from inside a task, which awaits Recv.
//
// A send synchronizes before the BlockingRecv that returns its value.
func (r *Receiver[T]) BlockingRecv(ctx context.Context) (T, error) {
	gowait.CheckContext(ctx)
	v, err := r.TryRecv()
	if err != ErrEmpty {
		return v, err
	}
	res, cerr := gowait.Wait[future.Result[T]](ctx, r.Recv())
	if cerr != nil {
		return v, cerr
	}
	return res.Get()
}

// Close closes the channel from the receiving side: sends fail from now on
// ([ErrClosed]), waiting senders are woken to fail, and the senders' Closed
// futures complete. Values already buffered, and values sent through permits
// granted before Close, can still be received; then receiving reports the
// end. Close is idempotent and synchronizes before every send that fails
// because of it.
//
// Close does not discard buffered values: drain them (TryRecv until
// ErrClosed) to let them go before the channel itself is unreachable.
func (r *Receiver[T]) Close() { r.c.closeRx() }

// IsClosed reports whether the channel is closed: the Receiver was closed, or
// every sender is closed and no permit holds a slot. Buffered values may
// remain.
func (r *Receiver[T]) IsClosed() bool {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rxClosed || c.txClosed
}

// Len returns the number of buffered values.
func (r *Receiver[T]) Len() int {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.len()
}

// IsEmpty reports whether no value is buffered.
func (r *Receiver[T]) IsEmpty() bool { return r.Len() == 0 }

// Capacity returns the number of free slots of a bounded channel (see
// [Sender.Capacity]), and 0 for an unbounded one.
func (r *Receiver[T]) Capacity() int {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.free
}

// MaxCapacity returns the capacity of a bounded channel, and 0 for an
// unbounded one.
func (r *Receiver[T]) MaxCapacity() int { return r.c.bound }

// SenderStrongCount returns the number of open sender handles.
func (r *Receiver[T]) SenderStrongCount() int {
	c := r.c
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.senders
}

// pollRecv is Recv's poll. Mirrors tokio sync/mpsc/chan.rs Rx::recv.
//
// The value goes from its slot straight into the named result, which the
// bare returns hand back without another copy (a local Result returned by
// value cost a zeroing and a copy more, each a pass over a 32 KiB value).
func (r *Receiver[T]) pollRecv(cx *future.Context) (res future.Result[T], ok bool) {
	if !cx.ConsumeBudget() {
		return
	}
	c := r.c
	c.mu.Lock()
	if c.buf.len() > 0 {
		w := c.popIntoLocked(&res.Value)
		c.checkLocked()
		c.mu.Unlock()
		w.Wake()
		ok = true
		return
	}
	if c.doneLocked() {
		c.mu.Unlock()
		res.Err, ok = ErrClosed, true
		return
	}
	if w := cx.Waker(); c.rxWaker != w {
		c.setRxWakerLocked(cx, w)
	}
	if !r.registered.Load() {
		r.registered.Store(true)
	}
	c.mu.Unlock()
	cx.RefundBudget()
	return
}

// pollRecvMany is RecvMany's poll. Mirrors tokio sync/mpsc/chan.rs
// Rx::recv_many.
func (r *Receiver[T]) pollRecvMany(cx *future.Context) ([]T, bool) {
	if !cx.ConsumeBudget() {
		return nil, false
	}
	buf, limit := r.manyBuf, r.manyLimit
	if limit <= 0 {
		r.manyBuf = nil
		return buf, true
	}
	c := r.c
	c.mu.Lock()
	if n := min(limit, c.buf.len()); n > 0 {
		for range n {
			buf = append(buf, c.buf.pop())
		}
		var wl wakelist.List
		if c.bound > 0 {
			c.releaseLocked(n, &wl)
		} else {
			c.buf.release()
		}
		c.checkLocked()
		c.mu.Unlock()
		wl.WakeAll()
		r.manyBuf = nil
		return buf, true
	}
	if c.doneLocked() {
		c.mu.Unlock()
		r.manyBuf = nil
		return buf, true
	}
	if w := cx.Waker(); c.rxWaker != w {
		c.setRxWakerLocked(cx, w)
	}
	if !r.registered.Load() {
		r.registered.Store(true)
	}
	c.mu.Unlock()
	cx.RefundBudget()
	return nil, false
}

// unregister withdraws the receiver's waker, if it may have stored one;
// not when the Drop is that of a task whose poll found another waiter
// registered (chanState.rxKeep), whose registration stays.
func (r *Receiver[T]) unregister() {
	if !r.registered.Load() {
		return
	}
	c := r.c
	c.mu.Lock()
	if c.rxKeep > 0 {
		c.rxKeep--
	} else {
		r.registered.Store(false)
		c.rxWaker = future.Waker{}
	}
	c.mu.Unlock()
}

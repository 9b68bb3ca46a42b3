package mpmc

import (
	"context"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/gowait"
)

// Receiver is the receiving side of a channel made by [New], the
// counterpart of a Go `<-chan T`. One Receiver is shared by every goroutine
// and task that receives (a pool of workers on one channel): pass the
// pointer around. Each value is received exactly once, by one of them.
//
// The zero Receiver is not usable; New makes one.
type Receiver[T any] struct {
	c *chanState[T]
}

// chanOf returns r's channel, or panics on a nil or zero Receiver.
func (r *Receiver[T]) chanOf() *chanState[T] {
	if r == nil || r.c == nil {
		panic("mpmc: use of a nil or zero Receiver (mpmc.New makes one)")
	}
	return r.c
}

// Recv returns a future that completes with the next value, or with
// [ErrClosed] once the channel is closed and every value sent before the
// close has been received. Receivers that wait are served in the order they
// started to wait: a value sent while receivers wait is promised to the one
// that has waited longest. Dropping the future after it was promised a
// value (an aborted task) passes the value to the next waiting receiver, or
// leaves it in the buffer: no value is lost.
//
// Building the future allocates it; polling does not, and a RecvFuture kept
// by value and renewed with [RecvFuture.Reset] does not allocate at all.
//
// A send synchronizes before the completion of the receive that returns its
// value. The k-th receive from a channel of capacity C synchronizes before
// the completion of the (k+C)-th send, so a channel can count like a
// semaphore, as in Go.
func (r *Receiver[T]) Recv() *RecvFuture[T] { return &RecvFuture[T]{c: r.chanOf()} }

// TryRecv returns the next value if one is there for a newcomer. Otherwise
// it returns [ErrEmpty] while a value may still come (the values buffered
// are promised to receivers that were waiting: TryRecv never overtakes
// them), and [ErrClosed] once the channel is closed and empty. It never
// allocates.
func (r *Receiver[T]) TryRecv() (T, error) {
	c := r.chanOf()
	c.mu.Lock()
	if c.openLocked() {
		v, w := c.popLocked()
		c.checkLocked()
		c.mu.Unlock()
		w.Wake()
		return v, nil
	}
	end := c.endLocked()
	c.mu.Unlock()
	var zero T
	if end {
		return zero, ErrClosed
	}
	return zero, ErrEmpty
}

// BlockingRecv receives from a plain goroutine: it blocks until a value
// arrives (returned), the channel is closed and empty ([ErrClosed]), or ctx
// is done (ctx.Err(); a value promised to it meanwhile goes to the next
// receiver). It must not be called from inside a task, which awaits
// [Receiver.Recv] instead. It allocates nothing when a value is there at
// once.
//
// A send synchronizes before the completion of the BlockingRecv that returns
// its value.
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

// IsClosed reports whether the channel was closed. Buffered values may
// remain to be received.
func (r *Receiver[T]) IsClosed() bool { return r.chanOf().isClosed() }

// Len returns the number of buffered values, including those promised to
// receivers that were woken and have not taken them yet.
func (r *Receiver[T]) Len() int { return r.chanOf().len() }

// Cap returns the capacity the channel was made with.
func (r *Receiver[T]) Cap() int { return r.chanOf().bound }

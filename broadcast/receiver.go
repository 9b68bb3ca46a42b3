package broadcast

import (
	"context"
	"sync/atomic"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/gowait"
	"github.com/weftrt/weft/internal/invariants"
	"github.com/weftrt/weft/internal/waitq"
	"github.com/weftrt/weft/internal/wakelist"
)

// Receiver reads every value sent after it subscribed, in order. It is used
// by one goroutine or task at a time; [Receiver.Resubscribe] makes another
// one. Each Receiver is closed once with [Receiver.Close], which releases
// the values it has not read. Receiving on a closed Receiver panics. The
// zero Receiver is not usable; [New] and Subscribe make one.
type Receiver[T any] struct {
	s *shared[T]

	next    uint64       // position of the next value to read; owned by the user
	w       waitq.Waiter // entry in s.waiters; guarded by s.mu
	waiting bool         // w may be linked; owned by the user
	closed  atomic.Bool
}

func (r *Receiver[T]) mustBeOpen() {
	if r.closed.Load() {
		panic("broadcast: use of a closed Receiver")
	}
}

// Recv returns a future that completes with the next value, a
// [*LaggedError] when values were overwritten before this receiver read them
// (the next Recv then continues with the oldest value held), or [ErrClosed]
// once every Sender is closed and every value was read. The future is the
// Receiver under another name: it does not allocate, and Drop unlinks it.
//
// A Send synchronizes before the Recv that returns its value.
func (r *Receiver[T]) Recv() *RecvFuture[T] {
	r.mustBeOpen()
	return (*RecvFuture[T])(r)
}

// TryRecv returns the next value if there is one, or [ErrEmpty], a
// [*LaggedError], or [ErrClosed].
func (r *Receiver[T]) TryRecv() (T, error) {
	r.mustBeOpen()
	return r.recv(nil)
}

// BlockingRecv is Recv for a plain goroutine: it blocks until a value, a
// lag, the end of the channel, or the end of ctx (ctx.Err()). It must not be
// called from inside a task.
func (r *Receiver[T]) BlockingRecv(ctx context.Context) (T, error) {
	gowait.CheckContext(ctx)
	if v, err := r.TryRecv(); err != ErrEmpty {
		return v, err
	}
	res, cerr := gowait.Wait[future.Result[T]](ctx, r.Recv())
	if cerr != nil {
		var zero T
		return zero, cerr
	}
	return res.Get()
}

// Resubscribe returns a new Receiver on the same channel that starts at the
// current tail: it sees only values sent from now on, whatever r has not
// read yet.
func (r *Receiver[T]) Resubscribe() *Receiver[T] {
	r.mustBeOpen()
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newReceiverLocked()
}

// Len returns the number of values sent that this receiver has not read,
// counting values already overwritten (see [LaggedError]).
func (r *Receiver[T]) Len() int {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return int(s.pos - r.next)
}

// IsEmpty reports whether the receiver has read every value sent.
func (r *Receiver[T]) IsEmpty() bool { return r.Len() == 0 }

// IsClosed reports whether every Sender is closed. Values may remain to be
// read.
func (r *Receiver[T]) IsClosed() bool {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.txCount == 0
}

// SameChannel reports whether r and o receive from the same channel.
func (r *Receiver[T]) SameChannel(o *Receiver[T]) bool { return r.s == o.s }

// Close releases the receiver: the values it has not read no longer wait for
// it, and when it is the last receiver, Send fails and the senders' Closed
// futures complete. Close is idempotent. Mirrors tokio sync/broadcast.rs
// Receiver::drop.
func (r *Receiver[T]) Close() {
	if !r.closed.CompareAndSwap(false, true) {
		return
	}
	s := r.s
	s.mu.Lock()
	if r.waiting {
		s.waiters.Remove(&r.w)
		r.waiting = false
	}
	s.rxCount--
	until := s.pos
	if s.rxCount == 0 {
		s.closed = true
		wakelist.NotifyAll(&s.mu, &s.closedq)
	}
	s.mu.Unlock()
	// Read out what this receiver still counted for, so that the slots let
	// go of their values.
	for r.next < until {
		_, err := r.recv(nil)
		if err == ErrClosed {
			break
		}
		invariants.Check(err != ErrEmpty, "broadcast: empty at %d before %d", r.next, until)
	}
}

// recv reads the next value. With cx it registers cx's waker when there is
// nothing to read (and returns ErrEmpty). Mirrors tokio sync/broadcast.rs
// Receiver::recv_ref.
func (r *Receiver[T]) recv(cx *future.Context) (T, error) {
	var zero T
	s := r.s
	sl := &s.buf[r.next&s.mask]
	sl.mu.Lock()
	if sl.pos != r.next {
		// Take the tail lock (tail before slot), then look again: a send may
		// have filled the slot meanwhile.
		sl.mu.Unlock()
		s.mu.Lock()
		sl.mu.Lock()
		if sl.pos != r.next {
			if sl.pos+uint64(len(s.buf)) == r.next {
				// Nothing new for this receiver.
				sl.mu.Unlock()
				defer s.mu.Unlock()
				if s.closed {
					return zero, ErrClosed
				}
				if cx != nil {
					r.w.Waker = cx.Waker()
					if !r.w.Linked() {
						s.waiters.PushBack(&r.w)
					}
					r.waiting = true
				}
				return zero, ErrEmpty
			}
			// Lagged: skip to the oldest value still held.
			oldest := s.pos - uint64(len(s.buf))
			missed := oldest - r.next
			s.mu.Unlock()
			if missed == 0 {
				r.next++
				return r.take(sl), nil
			}
			sl.mu.Unlock()
			r.next = oldest
			return zero, &LaggedError{Skipped: missed}
		}
		s.mu.Unlock()
	}
	r.next++
	return r.take(sl), nil
}

// take copies the value of a locked slot, counts this receiver off, and
// unlocks it.
func (r *Receiver[T]) take(sl *slot[T]) T {
	v := sl.val
	sl.rem--
	if sl.rem == 0 {
		var zero T
		sl.val = zero
	}
	sl.mu.Unlock()
	return v
}

// leave unlinks the receiver's waiter if it may be linked.
func (r *Receiver[T]) leave() {
	if !r.waiting {
		return
	}
	s := r.s
	s.mu.Lock()
	s.waiters.Remove(&r.w)
	r.w.Waker = future.Waker{}
	r.waiting = false
	s.mu.Unlock()
}

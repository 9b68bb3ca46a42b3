package watch

import (
	"context"
	"sync/atomic"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/gowait"
	"github.com/weftrt/weft/internal/waitq"
	"github.com/weftrt/weft/internal/wakelist"
)

// Receiver observes a watch channel. It is used by one goroutine or task at
// a time (its futures are the Receiver under other names and share its
// waiter); [Receiver.Clone] makes another receiver for another one. Each
// Receiver is closed once with [Receiver.Close]. The zero Receiver is not
// usable; [New], [Sender.Subscribe] and Clone make one.
type Receiver[T any] struct {
	s *shared[T]

	// The fields below are owned by the goroutine using the receiver,
	// except w's queue links and Notified, which are guarded by s.mu.
	version uint64       // the version this receiver has seen
	w       waitq.Waiter // entry in s.rxq while a future waits
	waiting bool         // w may be linked
	closed  atomic.Bool

	// WaitFor state.
	pred      func(T) bool
	checked   bool // the current version was tested against pred
	sawClosed bool // Changed reported ErrClosed during this WaitFor
}

func (r *Receiver[T]) mustBeOpen() {
	if r.closed.Load() {
		panic("watch: use of a closed Receiver")
	}
}

// Borrow returns a copy of the current value without marking it seen.
func (r *Receiver[T]) Borrow() T {
	v, _ := r.s.read()
	return v
}

// BorrowAndUpdate returns a copy of the current value, marks it seen, and
// reports whether it had not been seen before.
func (r *Receiver[T]) BorrowAndUpdate() (T, bool) {
	v, ver := r.s.read()
	changed := ver != r.version
	r.version = ver
	return v, changed
}

// HasChanged reports whether the channel holds a value this receiver has not
// seen. It returns [ErrClosed] when every Sender is closed, whether or not
// the last value was seen.
func (r *Receiver[T]) HasChanged() (bool, error) {
	st := r.s.state.Load()
	if isClosed(st) {
		return false, ErrClosed
	}
	return version(st) != r.version, nil
}

// MarkChanged makes the current value count as unseen, so that the next
// Changed completes at once.
func (r *Receiver[T]) MarkChanged() { r.version -= versionStep }

// MarkUnchanged marks the current value as seen without reading it.
func (r *Receiver[T]) MarkUnchanged() { r.version = version(r.s.state.Load()) }

// Changed returns a future that completes when the channel holds a value
// this receiver has not seen, and marks it seen; read it with Borrow. It
// completes with [ErrClosed] when every Sender is closed and the last value
// was seen. The future is the Receiver under another name: it does not
// allocate, and dropping it unlinks it.
func (r *Receiver[T]) Changed() *ChangedFuture[T] {
	r.mustBeOpen()
	return (*ChangedFuture[T])(r)
}

// WaitFor returns a future that completes with the first value, starting
// with the current one, for which pred returns true, and marks it seen. It
// completes with [ErrClosed] when every Sender is closed and no value it has
// not yet tested satisfies pred. pred receives a copy and runs without any
// lock held. Like Changed, the future is the Receiver under another name.
func (r *Receiver[T]) WaitFor(pred func(T) bool) *WaitForFuture[T] {
	r.mustBeOpen()
	if pred == nil {
		panic("watch: WaitFor with a nil predicate")
	}
	r.pred, r.checked, r.sawClosed = pred, false, false
	return (*WaitForFuture[T])(r)
}

// BlockingChanged is Changed for a plain goroutine: it blocks until the value
// changes (nil), the channel closes ([ErrClosed]), or ctx is done
// (ctx.Err()). It must not be called from inside a task.
func (r *Receiver[T]) BlockingChanged(ctx context.Context) error {
	err, cerr := gowait.Wait[error](ctx, r.Changed())
	if cerr != nil {
		return cerr
	}
	return err
}

// Clone returns a new Receiver that has seen what r has seen.
func (r *Receiver[T]) Clone() *Receiver[T] {
	r.mustBeOpen()
	s := r.s
	s.mu.Lock()
	s.rxCount.Add(1)
	s.mu.Unlock()
	return &Receiver[T]{s: s, version: r.version}
}

// Close releases the receiver. Closing the last one makes Send fail and
// completes the senders' Closed futures. Close is idempotent.
func (r *Receiver[T]) Close() {
	if !r.closed.CompareAndSwap(false, true) {
		return
	}
	s := r.s
	s.mu.Lock()
	if r.waiting {
		s.rxq.Remove(&r.w)
		s.waiting.Store(int64(s.rxq.Len()))
		r.waiting = false
	}
	if s.rxCount.Add(-1) == 0 {
		wakelist.NotifyAll(&s.mu, &s.txq)
	}
	s.mu.Unlock()
}

// SameChannel reports whether r and o observe the same channel.
func (r *Receiver[T]) SameChannel(o *Receiver[T]) bool { return r.s == o.s }

// changedNow reports, from a state snapshot, whether Changed can complete:
// with nil (a new version, now marked seen) or ErrClosed.
func (r *Receiver[T]) changedNow(st uint64) (error, bool) {
	if v := version(st); v != r.version {
		r.version = v
		return nil, true
	}
	if isClosed(st) {
		return ErrClosed, true
	}
	return nil, false
}

// pollChanged is Changed's poll without the budget.
// Mirrors tokio sync/watch.rs changed_impl.
func (r *Receiver[T]) pollChanged(cx *future.Context) (error, bool) {
	s := r.s
	if err, ok := r.changedNow(s.state.Load()); ok {
		r.leave()
		return err, true
	}
	s.mu.Lock()
	r.w.Waker = cx.Waker()
	if !r.w.Linked() {
		r.w.Notified = false
		s.rxq.PushBack(&r.w)
		s.waiting.Store(int64(s.rxq.Len()))
	}
	r.waiting = true
	// Check again now that senders can see us waiting (see channel.go).
	if err, ok := r.changedNow(s.state.Load()); ok {
		s.rxq.Remove(&r.w)
		s.waiting.Store(int64(s.rxq.Len()))
		r.w.Waker = future.Waker{}
		r.waiting = false
		s.mu.Unlock()
		return err, true
	}
	s.mu.Unlock()
	return nil, false
}

// leave unlinks the receiver's waiter if it may be linked.
func (r *Receiver[T]) leave() {
	if !r.waiting {
		return
	}
	s := r.s
	s.mu.Lock()
	s.rxq.Remove(&r.w)
	s.waiting.Store(int64(s.rxq.Len()))
	r.w.Waker = future.Waker{}
	r.waiting = false
	s.mu.Unlock()
}

// pollWaitFor is WaitFor's poll without the budget.
// Mirrors tokio sync/watch.rs Receiver::wait_for_inner.
func (r *Receiver[T]) pollWaitFor(cx *future.Context) (future.Result[T], bool) {
	for {
		if !r.checked {
			v, ver := r.s.read()
			changed := ver != r.version
			r.version = ver
			if (!r.sawClosed || changed) && r.pred(v) {
				r.pred = nil
				r.leave()
				return future.Result[T]{Value: v}, true
			}
			if r.sawClosed {
				r.pred = nil
				r.leave()
				return future.Result[T]{Err: ErrClosed}, true
			}
			r.checked = true
		}
		err, ok := r.pollChanged(cx)
		if !ok {
			return future.Result[T]{}, false
		}
		r.sawClosed = err != nil
		r.checked = false
	}
}

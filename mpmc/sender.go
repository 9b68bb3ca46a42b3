package mpmc

import (
	"context"

	"github.com/weftrt/weft/internal/gowait"
)

// Sender is the sending side of a channel made by [New], the counterpart of
// a Go `chan<- T`. One Sender is shared by every goroutine and task that
// sends: pass the pointer around, as you would a Go channel. There is no
// Clone and no count of handles; the channel is closed once, by
// [Sender.Close].
//
// The zero Sender is not usable; New makes one.
type Sender[T any] struct {
	c *chanState[T]
}

// New returns the two sides of a channel that buffers up to capacity values,
// with Go channel semantics: any number of goroutines and tasks send and
// receive at once, senders wait while the buffer is full, receivers wait
// while it is empty, and Close wakes them all. Waiting senders get room, and
// waiting receivers get values, in the order they started to wait. New
// panics if capacity is below 1 (a rendezvous channel of capacity 0 is not
// offered).
//
// New allocates the channel only: the buffer starts small on the first send
// (at most 16 values or 512 bytes) and doubles as it fills, up to capacity
// values, so a huge capacity costs nothing until a backlog builds up. The
// buffer is kept once grown, so sends stop allocating once the channel has
// held its largest backlog.
func New[T any](capacity int) (*Sender[T], *Receiver[T]) {
	ch := newChannel[T](capacity)
	return &ch.tx, &ch.rx
}

// chanOf returns s's channel, or panics on a nil or zero Sender.
func (s *Sender[T]) chanOf() *chanState[T] {
	if s == nil || s.c == nil {
		panic("mpmc: use of a nil or zero Sender (mpmc.New makes one)")
	}
	return s.c
}

// Send returns a future that waits for room and then buffers v. It
// completes with nil once v is buffered, or with a [*SendError] holding v if
// the channel is closed before that. Senders that wait get room in the order
// they started to wait. Dropping the future before it completes sends
// nothing and passes any room it was given to the next sender.
//
// Building the future allocates it; polling does not, and a SendFuture kept
// by value and renewed with [SendFuture.Reset] does not allocate at all.
//
// A send synchronizes before the completion of the receive that returns its
// value.
func (s *Sender[T]) Send(v T) *SendFuture[T] {
	return &SendFuture[T]{c: s.chanOf(), v: v}
}

// TrySend buffers v if a slot is free now. It returns [ErrFull] when the
// buffer is full or senders are waiting for room (TrySend never overtakes
// them), and [ErrClosed] when the channel is closed; the caller keeps v in
// both cases. It allocates only when the buffer grows (see [New]).
//
// A successful TrySend synchronizes before the completion of the receive
// that returns v.
func (s *Sender[T]) TrySend(v T) error {
	c := s.chanOf()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	if c.free == 0 {
		c.mu.Unlock()
		return ErrFull
	}
	c.free--
	w := c.pushLocked(v)
	c.checkLocked()
	c.mu.Unlock()
	w.Wake()
	return nil
}

// BlockingSend sends v from a plain goroutine: it blocks until v is
// buffered (nil), the channel is closed ([ErrClosed]), or ctx is done
// (ctx.Err(); nothing is sent). It must not be called from inside a task,
// which awaits [Sender.Send] instead. It allocates nothing when there is
// room at once.
//
// A successful BlockingSend synchronizes before the completion of the
// receive that returns v.
func (s *Sender[T]) BlockingSend(ctx context.Context, v T) error {
	gowait.CheckContext(ctx)
	if err := s.TrySend(v); err != ErrFull {
		return err
	}
	err, cerr := gowait.Wait[error](ctx, s.Send(v))
	if cerr != nil {
		return cerr
	}
	if err != nil {
		return ErrClosed
	}
	return nil
}

// Close closes the channel, like Go's close(ch): every waiting sender is
// woken, and sends that have not completed, and every send after, fail with
// the value handed back; receivers get the values already buffered and then
// [ErrClosed], every waiting receiver woken as soon as nothing is left for
// it (at once when the buffer is empty). Close is idempotent (Go's close panics the
// second time; here a deferred Close next to an explicit one is harmless).
// With several producers, close after the last one is done sending (a
// sync.WaitGroup, a JoinSet), as with Go channels.
//
// Close synchronizes before every receive that reports ErrClosed and every
// send that fails because of it.
func (s *Sender[T]) Close() { s.chanOf().close() }

// IsClosed reports whether Close was called. Buffered values may remain.
func (s *Sender[T]) IsClosed() bool { return s.chanOf().isClosed() }

// Len returns the number of buffered values, including those promised to
// receivers that were woken and have not taken them yet.
func (s *Sender[T]) Len() int { return s.chanOf().len() }

// Cap returns the capacity the channel was made with.
func (s *Sender[T]) Cap() int { return s.chanOf().bound }

func (c *chanState[T]) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func (c *chanState[T]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Len()
}

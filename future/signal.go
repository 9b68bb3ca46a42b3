package future

import "context"

// Signal lets a plain goroutine wait for a future: its Waker wakes the
// goroutine blocked in [Signal.BlockingWait]. Wakes that arrive while nobody
// waits are remembered (at most one), so a wake is never lost between a
// Pending poll and the call to BlockingWait.
//
// The zero Signal is not usable; create one with [NewSignal].
type Signal struct {
	ch chan struct{}
}

// NewSignal returns a Signal with no pending wake.
func NewSignal() *Signal { return &Signal{ch: make(chan struct{}, 1)} }

// Wake records a wake and releases a goroutine blocked in BlockingWait.
func (s *Signal) Wake(uint64) {
	select {
	case s.ch <- struct{}{}:
	default:
	}
}

// Waker returns a Waker that wakes s.
func (s *Signal) Waker() Waker { return Waker{w: s} }

// BlockingWait blocks until s is woken or ctx is done, and consumes the wake. It
// returns ctx.Err() when the context ended first.
func (s *Signal) BlockingWait(ctx context.Context) error {
	if done := ctx.Done(); done != nil {
		select {
		case <-s.ch:
			return nil
		case <-done:
			return ctx.Err()
		}
	}
	<-s.ch
	return nil
}

// C returns the channel that receives a value on each (coalesced) wake, for use
// in a select statement.
func (s *Signal) C() <-chan struct{} { return s.ch }

// Block polls f on the calling goroutine until it completes or ctx is done,
// sleeping between polls until f's waker is woken. It is the simplest
// executor: one future, no runtime. Futures that need a runtime (timers,
// spawning) must be run with weft.BlockOn instead. If ctx ends first, f is
// dropped and the error is ctx.Err().
func Block[T any](ctx context.Context, f Future[T]) (T, error) {
	if f == nil {
		panic("future: Block of a nil future")
	}
	s := NewSignal()
	cx := NewContext(s.Waker())
	for {
		if v, ok := f.Poll(cx); ok {
			Drop(f)
			return v, nil
		}
		if err := s.BlockingWait(ctx); err != nil {
			Drop(f)
			var zero T
			return zero, err
		}
	}
}

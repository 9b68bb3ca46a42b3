package mpsc

import "github.com/weftrt/weft/internal/ringbuf"

// ring is the channel's FIFO buffer, internal/ringbuf's Ring (shared with
// package mpmc): it starts empty and grows by doubling as it fills, up to
// the capacity of a bounded channel (the slot accounting in chanState keeps
// the number of buffered values at or below it, so the ring never needs
// more). It is guarded by the channel's mutex. The lower-case names are the
// ones the channel's code was written against.
type ring[T any] struct {
	ringbuf.Ring[T]
}

func (r *ring[T]) len() int { return r.Len() }
func (r *ring[T]) push(v T) { r.Push(v) }
func (r *ring[T]) pop() T   { return r.Pop() }

// pushFrom and popInto copy a value once, between *p and its slot.
func (r *ring[T]) pushFrom(p *T) { r.PushFrom(p) }
func (r *ring[T]) popInto(p *T)  { r.PopInto(p) }
func (r *ring[T]) release()      { r.Release() }
func (r *ring[T]) recycle()      { r.Recycle() }

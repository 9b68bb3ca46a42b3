// Package ringbuf is the FIFO buffer of weft's queue-shaped channels (mpsc,
// mpmc): a circular slice that allocates nothing until the first value
// arrives and grows by doubling as it fills, up to a limit, so that a channel
// made with a huge capacity costs nothing until it holds a backlog.
//
// A Ring is not safe for concurrent use: the channel's mutex guards it.
//
// Backing arrays of recycleBytes or more go round through a pool per
// element type: a channel that can never be used again gives its array
// back (Recycle), and the next ring of that type that grows to that size
// takes it instead of allocating and zeroing a new one. A channel made,
// used and closed per request then stops allocating its buffer (one 32 KiB
// value's slot cost 12-17 µs to allocate, against 0.3 µs to copy).
package ringbuf

import (
	"reflect"
	"sync"
	"unsafe"
)

// Ring is a growable circular FIFO. The zero Ring is empty, has no backing
// array and no limit.
type Ring[T any] struct {
	buf   []T
	head  int // index of the oldest value
	n     int // number of values
	limit int // largest size the ring grows to; 0 means no limit
}

// minFirst is the most slots a ring's first allocation has.
const minFirst = 16

// firstBytes bounds the size in bytes of a ring's first allocation, so that
// a channel of large values that carries only a few of them does not pay for
// sixteen: one value of 512 bytes or more, eight of 64 bytes, sixteen ints.
// The first allocation has at least one slot. (With 4 KiB, a channel made
// for one 512-byte value allocated, and zeroed, eight.)
const firstBytes = 512

// releaseAbove is the size above which Release frees an empty ring's
// backing array, so that one burst does not pin memory for good.
const releaseAbove = 1024

// recycleBytes is the smallest backing array, in bytes, that goes through
// the pool: below it allocating is cheap, and the pool would cost more.
const recycleBytes = 16 << 10

// pools maps an element type to its *sync.Pool of *[]T, each an all-zero
// backing array given back by Recycle.
var pools sync.Map

func poolOf[T any]() *sync.Pool {
	t := reflect.TypeFor[T]()
	if p, ok := pools.Load(t); ok {
		return p.(*sync.Pool)
	}
	p, _ := pools.LoadOrStore(t, new(sync.Pool))
	return p.(*sync.Pool)
}

// Recycle gives the backing array of an empty ring to the pool of its
// element type, and leaves the ring without one (a later Push allocates
// again, so nothing goes wrong if the owner was mistaken). The owner calls it
// when the ring can never be used again; nothing else may hold the array.
// The array is all zero: Pop and PopInto clear each slot they empty, and the
// slots never filled were never written.
func (r *Ring[T]) Recycle() {
	if r.n != 0 || len(r.buf) == 0 || elemSize[T]()*cap(r.buf) < recycleBytes {
		return
	}
	b := r.buf[:cap(r.buf)]
	r.buf, r.head = nil, 0
	poolOf[T]().Put(&b)
}

// reuse returns a pooled array of at least size slots (cut to the limit),
// or nil.
func (r *Ring[T]) reuse(size int) []T {
	if elemSize[T]()*size < recycleBytes {
		return nil
	}
	p, _ := poolOf[T]().Get().(*[]T)
	if p == nil || len(*p) < size {
		return nil // none, or too small: let the collector have it
	}
	b := *p
	if r.limit > 0 && len(b) > r.limit {
		b = b[:r.limit]
	}
	return b
}

func elemSize[T any]() int {
	var zero T
	return int(unsafe.Sizeof(zero))
}

// SetLimit makes n (when positive) the largest number of slots the ring
// grows to. The owner must keep Len at or below it: a channel's slot
// accounting does. Set it before the first Push.
func (r *Ring[T]) SetLimit(n int) { r.limit = n }

// Len returns the number of values.
func (r *Ring[T]) Len() int { return r.n }

// Cap returns the number of slots allocated.
func (r *Ring[T]) Cap() int { return len(r.buf) }

// Push appends v, growing the ring when it is full.
func (r *Ring[T]) Push(v T) { r.PushFrom(&v) }

// PushFrom appends *p, growing the ring when it is full. It copies the value
// once, from *p into its slot, where Push(v) may copy a large value on the
// way (the argument, then the slot): the send of a 32 KiB value.
func (r *Ring[T]) PushFrom(p *T) {
	if r.n == len(r.buf) {
		r.grow()
	}
	i := r.head + r.n
	if i >= len(r.buf) {
		i -= len(r.buf)
	}
	r.buf[i] = *p
	r.n++
}

// PopInto moves the oldest value into *p and clears its slot, like Pop
// without the copies of a returned value. The ring must not be empty.
func (r *Ring[T]) PopInto(p *T) {
	*p = r.buf[r.head]
	// clear writes the slot once; storing a zero T made a zeroed copy on
	// the stack first and then copied it (two passes over a 32 KiB value).
	clear(r.buf[r.head : r.head+1])
	r.head++
	if r.head == len(r.buf) {
		r.head = 0
	}
	r.n--
	if r.n == 0 {
		r.head = 0
	}
}

// Pop removes and returns the oldest value, clearing its slot so that the
// ring does not keep what the value points to alive. The ring must not be
// empty.
func (r *Ring[T]) Pop() T {
	var v T
	r.PopInto(&v)
	return v
}

// Release drops the backing array of an empty ring larger than 1,024 slots
// (an unbounded channel after a burst). A bounded channel does not call it:
// it keeps its buffer once grown, so that sends stop allocating.
func (r *Ring[T]) Release() {
	if r.n == 0 && len(r.buf) > releaseAbove {
		r.buf, r.head = nil, 0
	}
}

// grow doubles the ring (or makes its first allocation), without passing
// the limit.
func (r *Ring[T]) grow() {
	size := 2 * len(r.buf)
	if size == 0 {
		size = firstSize[T]()
	}
	if r.limit > 0 && size > r.limit {
		// The owner keeps n <= limit; max only guards a broken invariant
		// from turning into an index panic here.
		size = max(r.limit, r.n+1)
	}
	nb := r.reuse(size)
	if nb == nil {
		nb = make([]T, size)
	}
	if r.n > 0 {
		k := copy(nb, r.buf[r.head:min(r.head+r.n, len(r.buf))])
		copy(nb[k:], r.buf[:r.n-k])
	}
	r.buf, r.head = nb, 0
}

// firstSize returns the number of slots of a ring's first allocation:
// minFirst, fewer when that would take more than firstBytes, at least 1.
func firstSize[T any]() int {
	size := elemSize[T]()
	if size == 0 {
		return minFirst
	}
	return max(1, min(minFirst, firstBytes/size))
}

package mpsc

import "unsafe"

// ring is the channel's FIFO buffer: a circular slice that starts empty and
// grows by doubling as it fills, up to limit slots when limit > 0 (a bounded
// channel's capacity: the slot accounting in chanState keeps the number of
// buffered values at or below it, so the ring never needs more). It is
// guarded by the channel's mutex.
type ring[T any] struct {
	buf   []T
	head  int // index of the oldest value
	n     int // number of values
	limit int // largest size the ring grows to; 0 means no limit. Immutable.
}

// minRing is the most slots a ring's first allocation has.
const minRing = 16

// firstRingBytes bounds the size in bytes of a ring's first allocation, so
// that a channel of large values that carries only a few of them does not
// pay for sixteen. The first allocation has at least one slot.
const firstRingBytes = 4 << 10

// releaseRing is the size above which an unbounded channel frees its ring
// when it drains, so that one burst does not pin memory for good.
const releaseRing = 1024

func (r *ring[T]) len() int { return r.n }

func (r *ring[T]) push(v T) {
	if r.n == len(r.buf) {
		r.grow()
	}
	i := r.head + r.n
	if i >= len(r.buf) {
		i -= len(r.buf)
	}
	r.buf[i] = v
	r.n++
}

func (r *ring[T]) pop() T {
	var zero T
	v := r.buf[r.head]
	r.buf[r.head] = zero
	r.head++
	if r.head == len(r.buf) {
		r.head = 0
	}
	r.n--
	if r.n == 0 {
		r.head = 0
	}
	return v
}

// release drops the backing array of an empty ring larger than releaseRing.
func (r *ring[T]) release() {
	if r.n == 0 && len(r.buf) > releaseRing {
		r.buf, r.head = nil, 0
	}
}

// grow doubles the ring (or makes its first allocation), without passing
// limit.
func (r *ring[T]) grow() {
	size := 2 * len(r.buf)
	if size == 0 {
		size = firstRing[T]()
	}
	if r.limit > 0 && size > r.limit {
		// The accounting keeps n <= limit; max only guards a broken
		// invariant from turning into an index panic here.
		size = max(r.limit, r.n+1)
	}
	nb := make([]T, size)
	if r.n > 0 {
		k := copy(nb, r.buf[r.head:min(r.head+r.n, len(r.buf))])
		copy(nb[k:], r.buf[:r.n-k])
	}
	r.buf, r.head = nb, 0
}

// firstRing returns the number of slots of a ring's first allocation:
// minRing, fewer when that would take more than firstRingBytes, at least 1.
func firstRing[T any]() int {
	var zero T
	size := int(unsafe.Sizeof(zero))
	if size == 0 {
		return minRing
	}
	return max(1, min(minRing, firstRingBytes/size))
}

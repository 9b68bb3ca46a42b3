package mpsc

// ring is the channel's FIFO buffer: a power-of-two circular slice that grows
// by doubling. It is guarded by the channel's mutex.
type ring[T any] struct {
	buf  []T
	head int // index of the oldest value
	n    int // number of values
}

// minRing is the size of a ring's first allocation.
const minRing = 16

// releaseRing is the size above which an unbounded channel frees its ring
// when it drains, so that one burst does not pin memory for good.
const releaseRing = 1024

func (r *ring[T]) len() int { return r.n }

// reserve makes room for n values without growing later (bounded channels
// call it up front so that a send never allocates in steady state).
func (r *ring[T]) reserve(n int) {
	if n > len(r.buf) {
		r.resize(pow2(n))
	}
}

func (r *ring[T]) push(v T) {
	if r.n == len(r.buf) {
		r.resize(max(2*len(r.buf), minRing))
	}
	r.buf[(r.head+r.n)&(len(r.buf)-1)] = v
	r.n++
}

func (r *ring[T]) pop() T {
	var zero T
	v := r.buf[r.head]
	r.buf[r.head] = zero
	r.head = (r.head + 1) & (len(r.buf) - 1)
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

func (r *ring[T]) resize(size int) {
	nb := make([]T, size)
	if r.n > 0 {
		k := copy(nb, r.buf[r.head:min(r.head+r.n, len(r.buf))])
		copy(nb[k:], r.buf[:r.n-k])
	}
	r.buf, r.head = nb, 0
}

// pow2 returns the smallest power of two that is at least n (n >= 1).
func pow2(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}

package ringbuf

// Slots returns the ring's backing array, for tests that check which array
// a ring uses and what its free slots hold.
func (r *Ring[T]) Slots() []T { return r.buf }

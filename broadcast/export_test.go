package broadcast

// Waiters returns how many Recv and Closed futures are linked.
func Waiters[T any](tx *Sender[T]) (recv, closed int) {
	s := tx.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waiters.Len(), s.closedq.Len()
}

// HeldValues returns how many slots still hold a value some receiver has
// not read.
func HeldValues[T any](tx *Sender[T]) int {
	s := tx.s
	n := 0
	for i := range s.buf {
		sl := &s.buf[i]
		sl.mu.Lock()
		if sl.rem > 0 {
			n++
		}
		sl.mu.Unlock()
	}
	return n
}

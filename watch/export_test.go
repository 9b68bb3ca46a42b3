package watch

// Waiters returns how many Changed/WaitFor and Closed futures are linked.
func Waiters[T any](tx *Sender[T]) (changed, closed int) {
	s := tx.s
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rxq.Len(), s.txq.Len()
}

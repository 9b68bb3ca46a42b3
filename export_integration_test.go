package weft

// Test hooks for the integration tests (integration_*_test.go): waiter
// counts of the primitives that keep them private, so that a test can tell
// that tasks are parked on a primitive and, after they were aborted, that
// they left nothing in its queue.

// MutexWaitersForTest returns how many Lock futures are queued on m.
func MutexWaitersForTest[T any](m *Mutex[T]) int { return m.sem.Waiters() }

// RwLockWaitersForTest returns how many Read and Write futures are queued on
// l.
func RwLockWaitersForTest[T any](l *RwLock[T]) int { return l.sem.Waiters() }

// SemaphoreWaitersForTest returns how many Acquire futures are queued on s.
func SemaphoreWaitersForTest(s *Semaphore) int { return s.sem.Waiters() }

// BarrierWaitersForTest returns how many Wait futures are queued on b, and
// how many arrivals the current generation has.
func BarrierWaitersForTest(b *Barrier) (queued, arrived int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.mu.q.Len(), b.mu.arrived
}

// JoinSetHasWakerForTest reports whether js holds a consumer's waker: a
// JoinNext, Shutdown or JoinAll is registered to be woken.
func JoinSetHasWakerForTest[T any](js *JoinSet[T]) bool {
	js.mu.Lock()
	defer js.mu.Unlock()
	return !js.mu.waker.IsZero()
}

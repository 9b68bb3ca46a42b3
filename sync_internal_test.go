package weft

// White-box checks that a dropped waiting future leaves nothing in its
// primitive's waiter list, for every waiting future of this package. The
// external tests check the behaviour; these look at the lists themselves.

import (
	"testing"

	"github.com/weftrt/weft/future"
)

func syncInternalCx() *future.Context { return future.NewContext(future.Noop()) }

func TestDroppedWaitersLeaveEveryWaiterListEmpty(t *testing.T) {
	cx := syncInternalCx()

	m := NewMutex(0)
	mg, _ := m.TryLock()
	ml := m.Lock()
	ml.Poll(cx)
	if m.sem.Waiters() != 1 {
		t.Fatal("Mutex.Lock did not queue")
	}
	ml.Drop()
	mg.Unlock()

	l := NewRwLock(0)
	wg, _ := l.TryWrite()
	r, w := l.Read(), l.Write()
	r.Poll(cx)
	w.Poll(cx)
	if l.sem.Waiters() != 2 {
		t.Fatal("RwLock futures did not queue")
	}
	r.Drop()
	w.Drop()
	wg.Unlock()

	s := NewSemaphore(0)
	a := s.Acquire(3)
	a.Poll(cx)
	a.Drop()

	n := NewNotify()
	nf := n.Notified()
	nf.Poll(cx)
	nf.Drop()

	b := NewBarrier(3)
	bf := b.Wait()
	bf.Poll(cx)
	if b.mu.q.Len() != 1 {
		t.Fatal("Barrier.Wait did not queue")
	}
	bf.Drop()

	for name, got := range map[string]int{
		"Mutex":     m.sem.Waiters(),
		"RwLock":    l.sem.Waiters(),
		"Semaphore": s.sem.Waiters(),
		"Notify":    n.Waiters(),
		"Barrier":   b.mu.q.Len(),
	} {
		if got != 0 {
			t.Errorf("%s: %d waiters left after drop", name, got)
		}
	}
	if n.state.Load()&notifyStateMask != notifyEmpty {
		t.Errorf("Notify state %d after its only waiter dropped, want empty", n.state.Load()&notifyStateMask)
	}
	if got := l.sem.Available(); got != MaxRwLockReaders {
		t.Errorf("RwLock has %d permits after all dropped, want %d", got, MaxRwLockReaders)
	}
}

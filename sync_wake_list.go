package weft

import "github.com/weftrt/weft/future"

// syncNoCopy makes go vet's copylocks check report copies of the futures
// that embed it: a future copied while it waits would corrupt its waiter
// list.
type syncNoCopy struct{}

func (*syncNoCopy) Lock()   {}
func (*syncNoCopy) Unlock() {}

// syncWakeList collects the wakers that a critical section of Notify or
// Barrier released, so that they are woken after the lock is dropped: a
// Waker is never called with a primitive's lock held, so a Waker that calls
// back into the primitive cannot deadlock. The first few wakers fit in the
// list itself (on the caller's stack); more spill into a slice that is
// allocated once per batch.
type syncWakeList struct {
	inline [8]future.Waker
	n      int
	more   []future.Waker
}

// push adds w; the zero Waker (a waiter registered by Enable) is skipped.
func (l *syncWakeList) push(w future.Waker) {
	if w.IsZero() {
		return
	}
	if l.n < len(l.inline) {
		l.inline[l.n] = w
		l.n++
		return
	}
	l.more = append(l.more, w)
}

// wakeAll wakes every collected waker once and empties the list.
func (l *syncWakeList) wakeAll() {
	n, more := l.n, l.more
	l.n, l.more = 0, nil
	for i := range n {
		w := l.inline[i]
		l.inline[i] = future.Waker{}
		w.Wake()
	}
	for _, w := range more {
		w.Wake()
	}
}

package semaphore

import "github.com/weftrt/weft/future"

// wakeList collects the wakers of the waiters a critical section completed,
// so that they are woken after the lock is released. The first few fit in the
// list itself (on the caller's stack); a Release that completes more than that
// spills into a slice, which allocates once for the whole batch.
type wakeList struct {
	inline [8]future.Waker
	n      int
	more   []future.Waker
}

// push adds w; the zero Waker (a waiter that never registered one) is skipped.
func (l *wakeList) push(w future.Waker) {
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
func (l *wakeList) wakeAll() {
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

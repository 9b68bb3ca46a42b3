package mpsc

import (
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/waitq"
	"github.com/weftrt/weft/internal/wakelist"
)

// acquire is the part of a Send or Reserve future that obtains slots: it
// takes them from free at once, or waits in sendq for releaseLocked to grant
// them. Its fields are owned by the future's poller, except w's N, Waker and
// Notified while w is linked, which are guarded by the channel's mutex.
type acquire[T any] struct {
	w     waitq.Waiter
	want  int64 // slots to obtain
	state acquireState
}

type acquireState uint8

const (
	// acquireIdle: not polled yet; holds nothing.
	acquireIdle acquireState = iota
	// acquireWaiting: linked in sendq (or unlinked by a close or a grant
	// that the poller has not seen yet); holds want - w.N slots.
	acquireWaiting
	// acquireDone: the slots were handed over, or given back; holds nothing.
	acquireDone
)

// reset makes a an unstarted acquisition of want slots. a must not be
// waiting (its entry is unlinked). It writes only what a past use changed,
// field by field: assigning a whole acquire (its entry holds pointers) costs
// a bulk write barrier while the collector runs, on every Send.Reset.
func (a *acquire[T]) reset(want int64) {
	a.want, a.state = want, acquireIdle
	if !a.w.Waker.IsZero() {
		a.w.Waker = future.Waker{}
	}
	a.w.N, a.w.Notified = 0, false
}

// pollLocked advances the acquisition. It returns done=false while waiting;
// done=true with err=nil when the caller now holds want slots (counted in
// c.held); done=true with ErrClosed when the Receiver is closed, in which case
// everything granted so far went back through releaseLocked (wakers to wl).
// Mirrors tokio sync/batch_semaphore.rs Semaphore::poll_acquire.
func (a *acquire[T]) pollLocked(c *chanState[T], cx *future.Context, wl *wakelist.List) (done bool, err error) {
	if c.rxClosed {
		a.abandonLocked(c, wl)
		return true, ErrClosed
	}
	switch a.state {
	case acquireIdle:
		if a.want == 0 {
			// Nothing to wait for, even behind other senders.
			a.state = acquireDone
			return true, nil
		}
		if c.free >= int(a.want) && c.sendq.Len() == 0 {
			c.free -= int(a.want)
			c.held += int(a.want)
			a.state = acquireDone
			return true, nil
		}
		// free > 0 only when nobody waits, so this takes what there is
		// without overtaking anyone.
		take := c.free
		c.free = 0
		c.held += take
		a.w.N = a.want - int64(take)
		a.w.Waker = cx.Waker()
		a.w.Notified = false
		c.sendq.PushBack(&a.w)
		a.state = acquireWaiting
		return false, nil
	case acquireWaiting:
		if a.w.Notified && !a.w.Linked() {
			a.state = acquireDone
			return true, nil
		}
		if w := cx.Waker(); a.w.Waker != w {
			a.w.Waker = w
		}
		return false, nil
	}
	panic("mpsc: future polled after completion")
}

// abandon takes c's lock, abandons the acquisition (abandonLocked), and wakes
// whoever that let through once the lock is released: the Drop of a waiting
// Send or Reserve.
func (a *acquire[T]) abandon(c *chanState[T]) {
	var wl wakelist.List
	c.mu.Lock()
	a.abandonLocked(c, &wl)
	c.checkLocked()
	c.mu.Unlock()
	wl.WakeAll()
}

// abandonLocked gives back whatever the acquisition holds and leaves the
// queue: the Drop of a waiting future, or the failure after a close.
func (a *acquire[T]) abandonLocked(c *chanState[T], wl *wakelist.List) {
	if a.state != acquireWaiting {
		a.state = acquireDone
		return
	}
	a.state = acquireDone
	c.sendq.Remove(&a.w)
	if held := int(a.want - a.w.N); held > 0 {
		c.held -= held
		c.releaseLocked(held, wl)
	}
}

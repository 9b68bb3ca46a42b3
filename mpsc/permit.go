package mpsc

import "github.com/weftrt/weft/internal/wakelist"

// Permit holds slots of a bounded channel reserved by [Sender.Reserve],
// [Sender.ReserveMany] or their Try forms. Each [Permit.Send] fills one slot
// and cannot fail; [Permit.Release] gives back the ones left. Slots held by a
// permit are not available to other senders, and a permit that holds slots
// keeps the channel open for the receiver even after every Sender is closed,
// so an unused permit must be released.
//
// A Permit may be shared by goroutines; its methods are serialized by the
// channel's lock.
type Permit[T any] struct {
	c *chanState[T]
	n int // slots still held; guarded by c.mu
}

// newPermitLocked wraps n slots that the caller moved into held; a permit
// that holds slots counts as a holder.
func newPermitLocked[T any](c *chanState[T], n int) *Permit[T] {
	if n > 0 {
		c.holders++
	}
	return &Permit[T]{c: c, n: n}
}

// Send buffers v in one of the permit's slots. It never waits and never
// fails: a value sent through a permit is delivered even if the Receiver was
// closed after the permit was granted. Send panics when the permit holds no
// slot (all used or released).
//
// Send synchronizes before the receive that returns v.
func (p *Permit[T]) Send(v T) {
	c := p.c
	c.mu.Lock()
	if p.n == 0 {
		c.mu.Unlock()
		panic("mpsc: Send on a Permit with no slot left")
	}
	p.n--
	c.held--
	w := c.pushLocked(v)
	if p.n == 0 {
		// The value just pushed wakes the receiver anyway.
		c.dropHolderLocked()
	}
	c.checkLocked()
	c.mu.Unlock()
	w.Wake()
}

// Release gives back the slots the permit still holds, to waiting senders
// first. Releasing an empty permit does nothing.
func (p *Permit[T]) Release() {
	c := p.c
	var wl wakelist.List
	c.mu.Lock()
	if p.n == 0 {
		c.mu.Unlock()
		return
	}
	n := p.n
	p.n = 0
	c.held -= n
	c.releaseLocked(n, &wl)
	wl.Push(c.dropHolderLocked())
	c.checkLocked()
	c.mu.Unlock()
	wl.WakeAll()
}

// Len returns the number of slots the permit still holds.
func (p *Permit[T]) Len() int {
	c := p.c
	c.mu.Lock()
	defer c.mu.Unlock()
	return p.n
}

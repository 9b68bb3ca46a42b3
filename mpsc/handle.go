package mpsc

import "sync/atomic"

// handle is what Sender and UnboundedSender have in common: a counted
// reference on the channel that is released once, by Close.
type handle[T any] struct {
	c *chanState[T]
	// closed is set by the first Close; afterwards the handle must not send.
	closed atomic.Bool
}

// mustBeOpenLocked panics when the handle was closed: using it is like
// sending on a closed Go channel. The caller holds c.mu, which it releases
// first.
func (h *handle[T]) mustBeOpenLocked() {
	if h.closed.Load() {
		h.c.mu.Unlock()
		panic("mpsc: send on a closed Sender")
	}
}

func (h *handle[T]) clone() *chanState[T] {
	c := h.c
	c.mu.Lock()
	h.mustBeOpenLocked()
	c.senders++
	c.holders++
	c.mu.Unlock()
	return c
}

func (h *handle[T]) close() {
	if !h.closed.CompareAndSwap(false, true) {
		return
	}
	c := h.c
	c.mu.Lock()
	c.senders--
	w := c.dropHolderLocked()
	c.checkLocked()
	c.mu.Unlock()
	w.Wake()
}

func (h *handle[T]) isClosed() bool {
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rxClosed
}

func (h *handle[T]) strongCount() int {
	c := h.c
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.senders
}

// upgrade adds a sender to the channel unless it is closed for good.
func upgrade[T any](c *chanState[T]) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.txClosed {
		return false
	}
	c.senders++
	c.holders++
	return true
}

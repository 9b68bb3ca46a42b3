package mpsc

import "github.com/weftrt/weft/future"

// Stats is a snapshot of a channel's internal accounting, for tests that
// check that aborted waits leave nothing behind.
type Stats struct {
	Free, Held, Buffered int
	SendWaiters          int
	ClosedWaiters        int
	RxWaker              future.Waker
	Holders              int
}

// StatsOf returns the accounting of rx's channel.
func StatsOf[T any](rx *Receiver[T]) Stats {
	c := rx.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checkLocked()
	return Stats{
		Free: c.free, Held: c.held, Buffered: c.buf.len(),
		SendWaiters: c.sendq.Len(), ClosedWaiters: c.closedq.Len(),
		RxWaker: c.rxWaker, Holders: c.holders,
	}
}

// RingCap returns the length of the channel's ring buffer.
func RingCap[T any](rx *Receiver[T]) int {
	c := rx.c
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Cap()
}

package mpmc

// Stats is a snapshot of a channel's accounting, for tests that check what
// a transition or an aborted wait left behind.
type Stats struct {
	Free, Held, Buffered, Promised int
	SendWaiters, RecvWaiters       int
	Closed                         bool
}

// StatsOf returns the accounting of rx's channel, after checking its
// invariants (in race and invariants builds).
func StatsOf[T any](rx *Receiver[T]) Stats {
	c := rx.c
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checkLocked()
	return Stats{
		Free: c.free, Held: c.held, Buffered: c.buf.Len(), Promised: c.promised,
		SendWaiters: c.sendq.Len(), RecvWaiters: c.recvq.Len(), Closed: c.closed,
	}
}

// RingCap returns the number of slots the channel's buffer has allocated.
func RingCap[T any](rx *Receiver[T]) int {
	c := rx.c
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Cap()
}

package sched

import (
	"sync/atomic"
	"time"
)

// Parker puts one goroutine to sleep until another unparks it. An Unpark that
// comes before Park is remembered (one token), so a wake-up is never lost
// between deciding to park and parking. It sleeps on a channel, so it works
// inside a testing/synctest bubble.
//
// Only the owner calls Park; anyone calls Unpark.
type Parker struct {
	// state is parkEmpty, parkParked or parkNotified.
	state atomic.Int32
	ch    chan struct{}
}

const (
	parkEmpty int32 = iota
	parkParked
	parkNotified
)

// NewParker returns a Parker with no pending token.
func NewParker() *Parker { return &Parker{ch: make(chan struct{}, 1)} }

// Park blocks until Unpark is called (or was called since the last Park
// returned), or until timeout passes when timeout >= 0. It reports whether it
// returned because of an Unpark.
//
// Everything the unparker did before Unpark happens before Park returns
// true.
func (p *Parker) Park(timeout time.Duration) bool {
	// Fast path: a token is waiting.
	if p.state.CompareAndSwap(parkNotified, parkEmpty) {
		return true
	}
	if timeout == 0 {
		return false
	}
	if !p.state.CompareAndSwap(parkEmpty, parkParked) {
		// The only other value is parkNotified: an Unpark slipped in.
		p.state.Store(parkEmpty)
		return true
	}
	if timeout < 0 {
		<-p.ch
		p.state.Store(parkEmpty)
		return true
	}
	t := time.NewTimer(timeout)
	select {
	case <-p.ch:
		t.Stop()
		p.state.Store(parkEmpty)
		return true
	case <-t.C:
	}
	// Timed out. Withdraw; if an Unpark won the race, consume its token so
	// the channel is empty for the next Park.
	if p.state.CompareAndSwap(parkParked, parkEmpty) {
		return false
	}
	<-p.ch
	p.state.Store(parkEmpty)
	return true
}

// Unpark wakes the owner if it is parked, or lets its next Park return at
// once.
//
// A token that is already waiting needs no second one: Unpark then only
// loads the state (no locked instruction; a spawner from outside a busy
// current-thread runtime unparks once per spawn). Nothing is lost: the load
// saw the token before the owner's Park took it, so in the single order of
// atomic operations the caller's earlier writes (a task pushed to a queue)
// come before that Park, and the owner looks at its queues after it.
func (p *Parker) Unpark() {
	if p.state.Load() == parkNotified {
		return
	}
	if p.state.Swap(parkNotified) == parkParked {
		p.ch <- struct{}{}
	}
}

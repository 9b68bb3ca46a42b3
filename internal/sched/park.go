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
//
// A Parker can also sleep in the I/O driver (ParkOn): Unpark then wakes the
// driver instead of the channel.
type Parker struct {
	// state is parkEmpty, parkParked, parkParkedIO or parkNotified.
	state atomic.Int32
	ch    chan struct{}
	// io is the driver ParkOn sleeps in; written by the owner before the
	// CAS to parkParkedIO, read by an Unpark that swapped that value out.
	io IODriver
	// gate is p.enterIO, made once so that ParkOn does not allocate.
	gate func() bool
	// gateNotified: the gate found a token (owner only).
	gateNotified bool
}

const (
	parkEmpty int32 = iota
	parkParked
	parkParkedIO
	parkNotified
)

// NewParker returns a Parker with no pending token.
func NewParker() *Parker {
	p := &Parker{ch: make(chan struct{}, 1)}
	p.gate = p.enterIO
	return p
}

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

// ParkOn is Park in the I/O driver io: the owner blocks in io.Block (which
// dispatches the events it finds) until an event, Unpark, or the timeout;
// timeout 0 polls io without blocking. With a nil or inactive driver it is
// Park. Only one goroutine at a time may ParkOn a given driver (the one that
// owns the scheduler's timed wait); see internal/iodriver's contract.
func (p *Parker) ParkOn(io IODriver, timeout time.Duration) bool {
	if io == nil || !io.Active() {
		return p.Park(timeout)
	}
	if p.state.CompareAndSwap(parkNotified, parkEmpty) {
		return true
	}
	if timeout == 0 {
		io.Poll()
		return false
	}
	if p.io != io {
		// Only the first ParkOn writes it (a scheduler has one driver),
		// before any Unpark can see parkParkedIO and read it.
		p.io = io
	}
	p.gateNotified = false
	io.Block(timeout, p.gate)
	if p.gateNotified {
		return true
	}
	// parkParkedIO, or parkNotified when an Unpark came (it woke the
	// driver, whose wake-up the next Block may see: a spare wake).
	return p.state.Swap(parkEmpty) == parkNotified
}

// enterIO runs inside io.Block once the owner is the driver's poller, just
// before it blocks: it publishes that the owner sleeps in the driver, unless
// a token is already there.
func (p *Parker) enterIO() bool {
	if p.state.CompareAndSwap(parkEmpty, parkParkedIO) {
		return true
	}
	// The only other value is parkNotified: an Unpark slipped in.
	p.state.Store(parkEmpty)
	p.gateNotified = true
	return false
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
	switch p.state.Swap(parkNotified) {
	case parkParked:
		p.ch <- struct{}{}
	case parkParkedIO:
		p.io.Wake()
	}
}

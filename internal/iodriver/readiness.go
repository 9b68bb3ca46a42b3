package iodriver

/*
This file owns the readiness word of a Registration: every bit, every
transition. registration.go is the only code that acts on the results.

# State word

One atomic uint64 per registered fd.

  READABLE      1<<0  the fd may have data (or a pending connection) to read.
  WRITABLE      1<<1  the fd may accept a write (or a connect finished).
  READ_CLOSED   1<<2  the peer shut its write side (EPOLLRDHUP) or the socket
                      hung up: reads return EOF from now on. Never cleared.
  WRITE_CLOSED  1<<3  the socket hung up (EPOLLHUP): writes fail from now on.
                      Never cleared.
  ERROR         1<<4  the socket has a pending error (EPOLLERR); the next
                      operation reports it.
  CLOSED        1<<5  the owner closed the registration: every wait and every
                      operation fails with ErrClosed. Set once, never cleared.
  SHUTDOWN      1<<6  the driver shut down (the runtime closed): every wait and
                      every operation fails with the shutdown error. Set once.
  RELEASED      1<<7  the fd has been handed back (deregistered and closed) by
                      whoever saw CLOSED with no user left. Set once, only
                      together with CLOSED and users == 0.
  tick          bits 8..23: counts the events the driver delivered. An
                operation that found the fd not ready after all (EAGAIN)
                clears READABLE or WRITABLE only if the tick is still the one
                it read its readiness at: an event delivered in between is
                newer than the EAGAIN and must not be lost.
  users         bits 32..63: operations in flight, each between acquire and
                release around one system call on the fd. The fd is closed
                only when the last of them is done, so that a concurrent
                Close never closes (and lets the kernel reuse) an fd number
                another goroutine is about to pass to read or write.

A registration starts READABLE|WRITABLE with tick 0 and no user: an fd is
assumed ready until an operation finds EAGAIN and clears the bit, as Go's
own poller assumes. The first read or write of a new socket then does not
wait for the driver's first turn; the cost is one EAGAIN when the guess is
wrong. (epoll also reports a new edge-triggered registration's state at
once, which sets the bits again.)

# Transitions

Each transition below is a pure function over a Readiness that returns the
next value and what the caller must do; the methods of Registration wrap
them in compare-and-swap loops. Go's atomics are sequentially consistent, so
every successful CAS is ordered with every other operation on the word.

	deliver(ready)     driver event: OR the bits in, tick+1. Always written.
	clear(ev)          EAGAIN: drop ev's READABLE/WRITABLE/ERROR bits if the
	                   tick is still ev's. The CLOSED bits stay.
	acquire            an operation starts: users+1, unless CLOSED or SHUTDOWN.
	release            the operation ended: users-1; the last one after CLOSED
	                   sets RELEASED and must hand the fd back.
	close              CLOSED; with no user, RELEASED too and the closer hands
	                   the fd back. Only the first close does anything.
	shutdown           SHUTDOWN. Idempotent.

Two decisions read the word without writing it: checkWait, what a waiter
does on reading it (rules 1 and 2 of registration.go), and wokenBy, which
waiters an event satisfies (rule 3).

Mirrors tokio runtime/io/scheduled_io.rs (readiness, tick, shutdown), with
two deviations: the tick is per registration instead of the driver's turn
counter (an event bumps it by one; 16 bits cannot wrap between one
operation's read of the word and its clear without 65,536 events on the same
fd in between), and the word also counts the operations in flight, which Rust
gets from the borrow checker (no Close while a read borrows the stream) and Go
does not.
*/

import (
	"fmt"
	"strings"

	"github.com/weftrt/weft/internal/invariants"
)

// Readiness is one reading of a registration's state word.
type Readiness uint64

const (
	readable    Readiness = 1 << 0
	writable    Readiness = 1 << 1
	readClosed  Readiness = 1 << 2
	writeClosed Readiness = 1 << 3
	errorBit    Readiness = 1 << 4
	closedBit   Readiness = 1 << 5
	shutdownBit Readiness = 1 << 6
	releasedBit Readiness = 1 << 7

	// readyMask is every bit an event can set.
	readyMask = readable | writable | readClosed | writeClosed | errorBit
	// clearable is what an EAGAIN may clear: the closed bits are final.
	clearable = readable | writable | errorBit

	// initialReadiness is a new registration's word.
	initialReadiness = readable | writable

	tickShift = 8
	tickMask  = Readiness(0xFFFF) << tickShift

	userShift = 32
	userOne   = Readiness(1) << userShift
	maxUsers  = 1<<(64-userShift) - 1
)

// Direction is what a waiter waits for: reading or writing.
type Direction uint8

const (
	// Read waits until the fd is readable, read-closed or in error.
	Read Direction = 1
	// Write waits until the fd is writable, write-closed or in error.
	Write Direction = 2
)

// mask returns the readiness bits that satisfy a wait in d.
func (d Direction) mask() Readiness {
	switch d {
	case Read:
		return readable | readClosed | errorBit
	case Write:
		return writable | writeClosed | errorBit
	}
	return readable | writable | readClosed | writeClosed | errorBit
}

// String names the direction.
func (d Direction) String() string {
	switch d {
	case Read:
		return "read"
	case Write:
		return "write"
	}
	return "read|write"
}

// Ready returns the event bits that are set.
func (s Readiness) Ready() Readiness { return s & readyMask }

// IsReadable reports whether READABLE is set.
func (s Readiness) IsReadable() bool { return s&readable != 0 }

// IsWritable reports whether WRITABLE is set.
func (s Readiness) IsWritable() bool { return s&writable != 0 }

// IsReadClosed reports whether READ_CLOSED is set.
func (s Readiness) IsReadClosed() bool { return s&readClosed != 0 }

// IsWriteClosed reports whether WRITE_CLOSED is set.
func (s Readiness) IsWriteClosed() bool { return s&writeClosed != 0 }

// IsClosed reports whether the owner closed the registration.
func (s Readiness) IsClosed() bool { return s&closedBit != 0 }

// IsShutdown reports whether the driver shut down.
func (s Readiness) IsShutdown() bool { return s&shutdownBit != 0 }

// IsReleased reports whether the fd has been handed back.
func (s Readiness) IsReleased() bool { return s&releasedBit != 0 }

// Tick returns the event counter.
func (s Readiness) Tick() uint16 { return uint16(s >> tickShift) }

// Users returns the number of operations in flight.
func (s Readiness) Users() uint64 { return uint64(s >> userShift) }

// String prints the set bits with Tokio's names, the tick and the users, e.g.
// "READABLE|WRITABLE tick=3 users=0".
func (s Readiness) String() string {
	var b strings.Builder
	names := [...]struct {
		bit  Readiness
		name string
	}{
		{readable, "READABLE"}, {writable, "WRITABLE"}, {readClosed, "READ_CLOSED"},
		{writeClosed, "WRITE_CLOSED"}, {errorBit, "ERROR"}, {closedBit, "CLOSED"},
		{shutdownBit, "SHUTDOWN"}, {releasedBit, "RELEASED"},
	}
	for _, n := range names {
		if s&n.bit != 0 {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			b.WriteString(n.name)
		}
	}
	if b.Len() == 0 {
		b.WriteString("NONE")
	}
	fmt.Fprintf(&b, " tick=%d users=%d", s.Tick(), s.Users())
	return b.String()
}

// Event is what a waiter learned from the word when it found its direction
// ready: the bits, and the tick they were read at (for clear).
type Event struct {
	Ready Readiness
	tick  uint16
}

// event returns the Event a waiter in d reads from s.
func (s Readiness) event(d Direction) Event {
	return Event{Ready: s & d.mask(), tick: s.Tick()}
}

// Results of checkWait.
type waitResult uint8

const (
	// waitPending: the direction is not ready; wait (rule 1: register;
	// rule 2: stay registered).
	waitPending waitResult = iota
	// waitReady: the direction is ready; stop waiting and try the
	// operation.
	waitReady
	// waitClosed: the registration is closed; fail with ErrClosed.
	waitClosed
	// waitShutdown: the driver shut down; fail with its error.
	waitShutdown
)

// checkWait is the decision of a waiter in d that read s, before it
// registers (rule 1 of registration.go) and again under mu after it
// registered (rule 2). A closed or shut-down registration fails the wait
// even when its direction is ready.
func (s Readiness) checkWait(d Direction) waitResult {
	switch {
	case s.IsClosed():
		return waitClosed
	case s.IsShutdown():
		return waitShutdown
	case s&d.mask() != 0:
		return waitReady
	}
	return waitPending
}

// wokenBy is the driver's decision for a waiter in d when it delivers an
// event of bits ready (rule 3): whether the event satisfies it.
func (d Direction) wokenBy(ready Readiness) bool { return ready&d.mask() != 0 }

// transitionDeliver ORs an event's bits in and advances the tick.
// Precondition: ready has only readyMask bits.
func (s Readiness) transitionDeliver(ready Readiness) Readiness {
	if ready&^readyMask != 0 {
		invariants.Violated("iodriver: deliver of non-event bits %#x", uint64(ready))
	}
	tick := (s + 1<<tickShift) & tickMask
	return s&^tickMask | tick | ready
}

// transitionClear drops ev's clearable bits when the tick has not moved since
// ev was read; it reports whether there is anything to write.
// Mirrors tokio ScheduledIo::clear_readiness.
func (s Readiness) transitionClear(ev Event) (Readiness, bool) {
	if s.Tick() != ev.tick {
		// An event came in after ev was read: it is newer than the
		// EAGAIN the caller saw, keep it.
		return s, false
	}
	next := s &^ (ev.Ready & clearable)
	return next, next != s
}

// Results of transitionAcquire.
type acquireResult uint8

const (
	// acquireOK: the caller is a user and may pass the fd to a system call,
	// then must release.
	acquireOK acquireResult = iota
	// acquireClosed: the registration is closed; fail with ErrClosed.
	acquireClosed
	// acquireShutdown: the driver shut down; fail with its error.
	acquireShutdown
)

// transitionAcquire counts a new operation in flight.
func (s Readiness) transitionAcquire() (Readiness, acquireResult) {
	switch {
	case s.IsClosed():
		return s, acquireClosed
	case s.IsShutdown():
		return s, acquireShutdown
	case s.Users() >= maxUsers:
		invariants.Violated("iodriver: users overflow in %v", s)
	}
	return s + userOne, acquireOK
}

// transitionRelease ends an operation; it reports whether the caller was the
// last user of a closed registration and must hand the fd back.
func (s Readiness) transitionRelease() (Readiness, bool) {
	if s.Users() == 0 {
		invariants.Violated("iodriver: release without a user in %v", s)
	}
	next := s - userOne
	if next.IsClosed() && next.Users() == 0 {
		if next.IsReleased() {
			invariants.Violated("iodriver: released twice in %v", s)
		}
		return next | releasedBit, true
	}
	return next, false
}

// Results of transitionClose.
type closeResult uint8

const (
	// closeAgain: already closed; nothing written, nothing to do.
	closeAgain closeResult = iota
	// closeFirst: CLOSED set; wake every waiter. A user is still in a
	// system call and will hand the fd back when it releases.
	closeFirst
	// closeFirstRelease: CLOSED and RELEASED set; wake every waiter and hand
	// the fd back.
	closeFirstRelease
)

// transitionClose marks the registration closed.
func (s Readiness) transitionClose() (Readiness, closeResult) {
	if s.IsClosed() {
		return s, closeAgain
	}
	next := s | closedBit
	if next.Users() == 0 {
		return next | releasedBit, closeFirstRelease
	}
	return next, closeFirst
}

// transitionShutdown marks the driver shut down; it reports whether it is
// the first to.
func (s Readiness) transitionShutdown() (Readiness, bool) {
	if s.IsShutdown() {
		return s, false
	}
	return s | shutdownBit, true
}

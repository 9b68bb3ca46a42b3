package timer

import (
	"sync/atomic"

	"github.com/weftrt/weft/future"
)

// Entry is one timer: the node that a waiting future embeds and links into a
// [Wheel] (directly, or through a [Driver]). Nothing is allocated per timer;
// the zero Entry is an unregistered timer.
//
// An Entry must not be copied once it has been inserted or registered, and
// it stays valid (not reused for anything else) until it has been removed or
// deregistered.
type Entry struct {
	// The fields up to loc belong to the wheel: guarded by whatever guards
	// the wheel (for a Driver, Driver.mu).
	prev, next *Entry // links in a slot list, the wheel's pending list or the driver's wake list
	tick       uint64 // deadline tick while in the wheel
	loc        uint8  // where in the wheel: locNone, locLevel0+level, locPending
	slot       uint8  // slot index within the level

	// The fields below belong to a Driver.

	// where says which of the driver's lists holds the entry; guarded by
	// Driver.mu.
	where uint8
	// state is the owner-visible state (stateIdle, statePending,
	// stateFired, stateShutdown). Written only with Driver.mu held; read by
	// the owner without the lock.
	state atomic.Uint32
	// waker is woken when the entry fires. Written only by the entry's
	// owner with Driver.mu held; read by the driver with Driver.mu held and
	// by the owner at any time (it is the only writer).
	waker future.Waker
}

// Tick returns the deadline tick the entry was inserted with (after
// clamping to [MaxTick]). Only meaningful while it is in a wheel or in the
// fire callback.
func (e *Entry) Tick() uint64 { return e.tick }

// Fired reports whether the entry has fired: its deadline passed, or its
// driver shut down while it was armed. It reads the owner-visible state
// without locking; Register, Reset and Deregister clear it.
func (e *Entry) Fired() bool {
	s := e.state.Load()
	return s == stateFired || s == stateShutdown
}

// InWheel reports whether the entry is linked in a wheel (in a slot, or taken
// out of one and about to be fired or moved).
func (e *Entry) InWheel() bool { return e.loc != locNone }

// Where an entry is in a wheel.
const (
	locNone    uint8 = 0
	locLevel0  uint8 = 1 // locLevel0+l for level l
	locPending uint8 = locLevel0 + numLevels
)

// entryList is an intrusive FIFO of entries through their prev/next links.
type entryList struct {
	head, tail *Entry
}

func (l *entryList) empty() bool { return l.head == nil }

func (l *entryList) pushBack(e *Entry) {
	e.prev, e.next = l.tail, nil
	if l.tail == nil {
		l.head = e
	} else {
		l.tail.next = e
	}
	l.tail = e
}

func (l *entryList) remove(e *Entry) {
	if e.prev == nil {
		l.head = e.next
	} else {
		e.prev.next = e.next
	}
	if e.next == nil {
		l.tail = e.prev
	} else {
		e.next.prev = e.prev
	}
	e.prev, e.next = nil, nil
}

func (l *entryList) popFront() *Entry {
	e := l.head
	if e != nil {
		l.remove(e)
	}
	return e
}

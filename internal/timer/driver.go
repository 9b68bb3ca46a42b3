package timer

/*
# Entry ownership

An Entry has two parties: its owner (the future that embeds it, polled by one
task at a time) and the Driver. The rules, which Register, Reset, Deregister,
Poll and the firing paths follow:

 1. The links, tick, loc, slot and where fields are touched only with
    Driver.mu held.
 2. state moves only with Driver.mu held: the owner moves it to pending
    (Register, Reset) and to idle (Deregister); the driver moves it from
    pending to fired (Process, AutoAdvance) or to shutdown (Shutdown).
    The owner reads it without the lock.
 3. waker is written only by the owner, with Driver.mu held. The driver reads
    it with Driver.mu held; the owner, being its only writer, reads it
    without the lock.
 4. An entry the owner sees idle is in none of the driver's lists, so
    Deregister of an idle entry needs no lock: entries become idle only
    through Deregister, and leave idle only through Register or Reset, both
    called by the owner.
 5. The driver never calls a waker with Driver.mu held. A fired entry is
    moved to the wake list under the lock; wakers are copied out in batches
    of wakeBatch and called after unlocking, so a waker may call back into
    the driver (deregister timers, register new ones) without deadlock. A
    waker already copied into a batch is called even if its entry is
    deregistered meanwhile: a spurious wake, as with Tokio's WakeList.

A fired entry whose waker has not been called yet is on the wake list. The
owner may already see it fired and complete, and may Register or Deregister it
again; either takes it off the wake list (rule 1), and its old waker is then
not called, which is fine, since its owner has already seen it fire.

# Why an owner's Poll is lock-free

Poll loads state; fired or shutdown means done. Otherwise, when the waker the
owner holds is the one already stored (the usual case for a task polled again),
there is nothing to update: a driver that fires the entry later reads that
same waker under the lock. Only a changed waker takes the lock, stores it,
and re-reads state under the lock, so a concurrent fire either sees the new
waker or is seen by the re-read.

# The parked driver's deadline

waiting is the earliest tick at which somebody is known to call Process: the
tick NextDeadline last reported to a parking worker, or the wheel's next
expiration after a Process. Register compares a new deadline with it and, when
the new one is earlier, lowers waiting to it and calls the unpark callback
(outside the lock). Lowering waiting there is safe because the unparked worker
recomputes its deadline from the wheel, which by then holds every entry
registered before; it avoids an unpark per registration when many timers
are registered at once. This mirrors tokio runtime/time/mod.rs reregister and
its next_wake field.
*/

import (
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weftrt/weft/future"
)

// ErrShutdown is returned by [Driver.Register] and [Driver.Poll] once the
// driver has been shut down.
var ErrShutdown = errors.New("timer: driver is shut down")

// Provider is implemented by the executor a runtime puts in a
// [future.Context]: weft's timer futures find their driver with
//
//	p, ok := cx.Executor().(timer.Provider)
type Provider interface {
	// TimerDriver returns the runtime's timer driver. It is the same
	// driver for the runtime's whole life.
	TimerDriver() *Driver
}

// Entry states as the owner sees them (Entry.state).
const (
	stateIdle     uint32 = iota // in no list of the driver
	statePending                // in the wheel, waiting for its deadline
	stateFired                  // deadline reached
	stateShutdown               // fired by Shutdown before its deadline
)

// Which list of the driver holds an entry (Entry.where).
const (
	whereNone uint8 = iota
	whereWheel
	whereWake
)

// noWait is the waiting tick when nobody promised to process the wheel.
const noWait = math.MaxUint64

// wakeBatch is how many wakers Process copies out before it unlocks to call
// them.
const wakeBatch = 32

// Driver drives timers: a mutex-guarded [Wheel] on a [Clock]. A runtime owns
// one; the futures register [Entry] nodes with it, and the runtime's workers
// fire them from their park path (see the package documentation for who calls
// what, and when).
//
// All methods are safe for concurrent use. A Register or Reset that arms an
// entry happens before the wake its firing causes.
type Driver struct {
	clock *Clock // immutable

	// fire and shutFire are the wheel callbacks, bound once so that
	// passing them does not allocate. They run with mu held.
	fire     func(*Entry)
	shutFire func(*Entry)

	// isShutdown mirrors mu.shutdown for lock-free reads.
	isShutdown atomic.Bool
	// held mirrors wheel.Len()+nWake (what Len reports), stored under mu
	// after every change, so that Process can return at once, without the
	// lock, when the driver holds nothing.
	held atomic.Int64

	// activity is what a paused clock waits for before it jumps (see
	// activity.go); timer passes on a paused clock hold a unit of it.
	activity Activity

	// mu guards the wheel, the wake list and the fields below it, plus
	// the fields of every entry in the wheel or the wake list (see the
	// ownership rules at the top of this file).
	mu struct {
		sync.Mutex
		wheel    Wheel
		wake     entryList // fired entries whose wakers are still to be called
		nWake    int
		waiting  uint64 // see "The parked driver's deadline"
		unpark   func()
		fired    uint64 // entries fired so far, for AutoAdvance
		shutdown bool
	}
}

// NewDriver returns a driver on clock c (a real clock if c is nil) with no
// timers and no unpark callback.
func NewDriver(c *Clock) *Driver {
	if c == nil {
		c = NewClock()
	}
	d := &Driver{clock: c}
	d.fire = d.fireLocked
	d.shutFire = d.shutFireLocked
	d.mu.waiting = noWait
	return d
}

// Clock returns the driver's clock.
func (d *Driver) Clock() *Clock { return d.clock }

// Now returns the clock's reading.
func (d *Driver) Now() Instant { return d.clock.Now() }

// IsPaused reports whether the driver's clock is paused.
func (d *Driver) IsPaused() bool { return d.clock.IsPaused() }

// Activity returns the count of what can still run on the runtime that owns
// the driver: AutoAdvance jumps a paused clock only when it is zero (see
// activity.go). The runtime counts into it only when its clock is paused.
func (d *Driver) Activity() *Activity { return &d.activity }

// IsShutdown reports whether Shutdown has been called.
func (d *Driver) IsShutdown() bool { return d.isShutdown.Load() }

// SetUnpark sets the function Register and Reset call when they arm a timer
// earlier than the deadline the parked worker waits for (the one the last
// NextDeadline or Process computed). It is called without the driver's lock
// held and must not block; it must also work when nobody is parked yet (a
// wake-up token the next park consumes, like Tokio's parker). nil means none.
func (d *Driver) SetUnpark(f func()) {
	d.mu.Lock()
	d.mu.unpark = f
	d.mu.Unlock()
}

// Len returns the number of entries the driver holds: registered and not yet
// fired, or fired with their waker still to be called. It is 0 once every
// timer has fired or been deregistered, which is what leak tests check.
func (d *Driver) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.mu.wheel.Len() + d.mu.nWake
}

// Register arms e to fire at deadline and wake w. e must be idle or
// registered with this driver (registering again re-arms it). It is called by
// the entry's owner, normally from its future's Poll.
//
// A deadline that has already passed fires e at once, without calling w: the
// caller sees it with Poll. After shutdown Register returns [ErrShutdown] and
// leaves e as it was.
func (d *Driver) Register(e *Entry, deadline Instant, w future.Waker) error {
	return d.register(e, deadline, w, false)
}

// Reset re-arms e, which must be registered with this driver (pending or
// fired), to fire at deadline, keeping the waker it was registered with. If
// the new deadline has already passed, e fires at once and its waker is
// woken, so a task that reset its timer outside Poll is polled again.
func (d *Driver) Reset(e *Entry, deadline Instant) error {
	if e.state.Load() == stateIdle {
		panic("timer: Reset of an entry that is not registered")
	}
	return d.register(e, deadline, future.Waker{}, true)
}

func (d *Driver) register(e *Entry, deadline Instant, w future.Waker, reset bool) error {
	tick := deadline.DeadlineTick()
	d.mu.Lock()
	if d.mu.shutdown {
		d.mu.Unlock()
		return ErrShutdown
	}
	d.unlinkLocked(e)
	if !reset {
		e.waker = w
	}
	var unpark func()
	var wake future.Waker // a Reset that fired at once wakes its owner
	if tick <= d.clock.Now().Tick() || !d.mu.wheel.Insert(e, tick) {
		e.state.Store(stateFired)
		if reset {
			wake = e.waker
		}
	} else {
		e.where = whereWheel
		e.state.Store(statePending)
		if tick < d.mu.waiting {
			d.mu.waiting = tick
			unpark = d.mu.unpark
		}
	}
	d.publishHeldLocked()
	d.mu.Unlock()
	// Both calls run without the lock (rule 5).
	if unpark != nil {
		unpark()
	}
	wake.Wake()
	return nil
}

// Deregister disarms e: after it returns the driver holds no reference to e,
// and e may be registered again or discarded. Deregistering an idle entry
// does nothing (and takes no lock).
//
// One wake may still arrive after Deregister returns: when e fired and a
// concurrent Process had already copied its waker into the batch it is
// waking (rule 5). That is a spurious wake, which the Future contract
// allows; waking a completed task does nothing.
func (d *Driver) Deregister(e *Entry) {
	if e.state.Load() == stateIdle {
		return // rule 4
	}
	d.mu.Lock()
	d.unlinkLocked(e)
	e.state.Store(stateIdle)
	d.publishHeldLocked()
	d.mu.Unlock()
}

// unlinkLocked takes e off whichever list holds it.
func (d *Driver) unlinkLocked(e *Entry) {
	switch e.where {
	case whereWheel:
		d.mu.wheel.Remove(e)
	case whereWake:
		d.mu.wake.remove(e)
		d.mu.nWake--
	}
	e.where = whereNone
}

// Poll reports whether e, which must be registered with this driver, has
// fired, and makes w the waker its firing wakes. It returns [ErrShutdown]
// (and true) when the driver was shut down before e's deadline. It takes the
// driver's lock only when w differs from the stored waker.
func (d *Driver) Poll(e *Entry, w future.Waker) (fired bool, err error) {
	s := e.state.Load()
	if s == statePending {
		if e.waker == w {
			return false, nil
		}
		d.mu.Lock()
		e.waker = w
		s = e.state.Load()
		d.mu.Unlock()
	}
	switch s {
	case statePending:
		return false, nil
	case stateFired:
		return true, nil
	case stateShutdown:
		return true, ErrShutdown
	default:
		panic("timer: Poll of an entry that is not registered")
	}
}

// fireLocked is the wheel's fire callback for Process and AutoAdvance.
func (d *Driver) fireLocked(e *Entry) {
	e.state.Store(stateFired)
	e.where = whereWake
	d.mu.wake.pushBack(e)
	d.mu.nWake++
	d.mu.fired++
}

// shutFireLocked is the wheel's fire callback for Shutdown.
func (d *Driver) shutFireLocked(e *Entry) {
	e.state.Store(stateShutdown)
	e.where = whereWake
	d.mu.wake.pushBack(e)
	d.mu.nWake++
}

// NextDeadline returns how long a worker that is about to park may sleep
// before it must call Process, and false when no timer is registered (park
// without a timeout). The worker that parks with this timeout owns the
// driver's wait: Register unparks it when an earlier timer arrives. The
// duration is on the driver's clock; with a paused clock the runtime does
// not sleep on it but calls AutoAdvance once everything is idle.
func (d *Driver) NextDeadline() (time.Duration, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.mu.shutdown {
		return 0, false
	}
	t, ok := d.mu.wheel.NextExpiration()
	if !ok {
		d.mu.waiting = noWait
		return 0, false
	}
	d.mu.waiting = t
	return max(TickInstant(t).Sub(d.clock.Now()), 0), true
}

// Process fires every timer whose deadline the clock has reached and wakes
// their wakers (outside the lock, in deadline order). Workers call it after
// every park and from time to time while busy. On a paused clock it holds a
// unit of the Activity while it fires, so that no jump happens while a wake
// is on its way from a timer to its task.
func (d *Driver) Process() {
	if d.held.Load() == 0 {
		// Nothing registered, nothing to wake: the common case of a
		// scheduler that checks timers whenever its queue runs dry.
		return
	}
	if d.clock.IsPaused() {
		d.activity.Acquire()
		defer d.activity.Release()
	}
	d.mu.Lock()
	if !d.mu.shutdown {
		d.mu.wheel.Advance(d.clock.Now().Tick(), d.fire)
		d.setWaitingLocked()
	}
	d.wakeAllLocked()
	d.publishHeldLocked()
	d.mu.Unlock()
}

// publishHeldLocked stores what the driver holds in held.
func (d *Driver) publishHeldLocked() {
	d.held.Store(int64(d.mu.wheel.Len() + d.mu.nWake))
}

// Advance moves the paused clock forward by dur and fires what became due,
// like Process. It panics if the clock is not paused.
func (d *Driver) Advance(dur time.Duration) {
	d.clock.Advance(dur)
	d.Process()
}

// AutoAdvance moves a paused clock straight to the next timer deadline and
// fires the timers due then (and first those already due), and reports
// whether any fired. It does so only when the Activity is zero, which it
// claims for the length of the jump (see activity.go); it reports false,
// without moving the clock, when the Activity is not zero, when no timer is
// registered, when the clock is not paused, or after shutdown. The goroutine
// that owns the runtime's timer wait calls it instead of parking (see the
// package documentation).
func (d *Driver) AutoAdvance() bool {
	if !d.clock.IsPaused() || !d.activity.claim() {
		return false
	}
	fired := d.autoAdvanceClaimed()
	d.activity.endClaim(fired)
	return fired
}

// autoAdvanceClaimed is AutoAdvance once the claim is held.
func (d *Driver) autoAdvanceClaimed() bool {
	d.mu.Lock()
	if d.mu.shutdown || !d.clock.IsPaused() {
		d.mu.Unlock()
		return false
	}
	before := d.mu.fired
	for d.mu.fired == before {
		t, ok := d.mu.wheel.NextExpiration()
		if !ok || !d.clock.advanceTo(TickInstant(t)) {
			break
		}
		now := d.clock.Now().Tick()
		if now < t {
			break // the clock cannot go further; cannot happen for ticks from Instants
		}
		// Most of the time this only moves entries down a level; the
		// loop goes on until something fires.
		d.mu.wheel.Advance(now, d.fire)
	}
	fired := d.mu.fired != before
	d.setWaitingLocked()
	d.wakeAllLocked()
	d.publishHeldLocked()
	d.mu.Unlock()
	return fired
}

// setWaitingLocked records the wheel's next expiration as the tick by which
// the wheel is processed again.
func (d *Driver) setWaitingLocked() {
	if t, ok := d.mu.wheel.NextExpiration(); ok {
		d.mu.waiting = t
	} else {
		d.mu.waiting = noWait
	}
}

// wakeAllLocked wakes every entry on the wake list, in batches, calling the
// wakers with mu released (rule 5). It returns with mu held.
func (d *Driver) wakeAllLocked() {
	var batch [wakeBatch]future.Waker
	for !d.mu.wake.empty() {
		n := 0
		for n < len(batch) {
			e := d.mu.wake.popFront()
			if e == nil {
				break
			}
			d.mu.nWake--
			e.where = whereNone
			batch[n] = e.waker
			n++
		}
		d.publishHeldLocked()
		d.mu.Unlock()
		for i := range n {
			batch[i].Wake()
			batch[i] = future.Waker{}
		}
		d.mu.Lock()
	}
}

// Shutdown fires every registered timer with the shutdown state and wakes
// them, so that their futures observe the shutdown when polled
// ([Driver.Poll] returns [ErrShutdown]); later registrations fail with
// ErrShutdown. Calling it again does nothing.
func (d *Driver) Shutdown() {
	d.mu.Lock()
	if !d.mu.shutdown {
		d.mu.shutdown = true
		d.isShutdown.Store(true)
		d.mu.wheel.Drain(d.shutFire)
		d.mu.waiting = noWait
		d.wakeAllLocked()
	}
	d.publishHeldLocked()
	d.mu.Unlock()
}

package timer

import (
	"sync/atomic"

	"github.com/weftrt/weft/future"
)

/*
# When a paused clock may jump

A paused clock moves when a test tells it to (Advance) or when the runtime
can make no progress without it (AutoAdvance, Tokio's auto-advance). "No
progress" is one number, the runtime's Activity, which every flavour counts
the same way (current-thread, multi-thread, simulation, LocalSets, the
blocking pool). A unit of activity is held

 U1. by every task that is notified or being polled: from just before its
     Notified becomes visible in any queue of the runtime (a worker's run
     queue, LIFO slot or deferred list, the inject queue, a LocalSet's
     queues or its spawns not yet bound) until its poll has returned or the
     Notified is dropped;
 U2. by every future a goroutine polls in BlockOn, from its wake (or the
     start of BlockOn) until the poll that follows has returned (WakeFlag);
 U3. by every blocking task, from its Spawn until its closure has returned
     (its JoinHandle's waker has been woken by then) or it was cancelled;
 U4. by every timer pass that fires timers (Process, Advance, AutoAdvance),
     from before it takes them out of the wheel until their wakers have
     returned;
 U5. by every task dump while it may hold a task (a wake that reaches a task
     the dump holds is scheduled when the dump lets go of it).

The rule: the clock jumps only inside AutoAdvance, after AutoAdvance has
moved the count from 0 to 1 (the claim); it holds that unit while it fires.

No jump comes early. Something of the runtime can run exactly when one of
U1-U4 holds (a task notified or running, a BlockOn future woken, blocking
work queued or running, a wake on its way from a timer to its task), so the
count is above zero and the claim fails. The count cannot touch zero while
work is handed on, because every hand-over takes the new unit before it
gives the old one back: a poll that wakes a task takes the task's unit in
Schedule, during the poll; a blocking closure's result wakes its joiner
inside the closure's Run, before the pool releases it; a timer pass calls
its wakers before it releases. Wakes from outside the runtime (goroutines
of the program, another runtime, I/O) are not counted: as in Tokio, the
clock may jump while such a goroutine is about to wake a task.

No jump is missed. The count reaches zero only in Release, and the goroutine
whose Release takes it there calls the runtime's idle callback (SetOnIdle),
which unparks the goroutine that owns the timer wait: the current-thread
driver, or the multi-thread worker that holds the driver's timed wait. That
goroutine claims (AutoAdvance) each time before it parks. The releaser writes
the count and then reads who owns the wait; the owner writes its ownership
and then reads the count in the claim; with Go's sequentially consistent
atomics one of them sees the other's write, so either the owner sees zero or
it is unparked (its parker keeps the token if it has not parked yet). A
claim that fires nothing gives its unit back without the callback (the
callback would only wake the claimer itself); a timer registered after that
finds the driver's waiting tick at "none" and unparks the owner through
SetUnpark.

On a clock that is not paused nothing is counted: the runtime passes a nil
*Activity to its schedulers, and each counting site costs one predictable
branch.
*/

// Activity is the count of what can still run on a runtime whose clock is
// paused; see "When a paused clock may jump" above. The zero value is a
// count of zero with no idle callback. A Driver holds one (Driver.Activity).
//
// Every method is safe for concurrent use. A nil *Activity must not be
// used; the runtime's parts check for nil (no paused clock) first.
type Activity struct {
	n      atomic.Int64
	onIdle func() // set before the runtime starts; nil: none
}

// SetOnIdle sets the function Release calls when it takes the count to
// zero. It must be called before the count is used by more than one
// goroutine, must not block, and must work when nobody waits (a wake-up
// token, like sched.Parker.Unpark).
func (a *Activity) SetOnIdle(f func()) { a.onIdle = f }

// Acquire takes one unit. Take it before the work it stands for becomes
// visible to another goroutine (before the push of a Notified, say), so that
// the unit is never released before it was taken.
func (a *Activity) Acquire() { a.n.Add(1) }

// Release gives one unit back, and calls the idle callback when that leaves
// the count at zero.
func (a *Activity) Release() {
	if a.n.Add(-1) == 0 && a.onIdle != nil {
		a.onIdle()
	}
}

// ReleaseN gives k units back at once (k >= 0), like k calls of Release.
func (a *Activity) ReleaseN(k int) {
	if k > 0 && a.n.Add(-int64(k)) == 0 && a.onIdle != nil {
		a.onIdle()
	}
}

// IsIdle reports whether the count is zero.
func (a *Activity) IsIdle() bool { return a.n.Load() == 0 }

// claim moves the count from 0 to 1 and reports whether it did: the right to
// jump the clock.
func (a *Activity) claim() bool { return a.n.CompareAndSwap(0, 1) }

// endClaim gives the claim's unit back: through Release when the jump fired
// timers (the tasks they woke may all be gone already, and the clock may
// then have to jump again), quietly when it fired nothing.
func (a *Activity) endClaim(fired bool) {
	if fired {
		a.Release()
		return
	}
	a.n.Add(-1)
}

// WakeFlag is the wake flag of a future that a goroutine polls by itself,
// outside any task (the future of a BlockOn): the future's waker sets it,
// and the goroutine takes it before each poll. Under a paused clock it holds
// one unit of its Activity from the wake until the poll that follows has
// returned (U2 above); with a nil Activity it is a plain flag.
//
// A WakeFlag starts clear. Wake may be called from any goroutine, the other
// methods only by the polling goroutine.
type WakeFlag struct {
	a     *Activity
	state atomic.Uint32
}

const (
	flagClear uint32 = iota
	flagSet
	flagClosed
)

// Init makes f a clear flag counting in a, for a WakeFlag embedded in a
// struct. Call it before f is shared.
func (f *WakeFlag) Init(a *Activity) { f.a = a }

// Wake sets the flag and reports whether it was clear (false: already set,
// or closed). A flag that becomes set takes a unit, before it is visible.
func (f *WakeFlag) Wake() bool {
	if f.a == nil {
		return f.state.CompareAndSwap(flagClear, flagSet)
	}
	f.a.Acquire()
	if f.state.CompareAndSwap(flagClear, flagSet) {
		return true
	}
	f.a.Release()
	return false
}

// IsSet reports whether the flag is set.
func (f *WakeFlag) IsSet() bool { return f.state.Load() == flagSet }

// BeginPoll clears the flag and reports whether it was set. When it was, the
// caller now holds the wake's unit for the poll it is about to make, and
// must call EndPoll(true) once that poll has returned; a wake during the
// poll sets the flag again with a unit of its own. On a nil *WakeFlag (no
// paused clock, see SignalWaker) it does nothing and reports false.
func (f *WakeFlag) BeginPoll() bool {
	return f != nil && f.state.CompareAndSwap(flagSet, flagClear)
}

// EndPoll gives back the unit BeginPoll handed over, if it did (took).
func (f *WakeFlag) EndPoll(took bool) {
	if took && f.a != nil {
		f.a.Release()
	}
}

// Close ends the flag's life: a set flag gives its unit back, and later
// wakes do nothing. The polling goroutine calls it when it stops polling,
// since the future's waker may outlive it (kept by a timer or a channel).
// On a nil *WakeFlag it does nothing.
func (f *WakeFlag) Close() {
	if f != nil && f.state.Swap(flagClosed) == flagSet && f.a != nil {
		f.a.Release()
	}
}

// signalFlag wakes a Signal and sets a WakeFlag.
type signalFlag struct {
	flag WakeFlag
	sig  *future.Signal
}

func (s *signalFlag) Wake(tag uint64) {
	s.flag.Wake()
	s.sig.Wake(tag)
}

// SignalWaker returns the waker of a future that a goroutine polls by itself
// and sleeps on sig between polls (a BlockOn future), and the flag to bracket
// each poll with (BeginPoll, EndPoll; Close when done). With a nil Activity
// (no paused clock) it is sig's own waker and a nil flag, whose methods do
// nothing, so nothing is counted or allocated. With an Activity, every wake
// counts (U2) until the poll after it has returned, and so does the first
// poll: the flag starts set.
func SignalWaker(sig *future.Signal, a *Activity) (future.Waker, *WakeFlag) {
	if a == nil {
		return sig.Waker(), nil
	}
	s := &signalFlag{sig: sig}
	s.flag.Init(a)
	s.flag.Wake()
	return future.NewWaker(s), &s.flag
}

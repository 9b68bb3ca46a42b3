package weft

import (
	"time"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/timer"
)

// SleepFuture is the future returned by [Sleep] and [SleepUntil]: it
// completes once its deadline has passed on the runtime's clock.
//
// It registers a timer with the runtime on its first poll (nothing is
// registered before that, and a deadline that has already passed completes
// that first poll without registering) and deregisters it when dropped. A poll
// allocates nothing. Like every leaf future it consumes one unit of the
// task's cooperative budget when it completes.
//
// # Granularity
//
// The runtime's timer counts whole milliseconds: a deadline is rounded up
// to the next millisecond of the runtime's clock, and the worker that waits
// for it is woken at that millisecond at the earliest. A sleep never ends
// early and ends up to a millisecond late, plus the time it takes to wake a
// parked worker: Sleep(time.Millisecond) takes about 2 ms, as in Tokio,
// whose timer has the same 1 ms resolution. [Timeout] and [Interval] use the
// same timer. For waits shorter than a millisecond, yield ([YieldNow])
// instead of sleeping.
//
// Mirrors tokio time/sleep.rs. Deviation: Tokio fixes the deadline of
// sleep(d) when the future is created; weft has no runtime at hand then, so
// Sleep(d) starts counting at its first poll.
type SleepFuture struct {
	entry  timer.Entry
	driver *timer.Driver // nil until the first poll
	// at is the deadline on the driver's clock once driver is set. Before
	// the first poll it is the duration to sleep past that poll, unless
	// until is set. (One field for both keeps a sleeping task small.)
	at int64
	// until is the absolute deadline given before the first poll, or nil.
	until *time.Time
	// registered: entry is armed for the deadline (or fired for it).
	registered bool
	elapsed    bool
}

// Sleep returns a future that completes d after its first poll, on the
// timer's 1 ms grid: never early, up to about a millisecond late
// (Sleep(time.Millisecond) takes about 2 ms; see [SleepFuture]). A zero or
// negative d completes at the first poll. Durations too long to represent end
// at the clock's far future (about 292 years), never in the past.
func Sleep(d time.Duration) *SleepFuture { return &SleepFuture{at: int64(d)} }

// SleepUntil returns a future that completes once the runtime's clock reaches
// t. A t that has passed completes at the first poll. Under a paused clock,
// take t from [Now] or a timer's Deadline, not from time.Now.
func SleepUntil(t time.Time) *SleepFuture { return &SleepFuture{until: &t} }

// deadline returns the deadline on the driver's clock; the sleep must have
// started.
func (s *SleepFuture) deadline() timer.Instant { return timer.Instant(s.at) }

// Poll completes once the deadline has passed. It panics when cx does not
// come from a weft runtime. Once the runtime has shut down, a sleep that had
// not completed never does (the runtime cancels its tasks).
func (s *SleepFuture) Poll(cx *future.Context) (struct{}, bool) {
	return struct{}{}, s.poll(cx, "Sleep")
}

// poll is Poll for Sleep and the futures built on it; what names the future
// in panic messages.
func (s *SleepFuture) poll(cx *future.Context, what string) bool {
	if s.driver == nil {
		s.start(timerDriver(cx, what))
	}
	if !cx.ConsumeBudget() {
		return false
	}
	if s.elapsed {
		return true
	}
	d := s.driver
	if !s.registered {
		if s.deadline() <= d.Now() {
			s.elapsed = true
			return true
		}
		if err := d.Register(&s.entry, s.deadline(), cx.Waker()); err != nil {
			// The runtime is shutting down and cancels every task; the
			// sleep never completes.
			cx.RefundBudget()
			return false
		}
		s.registered = true
	}
	fired, err := d.Poll(&s.entry, cx.Waker())
	if err != nil {
		cx.RefundBudget()
		return false
	}
	if fired {
		s.elapsed = true
		return true
	}
	cx.RefundBudget()
	return false
}

// start binds the sleep to its driver and fixes its deadline on the driver's
// clock.
func (s *SleepFuture) start(d *timer.Driver) {
	s.driver = d
	if s.until != nil {
		s.at = int64(d.Clock().Instant(*s.until))
		s.until = nil
	} else {
		s.at = int64(d.Now().Add(time.Duration(s.at)))
	}
}

// setRelative makes a sleep that has not started end d after its first poll.
func (s *SleepFuture) setRelative(d time.Duration) { s.at, s.until = int64(d), nil }

// restart makes s an unpolled Sleep(d). The timer must not be registered
// (a dropped or never polled sleep): the entry is kept, idle, and the next
// poll binds the sleep to its driver anew.
func (s *SleepFuture) restart(d time.Duration) {
	s.driver, s.registered, s.elapsed = nil, false, false
	s.setRelative(d)
}

// Reset moves the deadline to t, whether or not the sleep has completed; a
// completed sleep becomes pending again. If the timer is registered it is
// re-armed at once with the waker of the last poll, and when t has already
// passed that waker is woken, so the task polls the sleep again. Mirrors
// tokio Sleep::reset. Reset of a sleep that has been polled does not
// allocate, so a SleepFuture kept by value can sleep again and again.
func (s *SleepFuture) Reset(t time.Time) {
	if s.driver == nil {
		// A copy, so that only this branch moves a time.Time to the heap
		// (storing &t would allocate t on every call).
		until := t
		s.until = &until
		return
	}
	s.resetTo(s.driver.Clock().Instant(t))
}

// ResetAfter moves the deadline to d from now, whether or not the sleep has
// completed, as Reset(now + d) would, without a time to compute: a sleep
// that has not been polled yet becomes Sleep(d) again (d counted from its
// first poll, so no clock is read), and one that has is re-armed d after
// the current time of its runtime's clock. Like Reset it allocates nothing,
// so a SleepFuture kept by value can be renewed for every use (Sleep
// allocates a new future each time).
func (s *SleepFuture) ResetAfter(d time.Duration) {
	if s.driver == nil {
		s.setRelative(d)
		s.elapsed = false
		return
	}
	s.resetTo(s.driver.Now().Add(d))
}

// resetTo is Reset on the driver's clock; the sleep must have started.
func (s *SleepFuture) resetTo(i timer.Instant) {
	s.at, s.elapsed = int64(i), false
	if s.registered {
		if err := s.driver.Reset(&s.entry, i); err != nil {
			// Shut down: the next poll registers again and reports it.
			s.registered = false
		}
	}
}

// rearmLater moves the deadline to i without touching the timer: the next
// poll registers it again (tokio's reset_without_timer).
func (s *SleepFuture) rearmLater(i timer.Instant) {
	s.at, s.elapsed, s.registered = int64(i), false, false
}

// disarm deregisters the timer, keeping the deadline; the next poll
// registers it again.
func (s *SleepFuture) disarm() {
	if s.driver != nil {
		s.driver.Deregister(&s.entry)
	}
	s.registered = false
}

// Deadline returns the time at which the sleep completes, and false when it
// is not known yet (a [Sleep] that has not been polled).
func (s *SleepFuture) Deadline() (time.Time, bool) {
	switch {
	case s.driver != nil:
		return s.driver.Clock().Time(s.deadline()), true
	case s.until != nil:
		return *s.until, true
	default:
		return time.Time{}, false
	}
}

// IsElapsed reports whether the deadline has been reached: the sleep
// completed, or its timer fired and the next poll will complete it.
func (s *SleepFuture) IsElapsed() bool {
	return s.elapsed || (s.registered && s.entry.Fired())
}

// Drop deregisters the timer. After Drop the runtime holds nothing of the
// sleep. It implements [future.Dropper].
func (s *SleepFuture) Drop() { s.disarm() }

// String describes the sleep for task dumps, as "Sleep(3s left)". It must not
// run concurrently with Poll.
func (s *SleepFuture) String() string { return "Sleep(" + s.describe() + ")" }

func (s *SleepFuture) describe() string {
	switch {
	case s.elapsed:
		return "elapsed"
	case s.driver != nil:
		return describeLeft(s.deadline().Sub(s.driver.Now()))
	case s.until != nil:
		return "until " + s.until.Format(time.RFC3339Nano) + ", not polled"
	default:
		return time.Duration(s.at).String() + ", not polled"
	}
}

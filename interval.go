package weft

import (
	"strconv"
	"time"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/timer"
)

// MissedTickBehavior says what an [IntervalTimer] does when a tick is late
// by more than 5 ms (the task was busy, or the runtime stalled), so that one
// or more ticks were missed. The behaviours are Tokio's (its enum
// MissedTickBehavior); the constants say what they do to missed ticks, as
// Tokio's variant names alone (Burst, Delay, Skip) would not in the root
// package.
type MissedTickBehavior uint8

const (
	// BurstMissedTicks ticks as fast as it is polled until it has caught up
	// with the missed ticks, then resumes the original schedule: ticks stay
	// on start + k*period. The default. Tokio's MissedTickBehavior::Burst.
	BurstMissedTicks MissedTickBehavior = iota
	// DelayMissedTicks starts a new schedule one period after the late
	// tick: ticks are never closer than one period, and drift later.
	// Tokio's MissedTickBehavior::Delay.
	DelayMissedTicks
	// SkipMissedTicks drops the missed ticks and ticks next at the first
	// point of the original schedule that is still ahead. Tokio's
	// MissedTickBehavior::Skip.
	SkipMissedTicks
)

// String returns Tokio's names, "Burst", "Delay" or "Skip".
func (b MissedTickBehavior) String() string {
	switch b {
	case BurstMissedTicks:
		return "Burst"
	case DelayMissedTicks:
		return "Delay"
	case SkipMissedTicks:
		return "Skip"
	default:
		return "MissedTickBehavior(" + strconv.Itoa(int(b)) + ")"
	}
}

// next returns the deadline after a tick that was due at due and is taken
// late, at now. Mirrors tokio time/interval.rs MissedTickBehavior::next_timeout.
func (b MissedTickBehavior) next(due, now timer.Instant, period time.Duration) timer.Instant {
	switch b {
	case DelayMissedTicks:
		return now.Add(period)
	case SkipMissedTicks:
		return now.Add(period - now.Sub(due)%period)
	default:
		return due.Add(period)
	}
}

// lateTolerance is how late a tick may be before it counts as missed
// (Tokio's 5 ms).
const lateTolerance = 5 * time.Millisecond

// IntervalTimer yields ticks one period apart; see [Interval]. Use it from
// one task at a time, with at most one [TickFuture] in use (as Tokio's
// tick(&mut self) enforces). Close it when done with it to release its timer.
type IntervalTimer struct {
	sleep    SleepFuture // its deadline is the next tick
	period   time.Duration
	behavior MissedTickBehavior
}

// Interval returns an IntervalTimer whose first tick completes at once (at
// its first poll) and whose following ticks come every period after that. It
// panics if period is not positive. Mirrors tokio::time::interval; like
// [Sleep], the schedule starts at the first poll, not at the call. Each tick
// is due on the schedule (start + n*period, so a period that is not a whole
// number of milliseconds is still kept on average) and completes on the
// timer's 1 ms grid: up to about a millisecond after it is due, never before
// (see [SleepFuture]).
func Interval(period time.Duration) *IntervalTimer {
	if period <= 0 {
		panic("weft: Interval period must be positive")
	}
	return &IntervalTimer{period: period}
}

// IntervalAt returns an IntervalTimer whose first tick is due at start and the
// following ones every period after it. It panics if period is not positive.
func IntervalAt(start time.Time, period time.Duration) *IntervalTimer {
	if period <= 0 {
		panic("weft: IntervalAt period must be positive")
	}
	return &IntervalTimer{sleep: SleepFuture{until: &start}, period: period}
}

// TickFuture is the future returned by [IntervalTimer.Tick]: it completes with
// the time the tick was scheduled for (not the time it was taken, which is
// later when a tick is late). Dropping it deregisters the interval's timer; the
// schedule is kept, and the next tick registers it again.
type TickFuture struct {
	iv *IntervalTimer
}

// Tick returns a future for the next tick. Building it does not allocate.
func (iv *IntervalTimer) Tick() TickFuture { return TickFuture{iv} }

// Poll is [IntervalTimer.PollTick].
func (t TickFuture) Poll(cx *future.Context) (time.Time, bool) { return t.iv.PollTick(cx) }

// Drop deregisters the interval's timer. It implements [future.Dropper].
func (t TickFuture) Drop() { t.iv.sleep.disarm() }

// String describes the future for task dumps, as its interval does.
func (t TickFuture) String() string { return t.iv.String() }

// PollTick completes with the scheduled time of the next tick once it is due,
// and schedules the tick after it; it registers its waker only when it
// reports pending. It panics when cx does not come from a weft runtime.
func (iv *IntervalTimer) PollTick(cx *future.Context) (time.Time, bool) {
	if !iv.sleep.poll(cx, "Interval") {
		return time.Time{}, false
	}
	d := iv.sleep.driver
	due := iv.sleep.deadline()
	now := d.Now()
	var next timer.Instant
	if now > due.Add(lateTolerance) {
		next = iv.behavior.next(due, now, iv.period)
	} else {
		next = due.Add(iv.period)
	}
	// Registered again by the next poll, with that poll's waker.
	iv.sleep.rearmLater(next)
	return d.Clock().Time(due), true
}

// Reset restarts the schedule: the next tick is one period from now.
func (iv *IntervalTimer) Reset() { iv.ResetAfter(iv.period) }

// ResetImmediately restarts the schedule with a tick that is due now.
func (iv *IntervalTimer) ResetImmediately() { iv.ResetAfter(0) }

// ResetAfter restarts the schedule with the next tick after d.
func (iv *IntervalTimer) ResetAfter(d time.Duration) {
	s := &iv.sleep
	if s.driver == nil {
		s.setRelative(d)
		return
	}
	s.resetTo(s.driver.Now().Add(d))
}

// ResetAt restarts the schedule with the next tick at t.
func (iv *IntervalTimer) ResetAt(t time.Time) { iv.sleep.Reset(t) }

// SetMissedTickBehavior sets what happens after missed ticks; see
// [MissedTickBehavior]. It applies from the next tick.
func (iv *IntervalTimer) SetMissedTickBehavior(b MissedTickBehavior) {
	if b > SkipMissedTicks {
		panic("weft: unknown MissedTickBehavior " + strconv.Itoa(int(b)))
	}
	iv.behavior = b
}

// MissedTickBehavior returns the behaviour after missed ticks.
func (iv *IntervalTimer) MissedTickBehavior() MissedTickBehavior { return iv.behavior }

// Period returns the period.
func (iv *IntervalTimer) Period() time.Duration { return iv.period }

// Close deregisters the interval's timer, as time.Ticker's Stop does. The
// interval can still be used afterwards (the next tick registers again). It
// was named Drop; an IntervalTimer is a long-lived handle, not a future, and
// in weft only futures have Drop. (In Tokio, dropping the Interval does this.)
func (iv *IntervalTimer) Close() { iv.sleep.disarm() }

// String describes the interval for task dumps, as
// "Interval(every 1s, next in 300ms)". It must not run concurrently with
// PollTick.
func (iv *IntervalTimer) String() string {
	next := "not polled"
	if s := &iv.sleep; s.driver != nil {
		left := s.deadline().Sub(s.driver.Now())
		next = "next in " + left.Round(time.Millisecond).String()
		if left <= 0 {
			next = "next due now"
		}
	}
	return "Interval(every " + iv.period.String() + ", " + next + ")"
}

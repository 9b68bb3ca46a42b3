package timer

import (
	"sync"
	"sync/atomic"
	"time"
)

// Clock is the source of time of a timer [Driver]: either the real monotonic
// clock, or a paused clock that only moves when told to (for tests and
// deterministic simulation, like Tokio's paused test clock).
//
// A Clock reads the time with time.Now, so inside a testing/synctest bubble it
// follows the bubble's fake time. Its readings are [Instant]s, nanoseconds
// since the clock was created; [Clock.Time] and [Clock.Instant] convert to and
// from time.Time.
//
// Now may be called from any goroutine. Pause, Resume and Advance may be
// called from any goroutine too; a Now that runs concurrently with Pause may
// read a time up to the length of that race later than the time the clock
// freezes at (the clock never goes back for calls ordered after Pause).
type Clock struct {
	origin time.Time // immutable; the time at Instant 0

	// run is the current mode; replaced (never mutated) under mu.
	run atomic.Pointer[clockMode]
	// frozen is the reading while the clock is paused; written under mu.
	frozen atomic.Int64

	mu sync.Mutex // serializes Pause, Resume and Advance
}

// clockMode is an immutable description of how the clock reads.
type clockMode struct {
	paused bool
	// While running, the reading is base plus the time since since.
	base  Instant
	since time.Time
}

// NewClock returns a running clock whose origin is now.
func NewClock() *Clock {
	now := time.Now()
	c := &Clock{origin: now}
	c.run.Store(&clockMode{since: now})
	return c
}

// NewPausedClock returns a clock whose origin is now and that is paused at
// Instant 0 (Tokio's start_paused).
func NewPausedClock() *Clock {
	c := &Clock{origin: time.Now()}
	c.run.Store(&clockMode{paused: true})
	return c
}

// Now returns the current reading.
func (c *Clock) Now() Instant {
	m := c.run.Load()
	if m.paused {
		return Instant(c.frozen.Load())
	}
	return m.base.Add(time.Since(m.since))
}

// IsPaused reports whether the clock is paused.
func (c *Clock) IsPaused() bool { return c.run.Load().paused }

// Pause freezes the clock at its current reading. It panics if the clock is
// already paused.
func (c *Clock) Pause() {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.run.Load()
	if m.paused {
		panic("timer: Pause of a clock that is already paused")
	}
	c.frozen.Store(int64(m.base.Add(time.Since(m.since))))
	c.run.Store(&clockMode{paused: true})
}

// Resume lets a paused clock run again from the reading it was paused at. It
// panics if the clock is not paused.
func (c *Clock) Resume() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.run.Load().paused {
		panic("timer: Resume of a clock that is not paused")
	}
	c.run.Store(&clockMode{base: Instant(c.frozen.Load()), since: time.Now()})
}

// Advance moves a paused clock forward by d (a negative d counts as zero; the
// reading saturates at [MaxInstant]). It panics if the clock is not paused.
// Advancing the clock fires nothing by itself: use [Driver.Advance] to move
// the clock and fire the timers that became due.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.run.Load().paused {
		panic("timer: Advance of a clock that is not paused")
	}
	if d > 0 {
		c.frozen.Store(int64(Instant(c.frozen.Load()).Add(d)))
	}
}

// advanceTo moves a paused clock forward to i if it reads earlier than i, and
// reports whether the clock is paused.
func (c *Clock) advanceTo(i Instant) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.run.Load().paused {
		return false
	}
	if Instant(c.frozen.Load()) < i {
		c.frozen.Store(int64(i))
	}
	return true
}

// Time returns the time.Time of reading i: the origin plus i. The result
// carries a monotonic reading when the origin does, so Sub between two
// results is exact.
func (c *Clock) Time(i Instant) time.Time { return c.origin.Add(time.Duration(i)) }

// Instant returns the reading at which the clock shows t, that is t minus the
// origin, saturated. On a clock that was paused or advanced, the readings
// drift away from the wall clock: convert times that came from [Clock.Time]
// (or from a runtime's Now), not from time.Now.
func (c *Clock) Instant(t time.Time) Instant { return Instant(t.Sub(c.origin)) }

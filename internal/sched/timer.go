package sched

import "time"

// TimerDriver is what a scheduler needs from the timer driver
// (internal/timer.Driver): how long it may sleep, and a way to fire what is
// due. One parked worker at a time waits with the driver's timeout; the driver
// calls the function given to SetUnpark when a new timer needs an earlier
// wake-up than that worker sleeps for.
type TimerDriver interface {
	// NextDeadline returns how long until the next timer fires, and false
	// when no timer is registered.
	NextDeadline() (time.Duration, bool)
	// Process fires every due timer.
	Process()
	// SetUnpark sets the function that wakes the goroutine waiting for the
	// next deadline.
	SetUnpark(func())
	// IsPaused reports whether the clock is paused (time moves only by
	// Advance or AutoAdvance).
	IsPaused() bool
	// AutoAdvance moves a paused clock to the next deadline and fires what
	// is due, when nothing of the runtime can run (its Activity is zero,
	// internal/timer/activity.go); it reports false when it did not jump:
	// something can run, or no timer is registered.
	AutoAdvance() bool
	// Len returns the number of timers the driver holds.
	Len() int
	// Shutdown fires every timer and refuses new ones.
	Shutdown()
}

package weft

import (
	"time"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/timer"
)

// timerDriver returns the timer driver of the runtime polling cx. It panics
// when cx does not come from a weft runtime: a timer future cannot work
// without one.
func timerDriver(cx *future.Context, what string) *timer.Driver {
	d, ok := timerDriverOf(cx.Executor())
	if !ok {
		panic("weft: " + what + " polled outside a weft runtime")
	}
	if d == nil {
		panic("weft: " + what + " polled on a runtime without a timer driver")
	}
	return d
}

// Now returns the current time of the runtime polling cx: with a paused
// clock, the paused time, which moves only when the runtime advances it.
// Deadlines for [SleepUntil], [TimeoutAt] and [IntervalAt] should come from
// Now (or from a timer's Deadline), not from time.Now, so that they mean the
// same thing under a paused clock. Outside a runtime Now returns time.Now().
func Now(cx *future.Context) time.Time {
	if d, _ := timerDriverOf(cx.Executor()); d != nil {
		return d.Clock().Time(d.Now())
	}
	return time.Now()
}

// describeLeft formats the time left before a deadline for String methods.
func describeLeft(left time.Duration) string {
	switch {
	case left <= 0:
		return "0s left"
	case left < time.Millisecond:
		return left.String() + " left"
	default:
		return left.Round(time.Millisecond).String() + " left"
	}
}

// timerDriverOf returns the timer driver behind an executor: a weft
// runtime's (read from its Handle, not through an exported method), or
// that of another executor implementing timer.Provider (a test's stand-in
// runtime). ok is false for any other executor.
func timerDriverOf(e any) (d *timer.Driver, ok bool) {
	if h := handleOfExecutor(e); h != nil {
		return h.timer, true
	}
	if p, isP := e.(timer.Provider); isP {
		return p.TimerDriver(), true
	}
	return nil, false
}

package weft_test

import (
	"math"
	"testing"
	"time"

	"github.com/weftrt/weft"
)

// The tests below port tokio/tests/time_interval.rs with the same schedules
// and the same expected ticks; each names the Tokio test it mirrors.

// checkTicks polls iv and expects one ready tick per delta (scheduled at
// start+delta ms), then pending: tokio's check_interval_poll!.
func checkTicks(t *testing.T, m *manual, iv *weft.IntervalTimer, start time.Time, deltas ...int64) {
	t.Helper()
	for _, d := range deltas {
		got, ok := iv.PollTick(m.cx)
		if !ok {
			t.Fatalf("tick at +%dms pending", d)
		}
		if want := start.Add(ms(d)); !got.Equal(want) {
			t.Fatalf("tick at +%v, want +%dms", got.Sub(start), d)
		}
	}
	if got, ok := iv.PollTick(m.cx); ok {
		t.Fatalf("unexpected tick at +%v", got.Sub(start))
	}
}

// setup is the common start of the Tokio tests: a 300ms interval starting
// now, polled 1ms later.
func setup(t *testing.T) (*env, *manual, *weft.IntervalTimer, time.Time) {
	e := newEnv(t)
	start := e.now()
	e.advance(ms(1))
	return e, e.manual(), weft.IntervalAt(start, ms(300)), start
}

// Reference: time_interval.rs interval_zero_duration.
func TestIntervalOfZeroPanics(t *testing.T) {
	mustPanicWith(t, "weft: Interval period must be positive", func() { weft.Interval(0) })
	mustPanicWith(t, "weft: IntervalAt period must be positive", func() { weft.IntervalAt(time.Now(), -1) })
}

// Reference: time_interval.rs burst.
func TestIntervalBurstCatchesUp(t *testing.T) {
	e, m, iv, start := setup(t)
	checkTicks(t, m, iv, start, 0)
	e.advance(ms(100))
	checkTicks(t, m, iv, start)
	e.advance(ms(200))
	checkTicks(t, m, iv, start, 300)
	e.advance(ms(650))
	checkTicks(t, m, iv, start, 600, 900)
	e.advance(ms(200))
	checkTicks(t, m, iv, start)
	e.advance(ms(100))
	checkTicks(t, m, iv, start, 1200)
	e.advance(ms(250))
	checkTicks(t, m, iv, start, 1500)
	e.advance(ms(300))
	checkTicks(t, m, iv, start, 1800)
	iv.Close()
	e.assertLen(0)
}

// Reference: time_interval.rs delay.
func TestIntervalDelayRestartsFromTheLateTick(t *testing.T) {
	e, m, iv, start := setup(t)
	iv.SetMissedTickBehavior(weft.DelayMissedTicks)
	checkTicks(t, m, iv, start, 0)
	e.advance(ms(100))
	checkTicks(t, m, iv, start)
	e.advance(ms(200))
	checkTicks(t, m, iv, start, 300)
	e.advance(ms(650))
	checkTicks(t, m, iv, start, 600)
	e.advance(ms(100))
	checkTicks(t, m, iv, start)
	e.advance(ms(201))
	checkTicks(t, m, iv, start, 1251)
	e.advance(ms(300))
	checkTicks(t, m, iv, start, 1551)
	e.advance(ms(300))
	checkTicks(t, m, iv, start, 1851)
	iv.Close()
	e.assertLen(0)
}

// Reference: time_interval.rs skip.
func TestIntervalSkipJumpsToTheNextMultiple(t *testing.T) {
	e, m, iv, start := setup(t)
	iv.SetMissedTickBehavior(weft.SkipMissedTicks)
	checkTicks(t, m, iv, start, 0)
	e.advance(ms(100))
	checkTicks(t, m, iv, start)
	e.advance(ms(200))
	checkTicks(t, m, iv, start, 300)
	e.advance(ms(650))
	checkTicks(t, m, iv, start, 600)
	e.advance(ms(250))
	checkTicks(t, m, iv, start, 1200)
	e.advance(ms(300))
	checkTicks(t, m, iv, start, 1500)
	e.advance(ms(300))
	checkTicks(t, m, iv, start, 1800)
	iv.Close()
	e.assertLen(0)
}

// Reference: time_interval.rs reset.
func TestIntervalReset(t *testing.T) {
	e, m, iv, start := setup(t)
	checkTicks(t, m, iv, start, 0)
	e.advance(ms(100))
	checkTicks(t, m, iv, start)
	e.advance(ms(200))
	checkTicks(t, m, iv, start, 300)
	e.advance(ms(100))
	checkTicks(t, m, iv, start)
	iv.Reset()
	e.advance(ms(250))
	checkTicks(t, m, iv, start)
	e.advance(ms(50))
	checkTicks(t, m, iv, start, 701)
	e.advance(ms(300))
	checkTicks(t, m, iv, start, 1001)
	iv.Close()
}

// Reference: time_interval.rs reset_immediately.
func TestIntervalResetImmediately(t *testing.T) {
	e, m, iv, start := setup(t)
	checkTicks(t, m, iv, start, 0)
	e.advance(ms(100))
	checkTicks(t, m, iv, start)
	e.advance(ms(200))
	checkTicks(t, m, iv, start, 300)
	e.advance(ms(100))
	checkTicks(t, m, iv, start)
	before := m.wakes()
	iv.ResetImmediately()
	if m.wakes() != before+1 {
		t.Fatal("ResetImmediately did not wake the waiting task")
	}
	checkTicks(t, m, iv, start, 401)
	e.advance(ms(100))
	checkTicks(t, m, iv, start)
	e.advance(ms(200))
	checkTicks(t, m, iv, start, 701)
	iv.Close()
}

// Reference: time_interval.rs reset_after.
func TestIntervalResetAfter(t *testing.T) {
	e, m, iv, start := setup(t)
	checkTicks(t, m, iv, start, 0)
	e.advance(ms(100))
	checkTicks(t, m, iv, start)
	e.advance(ms(200))
	checkTicks(t, m, iv, start, 300)
	e.advance(ms(100))
	checkTicks(t, m, iv, start)
	iv.ResetAfter(ms(20))
	e.advance(ms(20))
	checkTicks(t, m, iv, start, 421)
	e.advance(ms(100))
	checkTicks(t, m, iv, start)
	e.advance(ms(200))
	checkTicks(t, m, iv, start, 721)
	iv.Close()
}

// Reference: time_interval.rs reset_at.
func TestIntervalResetAt(t *testing.T) {
	e, m, iv, start := setup(t)
	checkTicks(t, m, iv, start, 0)
	e.advance(ms(100))
	checkTicks(t, m, iv, start)
	e.advance(ms(200))
	checkTicks(t, m, iv, start, 300)
	e.advance(ms(100))
	checkTicks(t, m, iv, start)
	iv.ResetAt(e.now().Add(ms(40)))
	e.advance(ms(40))
	checkTicks(t, m, iv, start, 441)
	e.advance(ms(100))
	checkTicks(t, m, iv, start)
	e.advance(ms(200))
	checkTicks(t, m, iv, start, 741)
	iv.Close()
}

// Reference: time_interval.rs reset_at_bigger_than_interval.
func TestIntervalResetAtBeyondAPeriod(t *testing.T) {
	e, m, iv, start := setup(t)
	checkTicks(t, m, iv, start, 0)
	e.advance(ms(100))
	checkTicks(t, m, iv, start)
	e.advance(ms(200))
	checkTicks(t, m, iv, start, 300)
	e.advance(ms(100))
	checkTicks(t, m, iv, start)
	iv.ResetAt(e.now().Add(ms(1000)))
	for range 3 {
		e.advance(ms(300))
		checkTicks(t, m, iv, start)
	}
	e.advance(ms(100))
	checkTicks(t, m, iv, start, 1401)
	e.advance(ms(300))
	checkTicks(t, m, iv, start, 1701)
	iv.Close()
}

// Reference: time_interval.rs stream_with_interval_poll_tick_no_waking. A
// tick that completes registers no waker, so an owner that never polls
// again is never woken (and holds no timer).
func TestIntervalReadyTickRegistersNoWaker(t *testing.T) {
	e := newEnv(t)
	iv := weft.Interval(ms(10))
	m := e.manual()
	if _, ok := iv.PollTick(m.cx); !ok {
		t.Fatal("first tick pending")
	}
	e.assertLen(0)
	e.advance(ms(150))
	if m.wakes() != 0 {
		t.Fatal("interval woke an owner that did not poll")
	}
}

// Reference: time_interval.rs interval_doesnt_panic_max_duration_when_polling.
func TestIntervalOfMaxDurationTicksOnceAtOnce(t *testing.T) {
	e := newEnv(t)
	iv := weft.Interval(time.Duration(math.MaxInt64))
	m := e.manual()
	if _, ok := iv.PollTick(m.cx); !ok {
		t.Fatal("first tick pending")
	}
	if _, ok := iv.PollTick(m.cx); ok {
		t.Fatal("second tick of a max interval is ready")
	}
	iv.Close()
	e.assertLen(0)
}

// Each Tick future is independent; the first completes at once and the ones
// after it wait a period, and the schedule holds when ticks are awaited.
func TestIntervalTickFuturesFollowTheSchedule(t *testing.T) {
	e := newEnv(t)
	iv := weft.Interval(ms(250))
	first := block[time.Time](e, iv.Tick())
	for i := int64(1); i <= 4; i++ {
		got := block[time.Time](e, iv.Tick())
		if got.Sub(first) != ms(250*i) {
			t.Fatalf("tick %d at +%v", i, got.Sub(first))
		}
		if e.now() != got {
			t.Fatalf("tick %d taken at %v, scheduled %v", i, e.now(), got)
		}
	}
	iv.Close()
	e.assertLen(0)
}

// A task aborted while awaiting a tick drops the Tick future, which
// deregisters the timer; the interval keeps its schedule for the next tick.
func TestIntervalTickDroppedWhilePendingDeregisters(t *testing.T) {
	e := newEnv(t)
	iv := weft.Interval(ms(100))
	start := block[time.Time](e, iv.Tick())
	tk := spawn[time.Time](e, iv.Tick())
	tk.Poll()
	e.assertLen(1)
	tk.Drop()
	e.assertLen(0)
	e.advance(ms(100))
	if tk.IsWoken() {
		t.Fatal("dropped tick woke its task")
	}
	if got := block[time.Time](e, iv.Tick()); got.Sub(start) != ms(100) {
		t.Fatalf("next tick at +%v, want +100ms", got.Sub(start))
	}
	iv.Close()
}

func TestIntervalTickDoesNotAllocate(t *testing.T) {
	e := newEnv(t)
	iv := weft.Interval(ms(1))
	m := e.manual()
	n := testing.AllocsPerRun(1000, func() {
		tf := iv.Tick()
		for {
			if _, ok := tf.Poll(m.cx); ok {
				break
			}
			e.d.AutoAdvance()
		}
		tf.Drop()
	})
	if n != 0 {
		t.Fatalf("a tick allocates %v times", n)
	}
	iv.Close()
}

func TestIntervalAccessorsAndString(t *testing.T) {
	e := newEnv(t)
	iv := weft.Interval(time.Second)
	if iv.Period() != time.Second || iv.MissedTickBehavior() != weft.BurstMissedTicks {
		t.Fatal("defaults")
	}
	if got := iv.String(); got != "Interval(every 1s, not polled)" {
		t.Fatalf("String %q", got)
	}
	m := e.manual()
	iv.PollTick(m.cx)
	iv.PollTick(m.cx)
	e.advance(ms(700))
	if got := iv.String(); got != "Interval(every 1s, next in 300ms)" {
		t.Fatalf("String %q", got)
	}
	iv.SetMissedTickBehavior(weft.SkipMissedTicks)
	if iv.MissedTickBehavior() != weft.SkipMissedTicks || weft.DelayMissedTicks.String() != "Delay" || weft.MissedTickBehavior(9).String() != "MissedTickBehavior(9)" {
		t.Fatal("behavior accessors")
	}
	mustPanicWith(t, "weft: unknown MissedTickBehavior 7", func() { iv.SetMissedTickBehavior(7) })
	iv.Close()
	e.assertLen(0)
}

// Reset before the first poll moves the first tick a period (or the given
// time) past the first poll.
func TestIntervalResetBeforeFirstPoll(t *testing.T) {
	e := newEnv(t)
	iv := weft.Interval(ms(100))
	iv.Reset()
	m := e.manual()
	start := e.now()
	if _, ok := iv.PollTick(m.cx); ok {
		t.Fatal("reset interval ticked at once")
	}
	e.advance(ms(100))
	if got, ok := iv.PollTick(m.cx); !ok || got.Sub(start) != ms(100) {
		t.Fatalf("first tick %v %v", got.Sub(start), ok)
	}
	iv.Close()
}

package weft_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/mocktask"
	"github.com/weftrt/weft/internal/timer"
)

// The tests below port tokio/tests/time_sleep.rs and time_pause.rs; each
// names the Tokio test it mirrors.

// Reference: time_sleep.rs immediate_sleep.
func TestSleepUntilNowIsReadyAtFirstPoll(t *testing.T) {
	e := newEnv(t)
	now := e.now()
	s := weft.SleepUntil(now)
	if s.IsElapsed() {
		t.Fatal("elapsed before the first poll")
	}
	tk := spawn[struct{}](e, s)
	if _, ok := tk.Poll(); !ok {
		t.Fatal("sleep until now is pending")
	}
	e.assertElapsed(now, 0)
	if !s.IsElapsed() {
		t.Fatal("not elapsed after completing")
	}
	e.assertLen(0)
}

// Reference: time_sleep.rs is_elapsed.
func TestSleepIsElapsedOnlyOnceTheTimerFired(t *testing.T) {
	e := newEnv(t)
	s := weft.Sleep(ms(10))
	tk := spawn[struct{}](e, s)
	if s.IsElapsed() {
		t.Fatal("elapsed before polling")
	}
	if _, ok := tk.Poll(); ok {
		t.Fatal("ready at once")
	}
	if s.IsElapsed() {
		t.Fatal("elapsed while pending")
	}
	e.advance(ms(10))
	if !tk.IsWoken() || !s.IsElapsed() {
		t.Fatal("timer fired without waking, or IsElapsed missed the fire")
	}
	if _, ok := tk.Poll(); !ok {
		t.Fatal("pending after its deadline")
	}
}

// Reference: time_sleep.rs delayed_sleep_level_0.
func TestSleepOnLevelZeroTakesExactlyItsDuration(t *testing.T) {
	e := newEnv(t)
	for _, n := range []int64{1, 10, 60} {
		now := e.now()
		block[struct{}](e, weft.SleepUntil(now.Add(ms(n))))
		e.assertElapsed(now, ms(n))
	}
}

// Reference: time_sleep.rs sub_ms_delayed_sleep.
func TestSleepSubMillisecondDeadlineRoundsUp(t *testing.T) {
	e := newEnv(t)
	for range 5 {
		now := e.now()
		deadline := now.Add(ms(1) + 1)
		block[struct{}](e, weft.SleepUntil(deadline))
		if e.now().Before(deadline) {
			t.Fatal("sleep ended before its deadline")
		}
		e.assertElapsed(now, ms(1))
	}
}

// Reference: time_sleep.rs delayed_sleep_wrapping_level_0.
func TestSleepWrappingLevelZero(t *testing.T) {
	e := newEnv(t)
	e.sleep(ms(5))
	now := e.now()
	block[struct{}](e, weft.SleepUntil(now.Add(ms(60))))
	e.assertElapsed(now, ms(60))
}

// Reference: time_sleep.rs reset_future_sleep_before_fire.
func TestSleepResetLaterBeforeFire(t *testing.T) {
	e := newEnv(t)
	now := e.now()
	s := weft.SleepUntil(now.Add(ms(100)))
	tk := spawn[struct{}](e, s)
	if _, ok := tk.Poll(); ok {
		t.Fatal("ready at once")
	}
	s.Reset(e.now().Add(ms(200)))
	e.advance(ms(100))
	if tk.IsWoken() {
		t.Fatal("woken at the old deadline")
	}
	block[struct{}](e, s)
	e.assertElapsed(now, ms(200))
}

// Reference: time_sleep.rs reset_past_sleep_before_turn.
func TestSleepResetEarlierBeforeTurn(t *testing.T) {
	e := newEnv(t)
	now := e.now()
	s := weft.SleepUntil(now.Add(ms(100)))
	tk := spawn[struct{}](e, s)
	tk.Poll()
	s.Reset(now.Add(ms(80)))
	block[struct{}](e, s)
	e.assertElapsed(now, ms(80))
}

// Reference: time_sleep.rs reset_past_sleep_before_fire.
func TestSleepResetEarlierAfterSomeTime(t *testing.T) {
	e := newEnv(t)
	now := e.now()
	s := weft.SleepUntil(now.Add(ms(100)))
	spawn[struct{}](e, s).Poll()
	e.sleep(ms(10))
	s.Reset(now.Add(ms(80)))
	block[struct{}](e, s)
	e.assertElapsed(now, ms(80))
}

// Reference: time_sleep.rs reset_future_sleep_after_fire.
func TestSleepResetAfterFireWaitsAgain(t *testing.T) {
	e := newEnv(t)
	now := e.now()
	s := weft.SleepUntil(now.Add(ms(100)))
	block[struct{}](e, s)
	e.assertElapsed(now, ms(100))
	s.Reset(now.Add(ms(110)))
	block[struct{}](e, s)
	e.assertElapsed(now, ms(110))
}

// Reference: time_sleep.rs reset_sleep_to_past. Unlike Tokio (where it is a
// TODO), the reset wakes the task, since the timer fires at once.
func TestSleepResetToThePastCompletesAndWakes(t *testing.T) {
	e := newEnv(t)
	now := e.now()
	s := weft.SleepUntil(now.Add(ms(100)))
	tk := spawn[struct{}](e, s)
	tk.Poll()
	e.sleep(ms(50))
	if tk.IsWoken() {
		t.Fatal("woken before any deadline")
	}
	s.Reset(now.Add(ms(40)))
	if !tk.IsWoken() {
		t.Fatal("reset to the past did not wake the task")
	}
	if _, ok := tk.Poll(); !ok {
		t.Fatal("pending after reset to the past")
	}
}

// Reference: time_sleep.rs creating_sleep_outside_of_context. weft builds
// the future anywhere; polling it without a runtime panics.
func TestSleepPolledOutsideARuntimePanics(t *testing.T) {
	mustPanicWith(t, "weft: Sleep polled outside a weft runtime", func() {
		mocktask.Spawn[struct{}](weft.Sleep(ms(500))).Poll()
	})
	mustPanicWith(t, "weft: Timeout polled outside a weft runtime", func() {
		mocktask.Spawn(weft.Timeout(ms(500), future.Pending[int]())).Poll()
	})
	mustPanicWith(t, "weft: Interval polled outside a weft runtime", func() {
		mocktask.Spawn[time.Time](weft.Interval(ms(500)).Tick()).Poll()
	})
}

// Reference: time_sleep.rs greater_than_max.
func TestSleepLongerThanTheWheel(t *testing.T) {
	e := newEnv(t)
	const fiveYears = 5 * 365 * 24 * time.Hour
	now := e.now()
	block[struct{}](e, weft.SleepUntil(now.Add(fiveYears)))
	e.assertElapsed(now, fiveYears)
}

// Reference: time_sleep.rs short_sleeps. Zero and negative durations, and
// deadlines in the past, complete at the first poll without registering.
func TestSleepZeroOrNegativeIsReadyAtFirstPoll(t *testing.T) {
	e := newEnv(t)
	var unparks int
	e.d.SetUnpark(func() { unparks++ })
	for i := range 1000 {
		var s *weft.SleepFuture
		switch i % 3 {
		case 0:
			s = weft.Sleep(0)
		case 1:
			s = weft.Sleep(-time.Duration(i) * time.Hour)
		default:
			s = weft.SleepUntil(e.now().Add(-time.Second))
		}
		tk := spawn[struct{}](e, s)
		if _, ok := tk.Poll(); !ok {
			t.Fatalf("sleep %d pending", i)
		}
		if tk.WakeCount() != 0 {
			t.Fatal("an immediate sleep woke its task")
		}
	}
	e.assertLen(0)
	if unparks != 0 {
		t.Fatal("immediate sleeps registered timers")
	}
}

// Reference: time_sleep.rs multi_long_sleeps.
func TestSleepSeveralYearLongSleeps(t *testing.T) {
	e := newEnv(t)
	for range 5 {
		e.sleep(365 * 24 * time.Hour)
	}
	deadline := e.now().Add(10 * 365 * 24 * time.Hour)
	block[struct{}](e, weft.SleepUntil(deadline))
	if e.now().Before(deadline) {
		t.Fatal("woke before the deadline")
	}
}

// Reference: time_sleep.rs long_sleeps.
func TestSleepTenYearsEndsWithinAMillisecond(t *testing.T) {
	e := newEnv(t)
	deadline := e.now().Add(10 * 365 * 24 * time.Hour)
	block[struct{}](e, weft.SleepUntil(deadline))
	if e.now().Before(deadline) || e.now().After(deadline.Add(time.Millisecond)) {
		t.Fatalf("woke at %v for deadline %v", e.now(), deadline)
	}
}

// Reference: time_sleep.rs reset_after_firing.
func TestSleepResetAfterFiringIsPendingAgain(t *testing.T) {
	e := newEnv(t)
	s := weft.Sleep(ms(1))
	block[struct{}](e, s)
	deadline, _ := s.Deadline()
	m := e.manual()
	if _, ok := s.Poll(m.cx); !ok {
		t.Fatal("completed sleep not ready when polled again")
	}
	s.Reset(e.now().Add(600 * time.Second))
	if d2, _ := s.Deadline(); d2.Equal(deadline) {
		t.Fatal("Reset did not move the deadline")
	}
	for range 2 {
		if _, ok := s.Poll(m.cx); ok {
			t.Fatal("ready after reset into the future")
		}
	}
	s.Drop()
	e.assertLen(0)
}

// Reference: time_sleep.rs exactly_max and no_out_of_bounds_close_to_max.
func TestSleepOfMaxDurationEnds(t *testing.T) {
	for _, d := range []time.Duration{math.MaxInt64, math.MaxInt64 - ms(1)} {
		e := newEnv(t)
		block[struct{}](e, weft.Sleep(d))
		e.assertLen(0)
	}
}

// Reference: time_sleep.rs issue_5183 (a huge sleep in a biased select
// against a tiny one). The loser is dropped and leaves nothing registered.
func TestSleepHugeLosesSelectAndIsDeregistered(t *testing.T) {
	e := newEnv(t)
	big := time.Duration(math.MaxInt64 / 10)
	r := block(e, future.Select2[struct{}, struct{}](weft.Sleep(big), weft.Sleep(time.Nanosecond)))
	if r.Which != 1 {
		t.Fatal("the huge sleep won")
	}
	e.assertLen(0)
}

// Reference: time_sleep.rs drop_after_reschedule_at_new_scheduled_time.
func TestSleepDropAfterRescheduleAtNewTime(t *testing.T) {
	e := newEnv(t)
	start := e.now()
	a, b, c := weft.Sleep(ms(5)), weft.Sleep(ms(5)), weft.Sleep(ms(10))
	ta, tb, tc := spawn[struct{}](e, a), spawn[struct{}](e, b), spawn[struct{}](e, c)
	ta.Poll()
	tb.Poll()
	tc.Poll()
	b.Reset(start.Add(ms(10)))
	block[struct{}](e, a)
	tb.Drop()
	tc.Drop()
	e.assertLen(0)
}

// Reference: time_sleep.rs drop_from_wake. A waker that drops every sleep
// (deregistering them) runs outside the driver's lock: no deadlock, no panic,
// nothing left registered.
func TestSleepDroppedFromAWaker(t *testing.T) {
	e := newEnv(t)
	var sleeps []*weft.SleepFuture
	dropAll := &funcWaker{f: func() {
		for _, s := range sleeps {
			s.Drop()
		}
	}}
	cx := future.NewContext(future.NewWaker(dropAll))
	futurecx.SetExecutor(cx, e.exec)
	for range 100 {
		s := weft.Sleep(ms(10))
		if _, ok := s.Poll(cx); ok {
			t.Fatal("ready at once")
		}
		sleeps = append(sleeps, s)
	}
	e.assertLen(100)
	e.sleep(ms(11))
	if dropAll.n == 0 {
		t.Fatal("no sleep woke")
	}
	e.assertLen(0)
}

type funcWaker struct {
	f func()
	n int
}

func (w *funcWaker) Wake(uint64) { w.n++; w.f() }

// An aborted task drops its sleep: the timer is deregistered and never wakes.
func TestSleepDropWhilePendingLeavesNothingRegistered(t *testing.T) {
	e := newEnv(t)
	tk := spawn[struct{}](e, weft.Sleep(time.Hour))
	tk.Poll()
	e.assertLen(1)
	tk.Drop()
	e.assertLen(0)
	e.advance(2 * time.Hour)
	if tk.IsWoken() {
		t.Fatal("dropped sleep woke its task")
	}
	// Dropping a sleep that was never polled, or twice, is fine too.
	s := weft.Sleep(time.Second)
	s.Drop()
	s.Drop()
}

// Reference: time_pause.rs paused_time_is_deterministic.
func TestPausedSleepsAreDeterministic(t *testing.T) {
	run := func() []time.Duration {
		e := newEnv(t)
		rng := rand.New(rand.NewPCG(1, 1))
		start := e.now()
		var times []time.Duration
		for range 2000 {
			e.sleep(time.Duration(rng.Int64N(int64(time.Second))))
			times = append(times, e.now().Sub(start))
		}
		return times
	}
	if a, b := run(), run(); !slices.Equal(a, b) {
		t.Fatal("two runs of the same sleeps saw different times")
	}
}

// Reference: time_pause.rs advance_after_poll.
func TestSleepAdvanceAfterPollIsStillPending(t *testing.T) {
	e := newEnv(t)
	e.sleep(ms(1))
	start := e.now()
	tk := spawn[struct{}](e, weft.SleepUntil(start.Add(ms(300))))
	if _, ok := tk.Poll(); ok {
		t.Fatal("ready at once")
	}
	before := e.now()
	e.advance(ms(100))
	e.assertElapsed(before, ms(100))
	if _, ok := tk.Poll(); ok {
		t.Fatal("ready after 100 of 300ms")
	}
	tk.Drop()
}

// Reference: time_pause.rs sleep_no_poll.
func TestSleepNotPolledBeforeAdvanceIsPending(t *testing.T) {
	e := newEnv(t)
	start := e.now()
	e.advance(ms(1))
	tk := spawn[struct{}](e, weft.SleepUntil(start.Add(ms(300))))
	e.advance(ms(100))
	if _, ok := tk.Poll(); ok {
		t.Fatal("ready after 101 of 300ms")
	}
	tk.Drop()
}

// A sleep whose driver shuts down is woken and then stays pending for good:
// the runtime is cancelling its tasks, and a future driven outside them
// (BlockOn's) returns with the shutdown error instead. Tokio panics here; a
// panic would crash a BlockOn goroutine racing the shutdown.
func TestSleepAfterDriverShutdownNeverCompletes(t *testing.T) {
	e := newEnv(t)
	tk := spawn[struct{}](e, weft.Sleep(time.Hour))
	tk.Poll()
	e.d.Shutdown()
	if !tk.IsWoken() {
		t.Fatal("shutdown did not wake the sleeping task")
	}
	if _, ok := tk.Poll(); ok {
		t.Fatal("a sleep completed after its driver shut down")
	}
	tk.Drop()
	e.assertLen(0)
	// A sleep first polled after shutdown stays pending the same way.
	late := spawn[struct{}](e, weft.Sleep(time.Hour))
	if _, ok := late.Poll(); ok {
		t.Fatal("a sleep first polled after shutdown completed")
	}
	late.Drop()
	e.assertLen(0)
}

func TestSleepConsumesBudgetOnlyWhenItCompletes(t *testing.T) {
	e := newEnv(t)
	s := weft.Sleep(ms(10))
	tk := spawn[struct{}](e, s)
	cx := tk.Context()
	futurecx.SetBudget(cx, 0)
	if _, ok := tk.Poll(); ok || !tk.IsWoken() {
		t.Fatal("with no budget the sleep must yield and wake its task")
	}
	e.assertLen(0) // it yielded before registering
	futurecx.SetBudget(cx, 5)
	if _, ok := tk.Poll(); ok {
		t.Fatal("ready early")
	}
	if n, _ := cx.Budget(); n != 5 {
		t.Fatalf("pending poll kept a unit of budget: %d left", n)
	}
	e.advance(ms(10))
	if _, ok := tk.Poll(); !ok {
		t.Fatal("pending after the deadline")
	}
	if n, _ := cx.Budget(); n != 4 {
		t.Fatalf("completing poll used %d units, want 1", 5-n)
	}
}

func TestSleepPollDoesNotAllocate(t *testing.T) {
	e := newEnv(t)
	s := weft.Sleep(time.Hour)
	m := e.manual()
	s.Poll(m.cx) // first poll registers
	if n := testing.AllocsPerRun(1000, func() { s.Poll(m.cx) }); n != 0 {
		t.Fatalf("pending poll allocates %v times", n)
	}
	other := e.manual() // a different waker takes the slow path
	if n := testing.AllocsPerRun(1000, func() { s.Poll(other.cx); s.Poll(m.cx) }); n != 0 {
		t.Fatalf("poll with a new waker allocates %v times", n)
	}
	s.Drop()
}

func TestSleepStringShowsTimeLeft(t *testing.T) {
	e := newEnv(t)
	s := weft.Sleep(3 * time.Second)
	if got := s.String(); got != "Sleep(3s, not polled)" {
		t.Fatalf("before polling: %q", got)
	}
	spawn[struct{}](e, s).Poll()
	if got := s.String(); got != "Sleep(3s left)" {
		t.Fatalf("after polling: %q", got)
	}
	e.advance(1200 * time.Millisecond)
	if got := s.String(); got != "Sleep(1.8s left)" {
		t.Fatalf("after 1.2s: %q", got)
	}
	block[struct{}](e, s)
	if got := s.String(); got != "Sleep(elapsed)" {
		t.Fatalf("after completing: %q", got)
	}
	until := weft.SleepUntil(time.Unix(0, 0).UTC())
	if got := until.String(); !strings.HasPrefix(got, "Sleep(until 1970-01-01T00:00:00Z") {
		t.Fatalf("SleepUntil before polling: %q", got)
	}
	until.Drop()
}

func TestNowReadsThePausedClock(t *testing.T) {
	e := newEnv(t)
	m := e.manual()
	t0 := weft.Now(m.cx)
	e.advance(time.Hour)
	if got := weft.Now(m.cx).Sub(t0); got != time.Hour {
		t.Fatalf("Now moved %v, want 1h", got)
	}
	outside := future.NewContext(future.Noop())
	if d := time.Since(weft.Now(outside)); d < 0 || d > time.Minute {
		t.Fatalf("Now outside a runtime is %v away from time.Now", d)
	}
}

// timer.ErrShutdown stays distinct from ErrElapsed.
func TestErrElapsedIsDistinct(t *testing.T) {
	if errors.Is(weft.ErrElapsed, timer.ErrShutdown) || weft.ErrElapsed.Error() != "weft: deadline elapsed" {
		t.Fatal("ErrElapsed")
	}
}

// Reset of a sleep that has been polled allocates nothing, so a SleepFuture
// kept by value can be re-armed for every period of a loop. (It used to move
// its time.Time argument to the heap on every call.)
func TestSleepResetOfAPolledSleepDoesNotAllocate(t *testing.T) {
	e := newEnv(t)
	m := e.manual()
	var s weft.SleepFuture // the zero SleepFuture is Sleep(0)
	if _, ok := s.Poll(m.cx); !ok {
		t.Fatal("the zero SleepFuture is pending")
	}
	cycle := func() {
		s.Reset(e.now().Add(ms(5)))
		if _, ok := s.Poll(m.cx); ok {
			t.Fatal("reset sleep ready at once")
		}
		if !e.d.AutoAdvance() {
			t.Fatal("no timer registered")
		}
		if _, ok := s.Poll(m.cx); !ok {
			t.Fatal("reset sleep pending after its deadline")
		}
	}
	if a := testing.AllocsPerRun(100, cycle); a != 0 {
		t.Fatalf("Reset and sleep allocate %v times", a)
	}
	s.Drop()
	e.assertLen(0)
}

// ResetAfter of a sleep that was never polled makes it Sleep(d) again,
// counted from its first poll; of a polled one, re-arms it d from now. It
// allocates nothing in either case.
func TestSleepResetAfterCountsFromTheFirstPollOrFromNow(t *testing.T) {
	e := newEnv(t)
	var s weft.SleepFuture
	s.ResetAfter(ms(100))
	if _, ok := s.Deadline(); ok {
		t.Fatal("an unpolled ResetAfter has a deadline")
	}
	e.sleep(ms(30)) // not counted: the sleep has not started
	now := e.now()
	block[struct{}](e, &s)
	e.assertElapsed(now, ms(100))

	// Polled and completed: re-armed from the current time.
	e.sleep(ms(20))
	now = e.now()
	s.ResetAfter(ms(40))
	if s.IsElapsed() {
		t.Fatal("elapsed right after ResetAfter")
	}
	block[struct{}](e, &s)
	e.assertElapsed(now, ms(40))

	m := e.manual()
	var u weft.SleepFuture // kept, as a future kept by value would be
	if a := testing.AllocsPerRun(50, func() {
		u.ResetAfter(ms(5))
		u.Drop()
		s.ResetAfter(ms(5))
		if _, ok := s.Poll(m.cx); ok {
			t.Fatal("re-armed sleep ready at once")
		}
		if !e.d.AutoAdvance() {
			t.Fatal("no timer registered")
		}
		if _, ok := s.Poll(m.cx); !ok {
			t.Fatal("re-armed sleep pending after its deadline")
		}
	}); a != 0 {
		t.Fatalf("ResetAfter allocates %v times", a)
	}
	s.Drop()
	e.assertLen(0)
}

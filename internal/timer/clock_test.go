package timer

import (
	"math"

	"github.com/weftrt/weft/future"
	"testing"
	"testing/synctest"
	"time"
)

func TestInstantArithmeticSaturates(t *testing.T) {
	cases := []struct {
		i    Instant
		d    time.Duration
		want Instant
	}{
		{0, time.Second, Instant(time.Second)},
		{MaxInstant - 1, 5, MaxInstant},
		{MaxInstant, math.MaxInt64, MaxInstant},
		{1, math.MaxInt64, MaxInstant},
		{math.MinInt64 + 1, -5, math.MinInt64},
		{10, -20, -10},
	}
	for _, c := range cases {
		if got := c.i.Add(c.d); got != c.want {
			t.Errorf("%d.Add(%d) = %d, want %d", c.i, c.d, got, c.want)
		}
	}
	if got := MaxInstant.Sub(-5); got != math.MaxInt64 {
		t.Errorf("MaxInstant.Sub(-5) = %d", got)
	}
	if got := Instant(math.MinInt64).Sub(5); got != math.MinInt64 {
		t.Errorf("Min.Sub(5) = %d", got)
	}
	if got := Instant(30).Sub(10); got != 20 {
		t.Errorf("30.Sub(10) = %d", got)
	}
}

func TestDeadlineTickRoundsUpAndTickRoundsDown(t *testing.T) {
	cases := []struct {
		i              Instant
		deadline, tick uint64
	}{
		{-5, 0, 0},
		{0, 0, 0},
		{1, 1, 0},
		{Instant(time.Millisecond), 1, 1},
		{Instant(time.Millisecond) + 1, 2, 1},
		{Instant(2*time.Millisecond) - 1, 2, 1},
		{MaxInstant, maxClockTick, maxClockTick},
	}
	for _, c := range cases {
		if got := c.i.DeadlineTick(); got != c.deadline {
			t.Errorf("%d.DeadlineTick() = %d, want %d", c.i, got, c.deadline)
		}
		if got := c.i.Tick(); got != c.tick {
			t.Errorf("%d.Tick() = %d, want %d", c.i, got, c.tick)
		}
		// A timer never fires early: the deadline tick starts at or after
		// the instant (except the documented last fraction before MaxInstant).
		if c.i > 0 && c.i < MaxInstant && TickInstant(c.deadline) < c.i {
			t.Errorf("tick %d starts before %d", c.deadline, c.i)
		}
	}
	if TickInstant(math.MaxUint64) != MaxInstant || TickInstant(3) != Instant(3*time.Millisecond) {
		t.Error("TickInstant")
	}
}

func TestPausedClockMovesOnlyWhenAdvanced(t *testing.T) {
	c := NewPausedClock()
	if !c.IsPaused() || c.Now() != 0 {
		t.Fatalf("paused clock reads %d", c.Now())
	}
	c.Advance(1500 * time.Microsecond)
	c.Advance(-time.Hour) // ignored
	if c.Now() != Instant(1500*time.Microsecond) {
		t.Fatalf("after Advance: %d", c.Now())
	}
	c.Advance(math.MaxInt64)
	if c.Now() != MaxInstant {
		t.Fatalf("Advance does not saturate: %d", c.Now())
	}
	if got := c.Time(Instant(time.Second)).Sub(c.Time(0)); got != time.Second {
		t.Fatalf("Time difference %v", got)
	}
	if got := c.Instant(c.Time(Instant(42 * time.Millisecond))); got != Instant(42*time.Millisecond) {
		t.Fatalf("Instant(Time(42ms)) = %d", got)
	}
}

func TestClockMisusePanics(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s did not panic", name)
			}
		}()
		f()
	}
	mustPanic("Advance of a running clock", func() { NewClock().Advance(time.Second) })
	mustPanic("Resume of a running clock", func() { NewClock().Resume() })
	mustPanic("Pause of a paused clock", func() { NewPausedClock().Pause() })
	mustPanic("Driver.Advance on a running clock", func() { NewDriver(nil).Advance(time.Second) })
}

// A real clock reads time.Now, so it follows a synctest bubble's fake time;
// Pause freezes it and Resume continues from the frozen reading.
func TestRealClockFollowsSynctestTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewClock()
		<-time.After(3 * time.Second)
		if got := c.Now(); got != Instant(3*time.Second) {
			t.Fatalf("after 3s: %v", time.Duration(got))
		}
		c.Pause()
		<-time.After(time.Second)
		if got := c.Now(); got != Instant(3*time.Second) {
			t.Fatalf("paused clock moved: %v", time.Duration(got))
		}
		c.Advance(time.Minute)
		c.Resume()
		<-time.After(time.Second)
		if got := c.Now(); got != Instant(3*time.Second+time.Minute+time.Second) {
			t.Fatalf("resumed clock: %v", time.Duration(got))
		}
	})
}

// runWorker is a minimal runtime worker following the integration contract
// in doc.go: NextDeadline, park with that timeout or until unparked, Process.
func runWorker(d *Driver, done <-chan struct{}) {
	unpark := make(chan struct{}, 1)
	d.SetUnpark(func() {
		select {
		case unpark <- struct{}{}:
		default: // a token is already there
		}
	})
	for {
		dur, ok := d.NextDeadline()
		var tm *time.Timer
		var fire <-chan time.Time
		if ok {
			tm = time.NewTimer(dur)
			fire = tm.C
		}
		select {
		case <-fire:
		case <-unpark:
		case <-done:
			if tm != nil {
				tm.Stop()
			}
			return
		}
		if tm != nil {
			tm.Stop()
		}
		d.Process()
	}
}

// wait registers a timer due after dur and blocks until it fires; it returns
// the time it waited on the bubble's clock.
func wait(t *testing.T, d *Driver, dur time.Duration) time.Duration {
	var e Entry
	start := time.Now()
	sig := future.NewSignal()
	if err := d.Register(&e, d.Now().Add(dur), sig.Waker()); err != nil {
		t.Error(err)
		return 0
	}
	for {
		ok, err := d.Poll(&e, sig.Waker())
		if err != nil {
			t.Error(err)
			return 0
		}
		if ok {
			break
		}
		<-sig.C()
	}
	d.Deregister(&e)
	return time.Since(start)
}

// Inside a synctest bubble, a real-clock driver run by a worker that follows
// the contract fires each timer exactly at its deadline, including a timer
// registered while the worker is parked until a much later one (the unpark
// path).
func TestDriverFollowsTheContractInASynctestBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := NewDriver(NewClock())
		done := make(chan struct{})
		workerDone := make(chan struct{})
		go func() { runWorker(d, done); close(workerDone) }()

		type result struct{ want, got time.Duration }
		results := make(chan result, 16)
		launch := func(dur time.Duration) {
			go func() { results <- result{dur, wait(t, d, dur)} }()
		}
		launch(70 * time.Minute)
		synctest.Wait() // the worker is parked until the far timer's cascade point
		for _, dur := range []time.Duration{5 * time.Millisecond, time.Millisecond, 3 * time.Second, 100 * time.Millisecond, 64 * time.Millisecond} {
			launch(dur)
		}
		for range 6 {
			r := <-results
			if r.got != r.want {
				t.Errorf("timer of %v fired after %v", r.want, r.got)
			}
		}
		if d.Len() != 0 {
			t.Errorf("Len %d", d.Len())
		}
		close(done)
		<-workerDone
	})
}

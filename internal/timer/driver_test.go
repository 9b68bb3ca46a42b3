package timer

import (
	"errors"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weftrt/weft/future"
)

// countWaker counts its wakes and can run a hook on each.
type countWaker struct {
	n    atomic.Int64
	hook func()
}

func (c *countWaker) Wake(uint64) {
	c.n.Add(1)
	if c.hook != nil {
		c.hook()
	}
}

func (c *countWaker) waker() future.Waker { return future.NewWaker(c) }

func ms(n int64) time.Duration { return time.Duration(n) * time.Millisecond }

func pausedDriver() *Driver { return NewDriver(NewPausedClock()) }

func mustRegister(t *testing.T, d *Driver, e *Entry, at Instant, w future.Waker) {
	t.Helper()
	if err := d.Register(e, at, w); err != nil {
		t.Fatal(err)
	}
}

func fired(t *testing.T, d *Driver, e *Entry, w future.Waker) bool {
	t.Helper()
	ok, err := d.Poll(e, w)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestDriverFiresInDeadlineOrderAndWakesOnce(t *testing.T) {
	d := pausedDriver()
	var order []int
	var mu sync.Mutex
	es := make([]Entry, 4)
	ws := make([]*countWaker, 4)
	for i, at := range []int64{30, 10, 20, 10} {
		i := i
		ws[i] = &countWaker{hook: func() { mu.Lock(); order = append(order, i); mu.Unlock() }}
		mustRegister(t, d, &es[i], Instant(ms(at)), ws[i].waker())
	}
	if d.Len() != 4 {
		t.Fatalf("Len %d", d.Len())
	}
	d.Advance(ms(15))
	if fired(t, d, &es[0], ws[0].waker()) || !fired(t, d, &es[1], ws[1].waker()) {
		t.Fatal("wrong entries fired at 15ms")
	}
	d.Advance(ms(100))
	if want := []int{1, 3, 2, 0}; !slices.Equal(order, want) {
		t.Fatalf("wake order %v, want %v", order, want)
	}
	for i, w := range ws {
		if w.n.Load() != 1 {
			t.Fatalf("entry %d woken %d times", i, w.n.Load())
		}
	}
	if d.Len() != 0 {
		t.Fatalf("Len %d after all fired", d.Len())
	}
}

// A deadline rounds up to the next millisecond: a timer never fires early.
func TestDriverNeverFiresBeforeTheDeadline(t *testing.T) {
	d := pausedDriver()
	var e Entry
	w := &countWaker{}
	at := Instant(ms(1) + 1) // 1ms + 1ns: tick 2
	mustRegister(t, d, &e, at, w.waker())
	d.Advance(ms(1))
	if fired(t, d, &e, w.waker()) {
		t.Fatal("fired at 1ms, before its deadline 1ms+1ns")
	}
	d.Advance(ms(1) - 1)
	if fired(t, d, &e, w.waker()) {
		t.Fatal("fired at 2ms-1ns, before the tick the deadline rounds to")
	}
	d.Advance(1)
	if !fired(t, d, &e, w.waker()) || w.n.Load() != 1 {
		t.Fatal("did not fire at 2ms")
	}
}

func TestDriverRegisterOfPastDeadlineFiresAtOnceWithoutWake(t *testing.T) {
	d := pausedDriver()
	d.Advance(ms(50))
	for _, at := range []Instant{-1 << 40, 0, Instant(ms(49)), Instant(ms(50))} {
		var e Entry
		w := &countWaker{}
		mustRegister(t, d, &e, at, w.waker())
		if !fired(t, d, &e, w.waker()) {
			t.Fatalf("deadline %v at now 50ms did not fire at once", at)
		}
		if w.n.Load() != 0 || d.Len() != 0 {
			t.Fatalf("deadline %v: woken %d, Len %d", at, w.n.Load(), d.Len())
		}
		d.Deregister(&e)
	}
}

func TestDriverResetToThePastFiresAndWakes(t *testing.T) {
	d := pausedDriver()
	var e Entry
	w := &countWaker{}
	mustRegister(t, d, &e, Instant(ms(100)), w.waker())
	d.Advance(ms(50))
	if err := d.Reset(&e, Instant(ms(40))); err != nil {
		t.Fatal(err)
	}
	if !fired(t, d, &e, w.waker()) || w.n.Load() != 1 || d.Len() != 0 {
		t.Fatalf("reset to the past: woken %d, Len %d", w.n.Load(), d.Len())
	}
	// Reset of a fired entry re-arms it with the same waker.
	if err := d.Reset(&e, Instant(ms(70))); err != nil {
		t.Fatal(err)
	}
	if fired(t, d, &e, w.waker()) {
		t.Fatal("re-armed entry reports fired")
	}
	d.Advance(ms(20))
	if !fired(t, d, &e, w.waker()) || w.n.Load() != 2 {
		t.Fatalf("re-armed entry: woken %d", w.n.Load())
	}
}

func TestDriverPollWithNewWakerWakesOnlyTheNewOne(t *testing.T) {
	d := pausedDriver()
	var e Entry
	w1, w2 := &countWaker{}, &countWaker{}
	mustRegister(t, d, &e, Instant(ms(5)), w1.waker())
	if fired(t, d, &e, w2.waker()) {
		t.Fatal("fired early")
	}
	d.Advance(ms(5))
	if w1.n.Load() != 0 || w2.n.Load() != 1 {
		t.Fatalf("old waker woken %d, new %d", w1.n.Load(), w2.n.Load())
	}
}

func TestDriverDeregisterStopsTheWakeAndIsIdempotent(t *testing.T) {
	d := pausedDriver()
	var e, never Entry
	w := &countWaker{}
	mustRegister(t, d, &e, Instant(ms(5)), w.waker())
	d.Deregister(&e)
	d.Deregister(&e)
	d.Deregister(&never)
	if d.Len() != 0 {
		t.Fatalf("Len %d after Deregister", d.Len())
	}
	d.Advance(ms(10))
	if w.n.Load() != 0 {
		t.Fatal("deregistered entry was woken")
	}
	// Deregister after fire is a no-op too.
	mustRegister(t, d, &e, Instant(ms(11)), w.waker())
	d.Advance(ms(1))
	d.Deregister(&e)
	if w.n.Load() != 1 || d.Len() != 0 {
		t.Fatalf("woken %d, Len %d", w.n.Load(), d.Len())
	}
}

// Reference: tokio tests/time_sleep.rs drop_from_wake. Wakers run outside the
// driver's lock, so a waker may deregister timers, including ones that fired
// in the same pass and wait for their own wake, and register new ones.
func TestDriverWakerMayCallBackIntoTheDriver(t *testing.T) {
	d := pausedDriver()
	const n = 100
	es := make([]Entry, n)
	ws := make([]*countWaker, n)
	var extra Entry
	for i := range es {
		ws[i] = &countWaker{}
		ws[i].hook = func() {
			for j := range es {
				d.Deregister(&es[j])
			}
			if err := d.Register(&extra, Instant(ms(20)), future.Noop()); err != nil {
				t.Error(err)
			}
		}
		mustRegister(t, d, &es[i], Instant(ms(10)), ws[i].waker())
	}
	d.Advance(ms(11))
	woken := 0
	for _, w := range ws {
		woken += int(w.n.Load())
	}
	// The first waker deregistered every entry; only the wakers already
	// copied into the first batch still ran (spurious wakes, allowed).
	if woken != wakeBatch {
		t.Fatalf("%d wakers ran, want the first batch of %d", woken, wakeBatch)
	}
	if d.Len() != 1 {
		t.Fatalf("Len %d, want only the entry the waker registered", d.Len())
	}
	d.Deregister(&extra)
}

func TestDriverUnparksOnlyForEarlierDeadlines(t *testing.T) {
	d := pausedDriver()
	var unparks atomic.Int64
	d.SetUnpark(func() { unparks.Add(1) })
	es := make([]Entry, 5)
	if _, ok := d.NextDeadline(); ok {
		t.Fatal("deadline with no timers")
	}
	mustRegister(t, d, &es[0], Instant(ms(40)), future.Noop())
	if unparks.Load() != 1 {
		t.Fatalf("first timer of an idle driver: %d unparks", unparks.Load())
	}
	mustRegister(t, d, &es[1], Instant(ms(50)), future.Noop())
	if unparks.Load() != 1 {
		t.Fatal("later timer unparked")
	}
	if dur, ok := d.NextDeadline(); !ok || dur != ms(40) {
		t.Fatalf("NextDeadline %v %v, want 40ms", dur, ok)
	}
	mustRegister(t, d, &es[2], Instant(ms(20)), future.Noop())
	mustRegister(t, d, &es[3], Instant(ms(25)), future.Noop())
	if unparks.Load() != 2 {
		t.Fatalf("%d unparks, want one more for 20ms and none for 25ms", unparks.Load())
	}
	mustRegister(t, d, &es[4], Instant(ms(10)), future.Noop())
	if unparks.Load() != 3 {
		t.Fatal("earlier timer after an unpark did not unpark again")
	}
	d.Advance(ms(15))
	if dur, ok := d.NextDeadline(); !ok || dur != ms(5) {
		t.Fatalf("NextDeadline after advance %v %v, want 5ms", dur, ok)
	}
	for i := range es {
		d.Deregister(&es[i])
	}
}

// NextDeadline is the next time the wheel has work: the timer's own tick on
// level 0, or the point where a far timer moves down a level (as in Tokio),
// never later than the deadline.
func TestDriverNextDeadlineIsNeverAfterTheDeadline(t *testing.T) {
	d := pausedDriver()
	var e Entry
	mustRegister(t, d, &e, Instant(ms(100)), future.Noop())
	dur, ok := d.NextDeadline()
	if !ok || dur != ms(64) {
		t.Fatalf("NextDeadline %v %v, want the level-1 boundary 64ms", dur, ok)
	}
	d.Advance(dur)
	if dur, ok = d.NextDeadline(); !ok || dur != ms(36) {
		t.Fatalf("NextDeadline after the cascade %v %v, want 36ms", dur, ok)
	}
	d.Deregister(&e)
}

func TestDriverNextDeadlineIsTheTickBoundaryOnTheClock(t *testing.T) {
	d := pausedDriver()
	var e Entry
	d.Advance(300 * time.Microsecond)
	mustRegister(t, d, &e, Instant(ms(2)+1), future.Noop()) // rounds to 3ms
	dur, ok := d.NextDeadline()
	if !ok || dur != ms(3)-300*time.Microsecond {
		t.Fatalf("NextDeadline %v %v", dur, ok)
	}
	d.Deregister(&e)
	if _, ok := d.NextDeadline(); ok {
		t.Fatal("deadline after deregistering the only timer")
	}
}

func TestDriverAutoAdvanceJumpsToEachDeadline(t *testing.T) {
	d := pausedDriver()
	deadlines := []time.Duration{ms(10), 5 * time.Second, 3 * 365 * 24 * time.Hour, 10 * 365 * 24 * time.Hour}
	es := make([]Entry, len(deadlines))
	for i := range es {
		mustRegister(t, d, &es[i], Instant(deadlines[i]), future.Noop())
	}
	for i, want := range deadlines {
		if !d.AutoAdvance() {
			t.Fatalf("AutoAdvance %d reported nothing fired", i)
		}
		if got := d.Now(); got != Instant(want) {
			t.Fatalf("clock at %v after AutoAdvance %d, want %v", time.Duration(got), i, want)
		}
		if !fired(t, d, &es[i], future.Noop()) {
			t.Fatalf("entry %d did not fire", i)
		}
	}
	if d.AutoAdvance() || d.Len() != 0 {
		t.Fatal("AutoAdvance with no timers reported a firing")
	}
	if d.Now() != Instant(deadlines[len(deadlines)-1]) {
		t.Fatal("AutoAdvance with no timers moved the clock")
	}
}

func TestDriverAutoAdvanceNeedsAPausedClock(t *testing.T) {
	d := NewDriver(NewClock())
	var e Entry
	mustRegister(t, d, &e, Instant(time.Hour), future.Noop())
	if d.AutoAdvance() {
		t.Fatal("AutoAdvance fired on a running clock")
	}
	d.Deregister(&e)
}

func TestDriverHugeDeadlinesDoNotOverflow(t *testing.T) {
	d := pausedDriver()
	var a, b Entry
	mustRegister(t, d, &a, d.Now().Add(time.Duration(1<<63-1)), future.Noop())
	mustRegister(t, d, &b, MaxInstant, future.Noop())
	if dur, ok := d.NextDeadline(); !ok || dur <= 0 {
		t.Fatalf("NextDeadline %v %v", dur, ok)
	}
	steps := 0
	for !fired(t, d, &a, future.Noop()) {
		if !d.AutoAdvance() && steps > 0 {
			t.Fatal("AutoAdvance stopped before the far timer fired")
		}
		steps++
	}
	if !fired(t, d, &b, future.Noop()) || d.Len() != 0 {
		t.Fatal("MaxInstant timers did not both fire")
	}
	if d.Now() < MaxInstant-Instant(time.Millisecond) {
		t.Fatalf("clock at %v after firing MaxInstant", d.Now())
	}
}

func TestDriverShutdownWakesEverythingAndRefusesMore(t *testing.T) {
	d := pausedDriver()
	es := make([]Entry, 3)
	ws := make([]*countWaker, 3)
	for i := range es {
		ws[i] = &countWaker{}
		mustRegister(t, d, &es[i], Instant(ms(int64(10*(i+1)))), ws[i].waker())
	}
	d.Advance(ms(10)) // es[0] fires normally
	d.Shutdown()
	d.Shutdown()
	if !d.IsShutdown() || d.Len() != 0 {
		t.Fatalf("shutdown %v, Len %d", d.IsShutdown(), d.Len())
	}
	for i, w := range ws {
		if w.n.Load() != 1 {
			t.Fatalf("entry %d woken %d times", i, w.n.Load())
		}
	}
	if ok, err := d.Poll(&es[0], ws[0].waker()); !ok || err != nil {
		t.Fatalf("entry fired before shutdown: %v %v", ok, err)
	}
	for i := 1; i < 3; i++ {
		if ok, err := d.Poll(&es[i], ws[i].waker()); !ok || !errors.Is(err, ErrShutdown) {
			t.Fatalf("entry %d after shutdown: %v %v", i, ok, err)
		}
	}
	var late Entry
	if err := d.Register(&late, Instant(ms(100)), future.Noop()); !errors.Is(err, ErrShutdown) {
		t.Fatalf("Register after shutdown: %v", err)
	}
	if _, ok := d.NextDeadline(); ok || d.AutoAdvance() {
		t.Fatal("shut-down driver reports work")
	}
	for i := range es {
		d.Deregister(&es[i])
	}
}

func TestDriverPollOfUnregisteredEntryPanics(t *testing.T) {
	d := pausedDriver()
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("no panic")
		}
	}()
	var e Entry
	_, _ = d.Poll(&e, future.Noop())
}

// Many goroutines register, poll, re-arm and deregister timers while others
// process and advance the paused clock. Every timer that is not deregistered
// is woken, none fires before its deadline, and nothing is left at the end.
func TestDriverConcurrentRegisterDeregisterProcess(t *testing.T) {
	d := pausedDriver()
	var unparks atomic.Int64
	d.SetUnpark(func() { unparks.Add(1) })
	workers, rounds := 8, 3000
	if testing.Short() {
		rounds = 300
	}
	stop := make(chan struct{})
	var drivers sync.WaitGroup
	for i := range 2 {
		drivers.Add(1)
		go func() {
			defer drivers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				// Let the timer goroutines run between steps, or the
				// clock races ahead of them on a small machine.
				runtime.Gosched()
				switch i {
				case 0:
					d.Advance(time.Millisecond)
				default:
					d.Process()
					d.NextDeadline()
					d.AutoAdvance()
				}
			}
		}()
	}
	var blocked atomic.Int64
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			var e Entry
			sig := future.NewSignal()
			for range rounds {
				deadline := d.Now().Add(time.Duration(rng.IntN(5000)) * time.Microsecond)
				if err := d.Register(&e, deadline, sig.Waker()); err != nil {
					t.Error(err)
					return
				}
				if rng.IntN(4) == 0 {
					d.Deregister(&e)
					continue
				}
				if rng.IntN(4) == 0 {
					deadline = d.Now().Add(time.Duration(rng.IntN(3000)) * time.Microsecond)
					if err := d.Reset(&e, deadline); err != nil {
						t.Error(err)
						return
					}
				}
				for {
					ok, err := d.Poll(&e, sig.Waker())
					if err != nil {
						t.Error(err)
						return
					}
					if ok {
						break
					}
					blocked.Add(1)
					<-sig.C()
				}
				if now := d.Now(); now < deadline {
					t.Errorf("timer due at %v fired at %v", deadline, now)
				}
				// Drain a wake that raced with the poll that saw the fire.
				select {
				case <-sig.C():
				default:
				}
				d.Deregister(&e)
			}
		}()
	}
	wg.Wait()
	close(stop)
	drivers.Wait()
	if d.Len() != 0 {
		t.Fatalf("Len %d at the end", d.Len())
	}
	if blocked.Load() == 0 {
		t.Fatal("no timer was ever waited for; the test exercised nothing")
	}
}

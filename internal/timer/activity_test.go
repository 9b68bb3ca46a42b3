package timer

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft/future"
)

// The claim: AutoAdvance jumps only at a zero count, the Release that takes
// the count to zero calls the idle callback, and a claim that fires nothing
// gives its unit back without it.
func TestAutoAdvanceJumpsOnlyWhenTheActivityIsZero(t *testing.T) {
	d := pausedDriver()
	a := d.Activity()
	var idles atomic.Int64
	a.SetOnIdle(func() { idles.Add(1) })
	var e Entry
	w := &countWaker{}
	mustRegister(t, d, &e, Instant(ms(50)), w.waker())

	a.Acquire()
	if d.AutoAdvance() || d.Now() != 0 {
		t.Fatalf("AutoAdvance jumped to %v with a unit held", d.Now())
	}
	a.Release()
	if idles.Load() != 1 || !a.IsIdle() {
		t.Fatalf("the Release to zero called the idle callback %d times", idles.Load())
	}
	if !d.AutoAdvance() || d.Now() != Instant(ms(50)) || w.n.Load() != 1 {
		t.Fatalf("AutoAdvance at a zero count: clock %v, wakes %d", d.Now(), w.n.Load())
	}
	// The claim's unit goes back through Release after a jump (the woken
	// task may be gone, and the clock may have to jump again)...
	if idles.Load() != 2 || !a.IsIdle() {
		t.Fatalf("after the jump: %d idle calls, idle %v", idles.Load(), a.IsIdle())
	}
	// ...and quietly when there was nothing to fire.
	if d.AutoAdvance() || idles.Load() != 2 || !a.IsIdle() {
		t.Fatalf("a claim with no timer: %d idle calls, idle %v", idles.Load(), a.IsIdle())
	}
}

// U4: a timer pass holds a unit from before it takes the fired entries out
// of the wheel until their wakers have returned, so a wake in flight is
// work in progress.
func TestProcessHoldsAUnitWhileItWakes(t *testing.T) {
	d := pausedDriver()
	a := d.Activity()
	var e Entry
	var idleDuringWake atomic.Bool
	w := &countWaker{hook: func() { idleDuringWake.Store(a.IsIdle()) }}
	mustRegister(t, d, &e, Instant(ms(5)), w.waker())
	d.Advance(ms(5))
	if w.n.Load() != 1 || idleDuringWake.Load() {
		t.Fatalf("wakes %d; the count was zero during the wake: %v", w.n.Load(), idleDuringWake.Load())
	}
	if !a.IsIdle() {
		t.Fatal("the pass kept its unit")
	}
}

// The WakeFlag of a BlockOn future holds one unit from the wake until the
// poll after it has returned, one per wake-and-poll however many wakes
// arrive, and none once closed.
func TestWakeFlagCountsAWakeUntilThePollAfterIt(t *testing.T) {
	a := &Activity{}
	sig := future.NewSignal()
	w, f := SignalWaker(sig, a)
	if a.IsIdle() {
		t.Fatal("the first poll is not counted")
	}
	took := f.BeginPoll()
	w.Wake() // during the poll: a unit of its own
	w.Wake() // already set: nothing more
	if a.n.Load() != 2 {
		t.Fatalf("count %d during a poll woken twice, want 2", a.n.Load())
	}
	f.EndPoll(took)
	if a.n.Load() != 1 || !f.IsSet() {
		t.Fatalf("count %d after the poll, set %v; want the wake's unit", a.n.Load(), f.IsSet())
	}
	f.Close()
	w.Wake()
	if !a.IsIdle() || f.BeginPoll() {
		t.Fatalf("count %d after Close and a late wake", a.n.Load())
	}
	// Without an Activity nothing is counted and the flag is nil.
	if _, f := SignalWaker(sig, nil); f != nil || f.BeginPoll() {
		t.Fatal("SignalWaker without an Activity made a flag")
	}
}

// The hand-over rule: while work is handed on from one holder to the next,
// each taking the next unit before giving its own back (as Schedule during a
// poll, or a timer pass calling its wakers, do), the count never touches
// zero, so a claimer spinning on the side never gets to jump; once the last
// unit is given back, it does.
func TestActivityHandOversNeverLetAClaimIn(t *testing.T) {
	var a Activity
	var claimed atomic.Int64
	const holders, rounds = 4, 20000
	a.Acquire() // the first holder's unit
	stop := make(chan struct{})
	var cw sync.WaitGroup
	cw.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if a.claim() {
				claimed.Add(1)
				a.endClaim(false)
			}
		}
	})
	handoff := make(chan struct{}, 1)
	handoff <- struct{}{}
	var hw sync.WaitGroup
	for range holders {
		hw.Go(func() {
			for range rounds / holders {
				<-handoff   // we hold the unit the previous holder took for us
				a.Acquire() // the next holder's unit, before ours goes
				handoff <- struct{}{}
				a.Release()
			}
		})
	}
	hw.Wait()
	close(stop)
	cw.Wait()
	if n := claimed.Load(); n != 0 {
		t.Fatalf("%d claims succeeded during hand-overs", n)
	}
	<-handoff
	a.Release() // the last unit handed on
	if !a.claim() {
		t.Fatal("no claim once the work was done")
	}
	a.endClaim(false)
}

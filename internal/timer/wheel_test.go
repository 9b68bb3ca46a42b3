package timer

import (
	"math"
	"slices"
	"testing"
)

// Reference: tokio runtime/time/wheel/mod.rs test_level_for.
func TestLevelForPutsEachTickOnItsLevel(t *testing.T) {
	for pos := uint64(0); pos < 64; pos++ {
		if got := levelFor(0, pos); got != 0 {
			t.Fatalf("levelFor(0, %d) = %d, want 0", pos, got)
		}
	}
	for l := 1; l < numLevels; l++ {
		unit := uint64(1) << (bitsPerLevel * l)
		for pos := uint64(1); pos < 64; pos++ {
			for _, when := range []uint64{pos * unit, pos*unit + 1, (pos+1)*unit - 1} {
				if got := levelFor(0, when); got != l {
					t.Fatalf("levelFor(0, %d) = %d, want %d", when, got, l)
				}
			}
		}
	}
	// Beyond the wheel's span everything goes to the top level.
	for _, when := range []uint64{wheelSpan, wheelSpan + 1, 5*wheelSpan + 3, MaxTick} {
		if got := levelFor(0, when); got != numLevels-1 {
			t.Fatalf("levelFor(0, %d) = %d, want top level", when, got)
		}
	}
	// Relative to elapsed, not to zero: a tick in the same 64-block is level 0.
	if got := levelFor(1<<40+5, 1<<40+63); got != 0 {
		t.Fatalf("levelFor(same block) = %d, want 0", got)
	}
}

// Reference: tokio runtime/time/wheel/level.rs test_slot_for.
func TestSlotForTakesTheLevelsSixBits(t *testing.T) {
	for pos := uint64(0); pos < 64; pos++ {
		if got := slotFor(pos, 0); got != int(pos) {
			t.Fatalf("slotFor(%d, 0) = %d", pos, got)
		}
	}
	for l := 1; l < numLevels; l++ {
		for pos := uint64(0); pos < 64; pos++ {
			when := pos << (bitsPerLevel * l)
			if got := slotFor(when, l); got != int(pos) {
				t.Fatalf("slotFor(%d, %d) = %d, want %d", when, l, got, pos)
			}
		}
	}
}

// firing records, for each fired entry, its tick and the wheel's elapsed when
// it fired.
type firing struct {
	e       *Entry
	tick    uint64
	elapsed uint64
}

func collect(w *Wheel, out *[]firing) func(*Entry) {
	return func(e *Entry) {
		if e.InWheel() {
			panic("fired entry is still in the wheel")
		}
		*out = append(*out, firing{e, e.Tick(), w.Elapsed()})
	}
}

// boundaryTicks returns ticks around every level boundary: 64^l-1, 64^l,
// 64^l+1 and a few multiples, plus ticks beyond the wheel's span.
func boundaryTicks() []uint64 {
	var ts []uint64
	for l := 0; l <= numLevels; l++ {
		unit := uint64(1) << (bitsPerLevel * l)
		for _, k := range []uint64{1, 2, 63, 64} {
			base := k * unit
			ts = append(ts, base-1, base, base+1)
		}
	}
	ts = append(ts, 3*wheelSpan+12345, 7*wheelSpan-1)
	return ts
}

// Every entry fires at exactly its own tick, whichever level it started on,
// when the wheel is stepped from one expiration to the next.
func TestWheelCascadesAcrossEveryLevelBoundary(t *testing.T) {
	for _, start := range []uint64{0, 1, 63, 64, 4095, 4096, 1<<30 - 1, 1 << 36, 1<<36 + 777} {
		var w Wheel
		w.Advance(start, func(*Entry) { t.Fatal("nothing to fire") })
		ticks := boundaryTicks()
		entries := make([]Entry, len(ticks))
		want := 0
		for i, d := range ticks {
			if w.Insert(&entries[i], start+d) != (d > 0) {
				t.Fatalf("start %d: Insert(+%d) reported the wrong result", start, d)
			}
			if d > 0 {
				want++
			}
		}
		var got []firing
		fire := collect(&w, &got)
		steps := 0
		for {
			next, ok := w.NextExpiration()
			if !ok {
				break
			}
			if next < w.Elapsed() {
				t.Fatalf("next expiration %d before elapsed %d", next, w.Elapsed())
			}
			w.Advance(next, fire)
			if steps++; steps > 10000 {
				t.Fatal("wheel does not make progress")
			}
		}
		if len(got) != want || w.Len() != 0 {
			t.Fatalf("start %d: fired %d of %d, %d left", start, len(got), want, w.Len())
		}
		for i, f := range got {
			if f.tick != f.elapsed {
				t.Fatalf("start %d: entry due at %d fired with elapsed %d", start, f.tick, f.elapsed)
			}
			if i > 0 && got[i-1].tick > f.tick {
				t.Fatalf("start %d: fired out of order: %d after %d", start, f.tick, got[i-1].tick)
			}
		}
	}
}

// A timer does not fire one tick early and does fire at its tick, on every
// level: stepping a single tick at a time around each deadline.
func TestWheelFiresNeitherEarlyNorLateAtBoundaries(t *testing.T) {
	for _, d := range boundaryTicks() {
		if d == 0 || d > 2*wheelSpan {
			continue
		}
		var w Wheel
		var e Entry
		w.Insert(&e, d)
		fired := false
		fire := func(*Entry) { fired = true }
		w.Advance(d-1, fire)
		if fired {
			t.Fatalf("entry due at %d fired at %d", d, d-1)
		}
		if next, _ := w.NextExpiration(); next > d {
			t.Fatalf("next expiration %d after the deadline %d", next, d)
		}
		w.Advance(d, fire)
		if !fired || w.Len() != 0 {
			t.Fatalf("entry due at %d did not fire at its tick", d)
		}
	}
}

// One big jump fires everything due, in deadline order, and nothing later.
func TestWheelAdvanceJumpFiresDueEntriesInOrder(t *testing.T) {
	var w Wheel
	ticks := []uint64{5000, 3, 64, 1 << 20, 4096, 3, 1<<36 + 9, 2 * wheelSpan}
	es := make([]Entry, len(ticks))
	for i, tk := range ticks {
		w.Insert(&es[i], tk)
	}
	var got []firing
	w.Advance(1<<20, collect(&w, &got))
	var gotTicks []uint64
	for _, f := range got {
		gotTicks = append(gotTicks, f.tick)
	}
	if want := []uint64{3, 3, 64, 4096, 5000, 1 << 20}; !slices.Equal(gotTicks, want) {
		t.Fatalf("fired %v, want %v", gotTicks, want)
	}
	if w.Len() != 2 || w.Elapsed() != 1<<20 {
		t.Fatalf("len %d elapsed %d", w.Len(), w.Elapsed())
	}
	got = got[:0]
	w.Advance(3*wheelSpan, collect(&w, &got))
	if len(got) != 2 || got[0].tick != 1<<36+9 || got[1].tick != 2*wheelSpan {
		t.Fatalf("far entries fired as %v", got)
	}
}

// Entries due at the same tick fire in the order they were inserted, even
// when they were inserted at different levels.
func TestWheelEqualDeadlinesFireInInsertionOrder(t *testing.T) {
	var w Wheel
	es := make([]Entry, 6)
	w.Insert(&es[0], 5000) // level 2
	w.Insert(&es[1], 5000)
	w.Advance(4100, func(*Entry) {}) // es[0..1] move down
	w.Insert(&es[2], 5000)           // inserted on a lower level now
	w.Insert(&es[3], 5000)
	w.Advance(4990, func(*Entry) {})
	w.Insert(&es[4], 5000) // level 0
	w.Insert(&es[5], 5000)
	var got []firing
	w.Advance(6000, collect(&w, &got))
	for i, f := range got {
		if f.e != &es[i] {
			t.Fatalf("firing %d is entry %p, want %p", i, f.e, &es[i])
		}
	}
	if len(got) != 6 {
		t.Fatalf("fired %d, want 6", len(got))
	}
}

func TestWheelInsertOfDueDeadlineReportsFalse(t *testing.T) {
	var w Wheel
	var e Entry
	if w.Insert(&e, 0) {
		t.Fatal("tick 0 on a fresh wheel was inserted")
	}
	w.Advance(100, func(*Entry) {})
	for _, tk := range []uint64{0, 99, 100} {
		if w.Insert(&e, tk) || e.InWheel() || w.Len() != 0 {
			t.Fatalf("Insert(%d) at elapsed 100 was inserted", tk)
		}
	}
	if !w.Insert(&e, 101) {
		t.Fatal("Insert(101) at elapsed 100 was refused")
	}
}

func TestWheelClampsHugeDeadlines(t *testing.T) {
	var w Wheel
	var a, b Entry
	w.Insert(&a, math.MaxUint64)
	w.Insert(&b, MaxTick)
	if a.Tick() != MaxTick || b.Tick() != MaxTick {
		t.Fatalf("ticks %d %d, want MaxTick", a.Tick(), b.Tick())
	}
	// The next expiration is a turn of the top level, not an overflowed value.
	next, ok := w.NextExpiration()
	if !ok || next == 0 || next > wheelSpan {
		t.Fatalf("next expiration %d %v", next, ok)
	}
	if !w.Remove(&a) || !w.Remove(&b) || w.Len() != 0 {
		t.Fatal("removing clamped entries failed")
	}
	if _, ok := w.NextExpiration(); ok {
		t.Fatal("empty wheel reports an expiration")
	}
}

func TestWheelRemoveAfterFireIsNoop(t *testing.T) {
	var w Wheel
	var a, b Entry
	w.Insert(&a, 10)
	w.Insert(&b, 10)
	n := 0
	w.Advance(10, func(*Entry) { n++ })
	if n != 2 {
		t.Fatalf("fired %d", n)
	}
	first := w.Remove(&a)
	second := w.Remove(&a)
	if first || second || w.Len() != 0 {
		t.Fatal("Remove after fire changed the wheel")
	}
	var never Entry
	if w.Remove(&never) {
		t.Fatal("Remove of a never-inserted entry reported true")
	}
	// The fired entry can be inserted again.
	if !w.Insert(&a, 20) || w.Len() != 1 {
		t.Fatal("re-insert after fire failed")
	}
}

// The fire callback may re-insert the entry it got (a periodic timer) and
// remove entries that are due in the same pass; removed ones do not fire.
func TestWheelFireCallbackMayInsertAndRemove(t *testing.T) {
	var w Wheel
	var periodic, victim, late Entry
	w.Insert(&periodic, 10)
	w.Insert(&victim, 10)
	w.Insert(&late, 35)
	var fired []uint64
	w.Advance(40, func(e *Entry) {
		switch e {
		case &periodic:
			fired = append(fired, e.Tick())
			w.Remove(&victim)
			w.Insert(e, e.Tick()+10)
		case &victim:
			t.Fatal("removed entry fired")
		case &late:
			fired = append(fired, 1000+e.Tick())
		}
	})
	if want := []uint64{10, 20, 30, 1035, 40}; !slices.Equal(fired, want) {
		t.Fatalf("fired %v, want %v", fired, want)
	}
	if w.Len() != 1 || !periodic.InWheel() {
		t.Fatal("periodic entry is not armed for 50")
	}
}

// A panicking fire callback leaves the wheel consistent; the next Advance
// fires what is left.
func TestWheelSurvivesPanickingFire(t *testing.T) {
	var w Wheel
	es := make([]Entry, 3)
	for i := range es {
		w.Insert(&es[i], 7)
	}
	func() {
		defer func() { _ = recover() }()
		w.Advance(7, func(*Entry) { panic("boom") })
	}()
	if w.Len() != 2 {
		t.Fatalf("len %d after panic, want 2", w.Len())
	}
	w.Remove(&es[2])
	n := 0
	w.Advance(8, func(*Entry) { n++ })
	if n != 1 || w.Len() != 0 {
		t.Fatalf("fired %d, len %d", n, w.Len())
	}
}

func TestWheelDrainEmptiesEveryLevel(t *testing.T) {
	var w Wheel
	ticks := boundaryTicks()
	es := make([]Entry, len(ticks))
	n := 0
	for i, tk := range ticks {
		if w.Insert(&es[i], tk) {
			n++
		}
	}
	got := 0
	w.Drain(func(e *Entry) {
		if e.InWheel() {
			t.Fatal("drained entry still in wheel")
		}
		got++
	})
	if got != n || w.Len() != 0 {
		t.Fatalf("drained %d of %d", got, n)
	}
	if _, ok := w.NextExpiration(); ok {
		t.Fatal("drained wheel has an expiration")
	}
}

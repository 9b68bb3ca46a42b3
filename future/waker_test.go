package future_test

import (
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
)

func TestWillWakeIsIdentityOfTarget(t *testing.T) {
	c1, c2 := &countWaker{}, &countWaker{}
	w1, w1b, w2 := future.NewWaker(c1), future.NewWaker(c1), future.NewWaker(c2)
	if !w1.WillWake(w1b) || w1 != w1b {
		t.Fatal("two Wakers of the same target must be equal")
	}
	if w1.WillWake(w2) || w1 == w2 {
		t.Fatal("Wakers of different targets must differ")
	}
	if w1.WillWake(future.Waker{}) || (future.Waker{}).WillWake(w1) {
		t.Fatal("a Waker must not equal the zero Waker")
	}
	if !(future.Waker{}).WillWake(future.Waker{}) {
		t.Fatal("zero Wakers must be equal")
	}
	if futurecx.WakerTarget(w1) != c1 {
		t.Fatal("Target does not return the Wakeable")
	}
}

func TestWakeCallsTargetOncePerWake(t *testing.T) {
	c := &countWaker{}
	w := future.NewWaker(c)
	w.Wake()
	w.Wake()
	if c.n != 2 {
		t.Fatalf("target woken %d times, want 2", c.n)
	}
}

func TestZeroWakerWakesNothing(t *testing.T) {
	var w future.Waker
	if !w.IsZero() || futurecx.WakerTarget(w) != nil {
		t.Fatal("zero Waker must report IsZero and a nil Target")
	}
	w.Wake() // must not panic
	if !future.NewWaker(nil).IsZero() {
		t.Fatal("NewWaker(nil) must be the zero Waker")
	}
}

func TestNoopWakerIsStableAndNotZero(t *testing.T) {
	n := future.Noop()
	if n.IsZero() {
		t.Fatal("Noop must not be the zero Waker (it is a real, inert target)")
	}
	if !n.WillWake(future.Noop()) {
		t.Fatal("Noop wakers must be equal to each other")
	}
	if n.WillWake(future.NewWaker(&countWaker{})) {
		t.Fatal("Noop must differ from other wakers")
	}
	n.Wake()
}

func TestSignalWakerIsStable(t *testing.T) {
	s1, s2 := future.NewSignal(), future.NewSignal()
	if !s1.Waker().WillWake(s1.Waker()) {
		t.Fatal("a Signal's Wakers must be equal")
	}
	if s1.Waker().WillWake(s2.Waker()) {
		t.Fatal("different Signals' Wakers must differ")
	}
}

// tagWaker records the wakes it gets, tagged or not.
type tagWaker struct {
	plain int
	tags  []uint64
}

func (w *tagWaker) Wake(tag uint64) {
	if tag == 0 {
		w.plain++
		return
	}
	w.tags = append(w.tags, tag)
}

func TestTaggedWakerWakesWithItsTag(t *testing.T) {
	tw := &tagWaker{}
	future.NewTaggedWaker(tw, 7).Wake()
	future.NewTaggedWaker(tw, 9).Wake()
	if tw.plain != 0 || len(tw.tags) != 2 || tw.tags[0] != 7 || tw.tags[1] != 9 {
		t.Fatalf("plain wakes %d, tagged %v; want 0 and [7 9]", tw.plain, tw.tags)
	}
	future.NewWaker(tw).Wake()
	if tw.plain != 1 || len(tw.tags) != 2 {
		t.Fatal("an untagged Waker must wake with tag 0")
	}
}

func TestTaggedWakerEqualityIncludesTag(t *testing.T) {
	tw := &tagWaker{}
	w7 := future.NewTaggedWaker(tw, 7)
	if !w7.WillWake(future.NewTaggedWaker(tw, 7)) {
		t.Fatal("same target and tag must be equal")
	}
	// A different tag is a different incarnation of the target (a reused
	// task cell): a future holding the old Waker must store the new one.
	if w7.WillWake(future.NewTaggedWaker(tw, 8)) {
		t.Fatal("Wakers with different tags must differ")
	}
	if w7.WillWake(future.NewWaker(tw)) {
		t.Fatal("tagged and untagged Wakers of one target must differ")
	}
	if futurecx.WakerTarget(w7) != tw || w7.IsZero() {
		t.Fatal("a tagged Waker must report its target and not be zero")
	}
}

func TestNewTaggedWakerRejectsTagZero(t *testing.T) {
	mustPanic(t, "future:", func() { future.NewTaggedWaker(&tagWaker{}, 0) })
}

package statespace

import (
	"fmt"
	"strings"
	"testing"
)

// counter is two actors adding one to a shared counter, either in one
// atomic step or as a load followed by a store (the lost-update race).
type counter struct {
	Explorer[counterWorld, string]
	atomic bool
	spin   bool // actor 0 waits for the counter to reach 2 before it starts: a cycle
	panics bool // the store panics instead of writing
}

type counterWorld struct {
	n    int
	pc   [2]int
	seen [2]int
}

func (m *counter) Actors(w *counterWorld) int { return 2 }

func (m *counter) Enabled(w *counterWorld, i int) bool { return w.pc[i] < 2 }

func (m *counter) Step(w *counterWorld, i int) {
	switch {
	case m.spin && i == 0 && w.pc[0] == 0 && w.n < 2:
		// Stay at pc 0: the state repeats.
	case m.atomic:
		w.n++
		w.pc[i] = 2
	case w.pc[i] == 0:
		w.seen[i] = w.n
		w.pc[i] = 1
	default:
		if m.panics {
			panic("store refused")
		}
		w.n = w.seen[i] + 1
		w.pc[i] = 2
	}
}

func (m *counter) Check(w *counterWorld) {
	if w.n < 0 {
		m.Fail("negative counter %d", w.n)
	}
}

func (m *counter) Checked(before, after *counterWorld, i int) {
	if after.n < before.n {
		m.Fail("actor %d moved the counter back from %d to %d", i, before.n, after.n)
	}
}

func (m *counter) Done(w *counterWorld) {
	if w.n != 2 {
		m.Fail("lost update: counter %d after two increments", w.n)
	}
}

func (m *counter) Trace(before, after *counterWorld, i int) string {
	return fmt.Sprintf("actor %d pc %d -> n=%d", i, before.pc[i], after.n)
}

func (m *counter) Describe(t string) string { return t }

func TestExplorerCountsEveryInterleaving(t *testing.T) {
	m := &counter{atomic: true}
	if n := m.Explore(m, counterWorld{}); n != 2 {
		t.Fatalf("two one-step actors: %d interleavings, want 2", n)
	}
	if m.Failure() != "" {
		t.Fatalf("atomic increments failed: %s", m.Failure())
	}
	// Start, one of either, both: 4 distinct states.
	if s := m.States(); s != 4 {
		t.Fatalf("%d distinct states, want 4", s)
	}
}

func TestExplorerFindsTheLostUpdateWithItsTrail(t *testing.T) {
	m := &counter{}
	if n := m.Explore(m, counterWorld{}); n != 0 {
		t.Fatalf("a failing model reported %d interleavings, want 0", n)
	}
	f := m.Failure()
	if !strings.Contains(f, "lost update") || !strings.Contains(f, "\ninterleaving:\n   1. actor") {
		t.Fatalf("failure %q: want the lost update with its numbered trail", f)
	}
	// The first interleaving that loses the update in a depth-first walk
	// is load 0, load 1, store 1, store 0: four steps in the trail.
	if got := strings.Count(f, "\n  "); got != 4 {
		t.Fatalf("trail of %d steps in %q, want 4", got, f)
	}
}

func TestExplorerReportsAPanicAsAFailureOfItsStep(t *testing.T) {
	m := &counter{panics: true}
	m.Explore(m, counterWorld{})
	if f := m.Failure(); !strings.Contains(f, "panicked: store refused") || !strings.Contains(f, "step actor") {
		t.Fatalf("failure %q: want the panicking step named", f)
	}
}

func TestExplorerDetectsALivelock(t *testing.T) {
	m := &counter{atomic: true, spin: true}
	m.DetectLivelock = true
	m.Explore(m, counterWorld{})
	if f := m.Failure(); !strings.Contains(f, "livelock") {
		t.Fatalf("failure %q: want a livelock", f)
	}
}

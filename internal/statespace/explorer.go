package statespace

import (
	"fmt"
	"strings"
)

// Model is what an Explorer needs to know about a protocol's model. W is
// the world (every actor's program counter and the shared words), T one
// entry of the trail printed with a failure.
type Model[W comparable, T any] interface {
	// Actors returns how many actors the world has.
	Actors(w *W) int
	// Enabled reports whether actor i can take a step in w.
	Enabled(w *W, i int) bool
	// Step advances actor i by one atomic step, changing w. A panic is
	// reported as a failure of that step.
	Step(w *W, i int)
	// Check is called once on every distinct state before its steps are
	// explored: the invariants that hold between any two steps.
	Check(w *W)
	// Checked is called after every step with the world before and after
	// it: rules about a single transition.
	Checked(before, after *W, i int)
	// Done checks a state in which no actor can move.
	Done(w *W)
	// Trace makes the trail entry of actor i's step from before to
	// after (after may be half-changed when the step panicked).
	Trace(before, after *W, i int) T
	// Describe formats one trail entry for a failure message.
	Describe(t T) string
}

// Explorer walks a Model depth first, visiting each distinct state once.
// The zero value is ready to use; Explore may be called once.
type Explorer[W comparable, T any] struct {
	// DetectLivelock makes a state that repeats on the current path a
	// failure (a cycle without progress). Models whose steps always
	// progress can leave it off and save the bookkeeping.
	DetectLivelock bool

	model   Model[W, T]
	memo    map[W]uint64
	onPath  map[W]bool
	trail   []T
	failure string
}

// Explore visits every interleaving that starts at w and returns how many
// complete interleavings there are (0 after a failure).
func (e *Explorer[W, T]) Explore(m Model[W, T], w W) uint64 {
	e.model = m
	e.memo = map[W]uint64{}
	if e.DetectLivelock {
		e.onPath = map[W]bool{}
	}
	return e.explore(w)
}

// Fail records the first failure with the trail that led to it; later
// calls are ignored. Models call it from their steps and checks.
func (e *Explorer[W, T]) Fail(format string, args ...any) {
	if e.failure != "" {
		return
	}
	var b strings.Builder
	b.WriteString(fmt.Sprintf(format, args...))
	b.WriteString("\ninterleaving:")
	for i, t := range e.trail {
		fmt.Fprintf(&b, "\n  %2d. %s", i+1, e.model.Describe(t))
	}
	e.failure = b.String()
}

// Failure returns the first failure, or "" when every state passed.
func (e *Explorer[W, T]) Failure() string { return e.failure }

// States returns how many distinct states were explored.
func (e *Explorer[W, T]) States() int { return len(e.memo) }

func (e *Explorer[W, T]) explore(w W) uint64 {
	if e.failure != "" {
		return 0
	}
	if n, ok := e.memo[w]; ok {
		return n
	}
	if e.DetectLivelock {
		if e.onPath[w] {
			e.Fail("livelock: a state repeats without progress")
			return 0
		}
		e.onPath[w] = true
		defer delete(e.onPath, w)
	}
	e.model.Check(&w)
	var total uint64
	moved := false
	for i := 0; i < e.model.Actors(&w); i++ {
		if !e.model.Enabled(&w, i) {
			continue
		}
		moved = true
		next := w
		if !e.step(&w, &next, i) {
			return 0
		}
		e.model.Checked(&w, &next, i)
		e.trail = append(e.trail, e.model.Trace(&w, &next, i))
		total += e.explore(next)
		e.trail = e.trail[:len(e.trail)-1]
		if e.failure != "" {
			return 0
		}
	}
	if !moved {
		e.model.Done(&w)
		total = 1
	}
	e.memo[w] = total
	return total
}

// step runs actor i's step on next, turning a panic (an invariant
// violation inside a transition) into a failure; it reports whether the
// step finished.
func (e *Explorer[W, T]) step(before, next *W, i int) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			e.trail = append(e.trail, e.model.Trace(before, next, i))
			e.Fail("step %s panicked: %v", e.model.Describe(e.trail[len(e.trail)-1]), r)
			e.trail = e.trail[:len(e.trail)-1]
			ok = false
		}
	}()
	e.model.Step(next, i)
	return e.failure == ""
}

package corpus

import (
	"fmt"

	"github.com/weftrt/weft/future"
)

// Env is what a corpus function talks to: a source of values it awaits and
// a log of its side effects.
type Env struct {
	Vals []int
	i    int
	Logs []string
}

// Log records a side effect.
func (e *Env) Log(s string) { e.Logs = append(e.Logs, s) }

// Next returns a future that is pending once, then ready with the next value.
func (e *Env) Next() *Step {
	v := 0
	if e.i < len(e.Vals) {
		v = e.Vals[e.i]
	}
	e.i++
	return &Step{v: v}
}

// Step is pending at its first poll (it wakes its task) and ready at the
// second.
type Step struct {
	v     int
	polls int
}

// Poll is pending once.
func (s *Step) Poll(cx *future.Context) (int, bool) {
	s.polls++
	if s.polls == 1 {
		cx.Waker().Wake()
		return 0, false
	}
	return s.v, true
}

// String describes the future.
func (s *Step) String() string { return "Step" }

// Recoverer is deferred by name: it recovers a panic itself (recover works
// in a function deferred directly) and logs it.
func (e *Env) Recoverer(tag string) {
	if r := recover(); r != nil {
		e.Log(tag + " recovered " + fmt.Sprint(r))
		panic(r)
	}
}

package rapidpkg

import (
	"fmt"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

var _ = fmt.Sprint
var _ *weft.A

// Env gives awaited values (each pending once) and logs side effects.
type Env struct {
	i    int
	Logs []string
}

func (e *Env) Log(s string) { e.Logs = append(e.Logs, s) }

func (e *Env) Next() *Step {
	e.i++
	return &Step{v: e.i * 7 % 11}
}

type Step struct{ v, polls int }

func (s *Step) Poll(cx *future.Context) (int, bool) {
	s.polls++
	if s.polls == 1 {
		return 0, false
	}
	return s.v, true
}

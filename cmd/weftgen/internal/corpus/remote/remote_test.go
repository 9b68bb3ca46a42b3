package remote

import (
	"reflect"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/cmd/weftgen/internal/corpus"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/mocktask"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRemoteCallsMatchAsync runs Twice both ways, to the end and dropped
// after each number of polls.
func TestRemoteCallsMatchAsync(t *testing.T) {
	vals := []int{1, 2, 3, 4, 5, 6, 7, 8}
	run := func(gen bool, limit int) (string, []string, int) {
		env := &corpus.Env{Vals: vals}
		var f future.Future[string]
		if gen {
			f = TwiceFuture(env, 3)
		} else {
			f = weft.Async(func(a *weft.A) string { return Twice(a, env, 3) })
		}
		task := mocktask.Spawn(f)
		polls := 0
		for limit < 0 || polls < limit {
			polls++
			if v, ok := task.Poll(); ok {
				return v, env.Logs, polls
			}
		}
		task.Drop()
		return "", env.Logs, polls
	}
	wv, wl, wp := run(false, -1)
	gv, gl, gp := run(true, -1)
	if wv != gv || !reflect.DeepEqual(wl, gl) || wp != gp {
		t.Fatalf("Async %q %q %d polls, generated %q %q %d polls", wv, wl, wp, gv, gl, gp)
	}
	for k := 0; k < wp; k++ {
		_, wl, _ := run(false, k)
		_, gl, _ := run(true, k)
		if !reflect.DeepEqual(wl, gl) {
			t.Fatalf("dropped after %d polls: Async %q, generated %q", k, wl, gl)
		}
	}
}

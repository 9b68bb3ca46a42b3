package rapidpkg

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

type outcome struct {
	Out   int
	Panic string
	Logs  []string
	Polls int
}

func drive(f future.Future[int], env *Env, limit int) (o outcome) {
	cx := future.NewContext(future.Noop())
	cx.SetTaskID(1)
	defer func() {
		if r := recover(); r != nil {
			func() {
				defer func() { _ = recover() }()
				future.Drop(f)
			}()
			if sp, ok := r.(*task.StackedPanic); ok {
				r = sp.Value
			}
			o.Panic = fmt.Sprint(r)
		}
		o.Logs = env.Logs
	}()
	for limit < 0 || o.Polls < limit {
		o.Polls++
		if v, ok := f.Poll(cx); ok {
			future.Drop(f)
			o.Out = v
			return o
		}
	}
	future.Drop(f)
	return o
}

func TestBothWays(t *testing.T) {
	for i, c := range cases {
		for _, p := range []int{0, 1, 4, 9} {
			run := func(gen bool, limit int) outcome {
				env := &Env{}
				var f future.Future[int]
				if gen {
					f = c.gen(env, p)
				} else {
					f = weft.Async(func(a *weft.A) int { return c.body(a, env, p) })
				}
				return drive(f, env, limit)
			}
			want, got := run(false, -1), run(true, -1)
			if !reflect.DeepEqual(want, got) {
				t.Fatalf("F%d(p=%d) differs:\nAsync:     %+v\ngenerated: %+v", i, p, want, got)
			}
			for k := 0; k < want.Polls; k++ {
				w, g := run(false, k), run(true, k)
				if !reflect.DeepEqual(w, g) {
					t.Fatalf("F%d(p=%d) dropped after %d polls differs:\nAsync:     %+v\ngenerated: %+v", i, p, k, w, g)
				}
			}
		}
	}
}

package remote

import (
	"fmt"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/cmd/weftgen/internal/corpus"
)

// Twice sums n values twice through corpus.Sum, a marked function of
// another package, and adds a counter's marked method.
//
//weft:async
func Twice(a *weft.A, env *corpus.Env, n int) string {
	x := corpus.Sum(a, env, n)
	y := corpus.Sum(a, env, n)
	c := &corpus.Counter{}
	z := c.Add(a, env, 1, 2)
	return fmt.Sprint(x, y, z)
}

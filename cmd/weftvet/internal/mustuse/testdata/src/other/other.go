// Package other has a future of another module: not checked.
package other

import "github.com/weftrt/weft/future"

// Fut is a future outside weft's module.
type Fut struct{}

// Poll makes Fut a future.
func (*Fut) Poll(*future.Context) (int, bool) { return 0, false }

// Make returns a Fut.
func Make() *Fut { return &Fut{} }

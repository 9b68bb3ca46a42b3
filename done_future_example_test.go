package weft_test

import (
	"context"
	"fmt"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

// Done lets a task await a context.
func ExampleDone() {
	ctx, cancel := context.WithCancel(context.Background())
	f := weft.Async(func(a *weft.A) string {
		err := weft.Await(a, weft.Done(ctx))
		return "stopped: " + err.Error()
	})
	go cancel()
	out, _ := future.Block(context.Background(), f)
	fmt.Println(out)
	// Output: stopped: context canceled
}

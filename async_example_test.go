package weft_test

import (
	"context"
	"fmt"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

// An Async body reads like blocking code: each Await waits for a future and
// returns its output.
func ExampleAsync() {
	double := func(v int) int { return 2 * v }
	f := weft.Async(func(a *weft.A) string {
		x := weft.Await(a, future.Ready(20))
		y := weft.Await(a, future.Map(future.Ready(1), double))
		return fmt.Sprint("answer: ", x+x+y)
	})
	out, err := future.Block(context.Background(), f)
	fmt.Println(out, err)
	// Output: answer: 42 <nil>
}

// Dropping an Async future that waits unwinds its body: its deferred calls
// run, and the code after the Await does not. Here the body loses a select.
func ExampleAsyncFuture_Drop() {
	tok := weft.NewCancellationToken()
	slow := weft.Async(func(a *weft.A) string {
		defer fmt.Println("slow: cleaned up")
		weft.Await(a, tok.Cancelled()) // nobody cancels tok
		fmt.Println("slow: never printed")
		return "slow"
	})
	fast := future.Ready("fast")
	e, _ := future.Block(context.Background(), future.Select2[string, string](slow, fast))
	fmt.Println("winner:", e.B)
	// Output:
	// slow: cleaned up
	// winner: fast
}

// Await takes any future, including combinators of futures.
func ExampleAwait() {
	f := weft.Async(func(a *weft.A) int {
		both := weft.Await(a, future.Join2[int, int](future.Ready(40), future.Ready(2)))
		return both.A + both.B
	})
	out, _ := future.Block(context.Background(), f)
	fmt.Println(out)
	// Output: 42
}

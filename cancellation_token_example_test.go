package weft_test

import (
	"context"
	"fmt"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

// A task waits for a token; another goroutine cancels it.
func ExampleCancellationToken() {
	tok := weft.NewCancellationToken()
	worker := weft.Async(func(a *weft.A) string {
		weft.Await(a, tok.Cancelled())
		return "worker stopped"
	})
	go tok.Cancel()
	out, _ := future.Block(context.Background(), worker)
	fmt.Println(out, tok.IsCancelled())
	// Output: worker stopped true
}

// Cancellation flows from a token to its children, never upwards. A child
// whose work ended without cancellation is released with Detach.
func ExampleCancellationToken_Child() {
	server := weft.NewCancellationToken()

	request := server.Child()
	request.Cancel() // one request gives up
	fmt.Println("server cancelled:", server.IsCancelled())

	done := server.Child()
	done.Detach() // this request finished: the server forgets it

	pending := server.Child()
	server.Cancel() // shutdown reaches every child still attached
	fmt.Println("pending cancelled:", pending.IsCancelled())
	fmt.Println("detached cancelled:", done.IsCancelled())
	// Output:
	// server cancelled: false
	// pending cancelled: true
	// detached cancelled: false
}

// Cancelled is a future: a body can select between it and its work.
func ExampleCancellationToken_Cancelled() {
	tok := weft.NewCancellationToken()
	tok.Cancel()
	f := weft.Async(func(a *weft.A) string {
		e := weft.Await(a, future.Select2[struct{}, int](tok.Cancelled(), future.Pending[int]()))
		if e.Which == 0 {
			return "cancelled before the work finished"
		}
		return fmt.Sprint(e.B)
	})
	out, _ := future.Block(context.Background(), f)
	fmt.Println(out)
	// Output: cancelled before the work finished
}

// Context hands a token's cancellation to blocking code that takes a
// context.
func ExampleCancellationToken_Context() {
	tok := weft.NewCancellationToken()
	ctx := tok.Context()
	go tok.Cancel()
	<-ctx.Done() // a blocking call would watch ctx the same way
	fmt.Println(ctx.Err(), "/", context.Cause(ctx))
	// Output: context canceled / weft: cancellation token cancelled
}

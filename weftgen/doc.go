// Package weftgen is the run-time support of the futures that cmd/weftgen
// generates from functions marked //weft:async. Generated code calls it; a
// program should not call it by hand, and it stays this small on purpose.
//
// A marked function
//
//	//weft:async
//	func Fetch(a *weft.A, rx *mpsc.Receiver[int]) int {
//		defer log.Println("fetch done")
//		r := weft.Await(a, rx.Recv())
//		return r.Value
//	}
//
// runs unchanged as a weft.Async body, and cmd/weftgen compiles it into a
// state machine, FetchFuture(rx), that holds only the variables live across
// an await. Its deferred calls are kept in a [Defers] list and run in last-in
// first-out order when the function returns, when it panics, and when the
// future is dropped while it waits (an abort), exactly as the Async body
// unwinds: each deferred call is still made by a Go defer statement, so
// recover works in it as in straight-line code. [Cancel] and [Aborted] raise
// and end the unwinding of a dropped future, with the value Async uses;
// [BadPoll] reports a future polled after it ended.
//
// See the weftgen section of the repository's ARCHITECTURE.md for how a
// function becomes states.
package weftgen

// Package errs holds one marked function per construct weftgen refuses;
// each refused line ends in a comment ERROR with the text the refusal must
// contain.
package errs

import (
	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

func f() int                         { return 1 }
func keep(*weft.A)                   {}
func ready() future.ReadyFuture[int] { return future.Ready(1) }

//weft:async
func afterCall(a *weft.A) int {
	return f() + weft.Await(a, ready()) // ERROR "await after a call in the same statement"
}

//weft:async
func conditional(a *weft.A, b bool) bool {
	return b && weft.Await(a, ready()) > 0 // ERROR "right operand of &&"
}

//weft:async
func goCaptures(a *weft.A) {
	go func() {
		weft.Await(a, ready()) // ERROR "go statement uses a"
	}()
}

//weft:async
func address(a *weft.A) {
	p := &a // ERROR "the address of a is taken"
	_ = p
}

//weft:async
func escapes(a *weft.A) {
	keep(a) // ERROR "a escapes"
}

//weft:async
func stored(a *weft.A) {
	b := a // ERROR "a escapes"
	_ = b
}

//weft:async
func closure(a *weft.A) {
	g := func() int {
		return weft.Await(a, ready()) // ERROR "used inside a function literal"
	}
	_ = g
}

//weft:async
func selects(a *weft.A, ch chan int) {
	select { // ERROR "select statement with an await inside"
	case <-ch:
		weft.Await(a, ready())
	}
}

//weft:async
func mapRange(a *weft.A, m map[int]int) {
	for range m { // ERROR "range over a map with an await inside"
		weft.Await(a, ready())
	}
}

//weft:async
func chanRange(a *weft.A, ch chan int) {
	for range ch { // ERROR "range over a channel with an await inside"
		weft.Await(a, ready())
	}
}

//weft:async
func funcRange(a *weft.A, seq func(func(int) bool)) {
	for range seq { // ERROR "range over a function with an await inside"
		weft.Await(a, ready())
	}
}

//weft:async
func caseExpr(a *weft.A, x int) {
	switch x {
	case weft.Await(a, ready()): // ERROR "await in a case expression"
	}
}

//weft:async
func typeDecl(a *weft.A) {
	type point struct{ x int } // ERROR "type declaration in a part of the function that is split at awaits"
	weft.Await(a, ready())
	_ = point{}
}

//weft:async
func noA(x int) int { // ERROR "first parameter is not a *weft.A"
	return x
}

//weft:async
func generic[T any](a *weft.A, x T) T { // ERROR "generic"
	return x
}

//weft:async
func threeResults(a *weft.A) (int, int, int) { // ERROR "returns 3 results"
	return 1, 2, 3
}

//weft:async
func pair(a *weft.A) (int, error) {
	return weft.Await(a, ready()), nil
}

//weft:async
func pairInExpr(a *weft.A) int {
	return 1 + first(pair(a)) // ERROR "must stand alone"
}

func first(x int, _ error) int { return x }

//weft:async
func pairHoisted(a *weft.A) {
	f2(pair(a)) // ERROR "must stand alone"
}

func f2(int, error) {}

//weft:async
func afterReceive(a *weft.A, ch chan int) int {
	return <-ch + weft.Await(a, ready()) // ERROR "after a channel receive"
}

//weft:async
func otherA(a *weft.A) {
	var b *weft.A
	weft.Await(b, ready()) // ERROR "must be given this function's parameter a"
}

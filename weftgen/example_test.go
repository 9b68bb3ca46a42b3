package weftgen_test

import (
	"fmt"

	"github.com/weftrt/weft/weftgen"
)

// ExampleDefers shows what generated code does with a defer statement
// (register a call that defers the real one) and at a return (run them).
func ExampleDefers() {
	var d weftgen.Defers
	for i := range 3 {
		// defer fmt.Println("deferred", i)
		d.Push(func(next func()) {
			defer fmt.Println("deferred", i)
			next()
		})
	}
	fmt.Println("returning")
	d.Return()
	// Output:
	// returning
	// deferred 2
	// deferred 1
	// deferred 0
}

// ExampleBadPoll shows the panic of a generated future polled after it
// completed.
func ExampleBadPoll() {
	defer func() { fmt.Println(recover()) }()
	weftgen.BadPoll("Fetch", -2)
	// Output:
	// weft: future of Fetch polled after completion
}

package unwind

// cancelledError is the type of Cancelled.
type cancelledError struct{}

func (*cancelledError) Error() string {
	return "weft: Async body unwinding because its future was dropped"
}

// Cancelled is the panic value raised in a body whose future was dropped
// while it was suspended in an await; whoever unwinds the body recovers it.
var Cancelled error = &cancelledError{}

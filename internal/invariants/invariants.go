// Package invariants reports broken internal invariants of weft.
//
// A violated invariant is a bug in weft, never in the user's code, so it is
// not turned into a task's JoinError: the task harness re-panics a
// [*Violation] it recovers, and the program crashes with the message. Checks
// that are too costly for production builds are guarded by [Enabled], which is
// true in race-detector builds and under the "invariants" build tag.
package invariants

import "fmt"

// Violation is the panic value of a broken internal invariant.
type Violation struct {
	msg string
}

// Error returns the message, prefixed so that it cannot be mistaken for a
// user panic.
func (v *Violation) Error() string { return v.msg }

// Violated panics with a *Violation carrying the formatted message.
func Violated(format string, args ...any) {
	panic(&Violation{msg: "weft: invariant violated: " + fmt.Sprintf(format, args...)})
}

// Check panics with a *Violation when cond is false.
func Check(cond bool, format string, args ...any) {
	if !cond {
		Violated(format, args...)
	}
}

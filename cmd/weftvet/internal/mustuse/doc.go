// Package mustuse is the analysis behind cmd/weftvet: it reports weft
// futures and JoinHandles that are created and then dropped unused, Go's
// stand-in for Rust's #[must_use].
//
// # What is a future, what is a handle
//
// A value is a weft future when its type (T or *T) is declared in a package
// of module github.com/weftrt/weft and its method set has
//
//	Poll(*future.Context) (X, bool)
//
// with future.Context from github.com/weftrt/weft/future. The rule looks at
// the method, not at names, so it follows the API when types are renamed.
// A future that also has a Detach() method is a JoinHandle. Type
// parameters and futures of other modules are never reported.
//
// # What is reported
//
// A created value (a function or method call with one result, or a composite
// literal; not a conversion) of a future or handle type is dropped when it is
//
//   - an expression statement, or the call of a go or defer statement;
//   - assigned to _ (var _ T = v with an explicit type is the interface
//     assertion idiom and is left alone);
//   - used only as the receiver of an observer method (ID, IsFinished,
//     String, AbortHandle, Deadline, IsElapsed, Reset), which reads or
//     re-arms it but never runs it;
//   - stored in a local variable none of whose uses runs it: every use is
//     an assignment to the variable, an assignment of it to _, or an
//     observer method call.
//
// Any other use (Poll, Drop, BlockingJoin, Detach, Abort, passing it to a function
// such as weft.Await or weft.Spawn, returning it, storing it in a field, a
// slice, a map or a channel, capturing it by address) counts as handling
// it. The local-variable check is flow-insensitive: a variable counts as
// handled once any of its uses handles it. Calls with several results are
// not checked, as Rust's must_use does not look into tuples: a pair
// constructor such as oneshot.New, or a test helper, may hand the same
// future to two owners.
//
// # Suppression
//
// A //weftvet:ignore comment with a reason, on the line of a finding or on
// the line above it, suppresses that finding. A directive without a reason,
// or one that suppresses nothing, is reported.
package mustuse

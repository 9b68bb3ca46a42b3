// Command weftvet checks that weft futures and JoinHandles are not dropped
// unused: Go's stand-in for Rust's #[must_use].
//
// A weft future does nothing until it is polled, so
//
//	m.Lock()           // builds a lock future and throws it away: nothing is locked
//	tx.Send(v)         // nothing is sent
//	weft.Sleep(d)      // nothing waits
//
// compile and do nothing. weftvet reports
//
//   - a weft future created (by a call or a composite literal) and dropped
//     without being awaited, polled, spawned or stored: as an expression
//     statement, in a go or defer statement, assigned to _, used only for
//     an observer method (String, Deadline, ...), or held in a local
//     variable that is never used otherwise;
//   - a JoinHandle dropped without being joined (awaited or BlockingJoin),
//     detached or aborted, in the same
//     places (weft.Spawn(rt, f) as a statement, _ = weft.Spawn(rt, f), a
//     handle variable that is never used otherwise). An unjoined,
//     undetached handle keeps its task's cell from being recycled; use
//     weft.SpawnDetached when nobody joins.
//
// Whether a value is a weft future is decided by its type, not its name: a
// type declared in a package of module github.com/weftrt/weft whose method
// set has Poll(*future.Context) (T, bool). A JoinHandle is such a future
// that also has a Detach method. Futures of other modules are not checked.
//
// Each finding is printed as file:line:col: message, and the exit status is
// non-zero (3) when there are findings. Run it either way:
//
//	go run ./cmd/weftvet ./...
//	go build -o /tmp/weftvet ./cmd/weftvet && go vet -vettool=/tmp/weftvet ./...
//
// A finding that is intended is suppressed by a comment on its line or on
// the line above, which must give a reason:
//
//	s := weft.Sleep(time.Second) //weftvet:ignore measures the cost of an unpolled sleep
//
// Prefer making the intent explicit in code (s := weft.Sleep(d); s.Drop()).
// A //weftvet:ignore comment that suppresses nothing, or gives no reason, is
// itself reported. The analysis lives in package
// github.com/weftrt/weft/cmd/weftvet/internal/mustuse.
package main

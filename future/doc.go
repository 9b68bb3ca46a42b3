// Package future defines the poll-based futures that weft tasks are made of.
//
// A [Future] is a value that can be polled: each call to Poll either finishes
// with the future's output or reports that the output is not ready yet. A
// future that is not ready must have arranged for the [Waker] found in the
// [Context] to be woken when progress becomes possible; the runtime then polls
// it again. This is the contract of Rust's std::future::Future, written in Go:
//
//	type Future[T any] interface {
//		Poll(cx *Context) (T, bool)
//	}
//
// # Dropping
//
// Go has no destructors. A future that registers itself somewhere (a timer
// entry, a slot in a waiter list) implements [Dropper]; whoever owns the future
// calls Drop exactly once when it is done with it, after its last poll or when
// it is abandoned (a task that is aborted, the losing side of a select). The
// combinators in this package forward Drop to their children, and the task
// harness calls it for a task's root future. [Drop] is the helper that calls it
// when a value implements it.
//
// # Waking
//
// A [Waker] is a small comparable value. Waking never blocks and never
// allocates; [Waker.WillWake] is equality, so a future can skip re-registering
// a waker it already holds. A goroutine that is not a task can wait for a
// future with a [Signal], whose Waker wakes it.
//
// # Combinators
//
// [Map], [Then], [Join2], [JoinAll], [Select2], [Ready], [Pending] and
// [PollFunc] build futures from futures. They allocate when they are built,
// never when they are polled.
//
// # Tracing
//
// A task dump shows, for each waiting task, the futures it waits in:
// "Select{Sleep(3s left), mpsc.Recv}". A combinator implements [Tracer] and
// describes itself and its children; a leaf implements fmt.Stringer. Nothing
// is polled to build a trace; [TraceOf] builds one for any future.
//
// # Budget
//
// A [Context] carries the cooperative budget of the task being polled: leaf
// futures call [Context.ConsumeBudget] before doing work, and when the budget
// of the current poll is spent they yield, so one busy task cannot starve the
// others on its worker.
package future

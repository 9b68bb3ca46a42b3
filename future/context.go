package future

import "github.com/weftrt/weft/internal/rtx"

// DefaultBudget is the number of budget units a task gets for one poll: the
// number of leaf operations (a channel receive, a lock, a join) it may complete
// before it is made to yield. It is Tokio's number.
const DefaultBudget = 128

// Context is what a future receives when it is polled: the Waker to register,
// the id of the task being polled, the executor that polls it (so code inside a
// task can spawn more tasks), and the task's cooperative budget.
//
// A Context belongs to the poller. A future may read it during Poll and pass it
// to the futures it polls, but must not keep it after Poll returns. Only the
// poller sets its fields: the task harness gives each task poll its task's
// waker and id and a fresh budget ([task.LocalNotified.Run]), and weft's
// runtimes give their Contexts their executor. A future cannot change them,
// so it cannot pass for another task or give itself more budget.
//
// The zero Context is usable: no waker, no task, an unconstrained budget.
type Context struct {
	waker    Waker
	taskID   uint64
	executor rtx.Executor
	// budget is 0 when unconstrained, else 1 + the units left (so that the
	// zero Context is unconstrained).
	budget int32
	forced uint64
}

// nilContext is the panic of a future polled with a nil *Context. Every
// Context method a future calls checks for it: a poll reaches one of them
// before it can do anything with the Context, and the check is one
// compare that the field access right after would otherwise do as an
// implicit nil check (a fault). BenchmarkContextMethods measures it.
const nilContext = "future: a future was polled with a nil *future.Context: " +
	"pass the Context the poller was given (or future.NewContext(waker))"

// NewContext returns a Context that wakes w, with no task id, no executor and
// an unconstrained budget.
func NewContext(w Waker) *Context {
	return &Context{waker: w}
}

// Waker returns the Waker a future must arrange to wake when it returns
// Pending.
func (cx *Context) Waker() Waker {
	if cx == nil {
		panic(nilContext)
	}
	return cx.waker
}

// TaskID returns the id of the task being polled, or 0 when the future is not
// polled by a task (a future driven by [Block] or by weft.BlockOn's main
// future).
func (cx *Context) TaskID() uint64 {
	if cx == nil {
		panic(nilContext)
	}
	return cx.taskID
}

// Executor returns the executor that polls this future (for weft, the runtime
// handle that code inside a task spawns onto), or nil. Its result type is
// internal to the module: the method exists so that a *Context is a
// weft.Spawner, and a Spawner cannot be written outside the module.
func (cx *Context) Executor() rtx.Executor {
	if cx == nil {
		panic(nilContext)
	}
	return cx.executor
}

// Budget returns the units left and whether the budget is constrained at all.
func (cx *Context) Budget() (remaining int, constrained bool) {
	if cx == nil {
		panic(nilContext)
	}
	if cx.budget == 0 {
		return 0, false
	}
	return int(cx.budget - 1), true
}

// HasBudget reports whether a leaf operation may proceed now.
func (cx *Context) HasBudget() bool {
	if cx == nil {
		panic(nilContext)
	}
	return cx.budget != 1
}

// ConsumeBudget takes one unit of budget for a leaf operation that is about to
// make progress. When the budget is already spent it wakes the task, so that it
// is polled again after the others had their turn, and returns false: the
// caller must then return Pending without doing its work.
func (cx *Context) ConsumeBudget() bool {
	if cx == nil {
		panic(nilContext)
	}
	switch cx.budget {
	case 0:
		return true
	case 1:
		cx.forced++
		cx.waker.Wake()
		return false
	default:
		cx.budget--
		return true
	}
}

// RefundBudget gives back one unit taken by ConsumeBudget when the operation
// turned out not to make progress (it is going to return Pending anyway).
func (cx *Context) RefundBudget() {
	if cx == nil {
		panic(nilContext)
	}
	if cx.budget != 0 {
		cx.budget++
	}
}

// ForcedYields returns how many times ConsumeBudget found the budget spent on
// this Context. Schedulers read it for metrics.
func (cx *Context) ForcedYields() uint64 { return cx.forced }

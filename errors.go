package weft

import (
	"errors"

	"github.com/weftrt/weft/task"
)

// ErrRuntimeShutdown is the cause of every cancellation a runtime's shutdown
// makes, and the error of BlockOn on a runtime that is shut down. A task
// spawned after shutdown is cancelled at once: its JoinError satisfies both
// errors.Is(err, task.ErrCancelled) and errors.Is(err, ErrRuntimeShutdown).
var ErrRuntimeShutdown = errors.New("weft: runtime is shut down")

// ErrShutdownTimeout is returned by Runtime.Shutdown when workers or blocking
// tasks were still running when the timeout expired. They finish in the
// background; their JoinHandles still resolve.
var ErrShutdownTimeout = errors.New("weft: shutdown timed out")

// ErrDeadlock is returned by BlockOn on a simulation (WithSimulation) when no
// task can ever run again: nothing is runnable, no timer is pending, and no
// blocking work is in flight.
var ErrDeadlock = errors.New("weft: deadlock: no task can run and no timer is pending")

// ErrNestedBlockOn is returned by BlockOn when it is called from inside a
// task of any runtime (a worker, a current-thread driver or a LocalSet's
// goroutine), where blocking would stall the tasks of that goroutine, or
// deadlock it.
var ErrNestedBlockOn = errors.New("weft: BlockOn called from inside a task, whose goroutine it would block: await the future instead")

// ErrShutdownFromTask is returned by Runtime.Close and Runtime.Shutdown when
// they are called from inside a task (of any runtime). The shutdown has
// begun, but they return without waiting for it: a runtime's shutdown cannot
// finish before the calling task's poll returns, so waiting there would wait
// for ever. Call Close from outside the runtime (after BlockOn returns, or
// from a goroutine of its own) to wait for the shutdown.
var ErrShutdownFromTask = errors.New("weft: Close or Shutdown called from inside a task: the shutdown has begun, " +
	"but a task cannot wait for it; call Close from outside the runtime to wait")

// PanicShutdownError is returned by BlockOn and Shutdown when a task panic
// shut the runtime down (WithUnhandledPanic(ShutdownOnPanic)). Unwrap gives
// the task's *task.JoinError.
type PanicShutdownError struct {
	Err *task.JoinError
}

// Error describes the panic that stopped the runtime.
func (e *PanicShutdownError) Error() string {
	return "weft: runtime shut down after a task panic: " + e.Err.Error()
}

// Unwrap returns the task's JoinError.
func (e *PanicShutdownError) Unwrap() error { return e.Err }

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
// task of the same runtime, where blocking would deadlock the worker.
var ErrNestedBlockOn = errors.New("weft: BlockOn called from inside a task of the same runtime")

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

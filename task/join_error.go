package task

import (
	"errors"
	"fmt"
	"io"
)

// ErrCancelled is matched by errors.Is for every JoinError of a cancelled
// task.
var ErrCancelled = errors.New("task: cancelled")

// ErrPanicked is matched by errors.Is for every JoinError of a task whose
// future panicked.
var ErrPanicked = errors.New("task: panicked")

// ErrAlreadyJoined is returned by BlockingJoin (and by polling a JoinHandle)
// after an earlier join took the output.
var ErrAlreadyJoined = errors.New("task: output already taken by an earlier join")

// ErrDetached is returned by BlockingJoin (and by polling a JoinHandle) after
// the handle was detached.
var ErrDetached = errors.New("task: JoinHandle was detached")

// JoinError is why a task has no output: it was cancelled (aborted, or shut
// down with its runtime), or its future panicked.
//
// A JoinError is opaque; ask it with IsCancelled and IsPanic, or with
// errors.Is against [ErrCancelled] and [ErrPanicked]. A cancellation may carry
// a cause (for example the runtime's shutdown error), which errors.Is and
// errors.As also reach; a panic whose value is an error unwraps to it.
//
// Error returns one line. Formatting with %+v adds the panicking goroutine's
// stack, so that crash tooling that logs "%+v" sees where the panic happened.
type JoinError struct {
	id    ID
	panic bool
	value any    // the panic value
	stack []byte // the stack at the panic
	cause error  // why a cancelled task was cancelled, if known
}

var _ error = (*JoinError)(nil)

func newCancelled(id ID, cause error) *JoinError {
	return &JoinError{id: id, cause: cause}
}

func newPanic(id ID, value any, stack []byte) *JoinError {
	return &JoinError{id: id, panic: true, value: value, stack: stack}
}

// NewPanicError returns the JoinError of a panic with value, recovered with
// stack, for a runtime that reports a panic of user code outside any task's
// poll (a worker hook's) as it reports task panics. id is 0 when no task was
// involved.
func NewPanicError(id ID, value any, stack []byte) *JoinError { return newPanic(id, value, stack) }

// ID returns the ID of the task that failed.
func (e *JoinError) ID() ID { return e.id }

// IsCancelled reports whether the task was cancelled.
func (e *JoinError) IsCancelled() bool { return !e.panic }

// IsPanic reports whether the task's future panicked.
func (e *JoinError) IsPanic() bool { return e.panic }

// PanicValue returns the value the future panicked with, or nil when the task
// was cancelled.
func (e *JoinError) PanicValue() any { return e.value }

// Stack returns the stack of the goroutine that panicked, as
// runtime/debug.Stack formats it, or nil when the task was cancelled.
func (e *JoinError) Stack() []byte { return e.stack }

// Cause returns why a cancelled task was cancelled when that is known (for
// example the runtime's shutdown error), or nil.
func (e *JoinError) Cause() error { return e.cause }

// Error describes the failure in one line.
func (e *JoinError) Error() string {
	if e.panic {
		return fmt.Sprintf("task %d panicked: %v", e.id, e.value)
	}
	if e.cause != nil {
		return fmt.Sprintf("task %d was cancelled: %v", e.id, e.cause)
	}
	return fmt.Sprintf("task %d was cancelled", e.id)
}

// Is matches ErrCancelled for cancelled tasks and ErrPanicked for panicked
// ones.
func (e *JoinError) Is(target error) bool {
	if e.panic {
		return target == ErrPanicked
	}
	return target == ErrCancelled
}

// Unwrap returns the cancellation cause, or the panic value when it is an
// error.
func (e *JoinError) Unwrap() error {
	if e.panic {
		err, _ := e.value.(error)
		return err
	}
	return e.cause
}

// Format implements fmt.Formatter: %v and %s print Error(); %+v adds the
// panic stack.
func (e *JoinError) Format(f fmt.State, verb rune) {
	switch verb {
	case 'v', 's':
		io.WriteString(f, e.Error())
		if verb == 'v' && f.Flag('+') && len(e.stack) > 0 {
			io.WriteString(f, "\n\n")
			f.Write(e.stack)
		}
	case 'q':
		fmt.Fprintf(f, "%q", e.Error())
	default:
		fmt.Fprintf(f, "%%!%c(*task.JoinError=%s)", verb, e.Error())
	}
}

// StackedPanic is a panic value that carries the stack of where the panic
// really happened. A future that runs code on another goroutine (weft.Async
// runs its body on a coroutine) recovers a panic there and panics again on
// the polling goroutine with a *StackedPanic; the harness then records Value
// and Stack in the task's JoinError instead of the polling goroutine's
// stack, so the JoinError points at the code that panicked.
type StackedPanic struct {
	Value any
	Stack []byte
}

// Error describes the panic value.
func (p *StackedPanic) Error() string { return fmt.Sprintf("panic: %v", p.Value) }

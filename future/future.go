package future

// Future is a computation that produces a value of type T when polled to
// completion.
//
// Poll either returns the output and true, or the zero value and false. When
// it returns false it must have arranged for cx.Waker() to be woken once
// calling Poll again may make progress; a future that returns false without
// doing so is never polled again. Poll may be called again after a wake that
// had no cause (a spurious wake): the future then simply reports false again.
// After Poll returned true the future must not be polled again.
//
// Poll must not block: a future that waits for something registers a waker
// and returns. The *Context is valid only for the duration of the call and must
// not be retained.
type Future[T any] interface {
	Poll(cx *Context) (T, bool)
}

// Dropper is implemented by futures that hold registrations (timer entries,
// waiter slots, permits) which must be released when the future is abandoned.
//
// The owner of a future calls Drop exactly once, after the last call to Poll,
// whether the future completed or not. Drop must not block. It is Go's stand-in
// for Rust's Drop: without it an aborted task would leak what its futures had
// registered.
type Dropper interface {
	Drop()
}

// Drop calls v.Drop if v implements [Dropper], and does nothing otherwise.
func Drop(v any) {
	if d, ok := v.(Dropper); ok {
		d.Drop()
	}
}

// Result is an output that may be an error: the output of a JoinHandle, of a
// timeout, of anything that can fail.
type Result[T any] struct {
	Value T
	Err   error
}

// Get returns the value and the error.
func (r Result[T]) Get() (T, error) { return r.Value, r.Err }

// ReadyFuture is a future that is ready on its first poll; see [Ready].
type ReadyFuture[T any] struct {
	v T
}

// Ready returns a future whose first poll returns v.
func Ready[T any](v T) ReadyFuture[T] { return ReadyFuture[T]{v: v} }

// Poll returns the value the future was made with.
func (r ReadyFuture[T]) Poll(*Context) (T, bool) { return r.v, true }

// String describes the future for task dumps.
func (r ReadyFuture[T]) String() string { return "Ready" }

// PendingFuture is a future that never completes; see [Pending].
type PendingFuture[T any] struct{}

// Pending returns a future that never completes. It does not register its
// waker, so a task awaiting it sleeps until it is aborted or the runtime shuts
// down.
func Pending[T any]() PendingFuture[T] { return PendingFuture[T]{} }

// Poll always reports that the future is not ready.
func (PendingFuture[T]) Poll(*Context) (T, bool) {
	var zero T
	return zero, false
}

// String describes the future for task dumps.
func (PendingFuture[T]) String() string { return "Pending (never completes)" }

// PollFn is a future defined by its poll function; see [PollFunc].
type PollFn[T any] func(cx *Context) (T, bool)

// PollFunc returns a future whose Poll calls f. The function carries the
// future's state in the variables it closes over.
func PollFunc[T any](f func(cx *Context) (T, bool)) PollFn[T] {
	if f == nil {
		panic("future: PollFunc of a nil function")
	}
	return PollFn[T](f)
}

// Poll calls the function.
func (f PollFn[T]) Poll(cx *Context) (T, bool) { return f(cx) }

// String describes the future for task dumps. A PollFn cannot say what it
// waits for; wrap it in a type with a String or Trace method for a better
// description.
func (f PollFn[T]) String() string { return "PollFunc" }

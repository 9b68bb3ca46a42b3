package weft

import (
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// Spawn starts f as a new task on the runtime behind s and returns its
// JoinHandle. Inside a task, pass the task's *future.Context as s: the new
// task goes to the current worker's queue. From anywhere else pass the
// *Runtime or its *Handle.
//
// The task starts running at once on a multi-thread runtime, and during the
// next BlockOn on a current-thread runtime. Spawning on a runtime that is shut
// down returns a handle whose output reports a cancellation caused by
// ErrRuntimeShutdown. Spawn panics when f is a nil pointer, function or
// interface, or an interface holding a nil pointer or function (a typed
// nil, which would fail the task at its first poll), or when s holds no
// runtime. It allocates once (the task, with f stored
// inline), or twice with WithTaskStats.
//
//go:noinline
func Spawn[F future.Future[T], T any](s Spawner, f F) *task.JoinHandle[T] {
	h := handleOf(s)
	jh, n, ok := task.Bind[F, T](h.eng.Owned(), f, h.eng, h.spawnOptions(1))
	if ok {
		h.eng.Spawn(n)
	}
	return jh
}

// SpawnDetached starts f as a new task whose output nobody will read, like
// Spawn followed by Detach but without creating the JoinHandle: when the
// runtime has a finished task of the same type to reuse, it does not
// allocate at all. It returns an AbortHandle, which can cancel the task and
// tell whether it has finished. A panic in f is still captured (and, with
// ShutdownOnPanic, still shuts the runtime down).
//
//go:noinline
func SpawnDetached[F future.Future[T], T any](s Spawner, f F) task.AbortHandle {
	h := handleOf(s)
	n, ok := task.BindDetached[F, T](h.eng.Owned(), f, h.eng, h.spawnOptions(1))
	if !ok {
		return task.AbortHandle{}
	}
	a := n.AbortHandle()
	h.eng.Spawn(n)
	return a
}

// SpawnInline is Spawn for a future whose Poll method has a pointer
// receiver (a state machine that changes itself), stored in the task by
// value: it copies *f into the task and polls that copy, so that the task
// is one allocation, recycled like any other, where Spawn(s, f) would keep
// the task and *f apart (two allocations, and only the task recycled). f is
// not used after SpawnInline returns, so it may point at a composite
// literal, which then does not escape: SpawnInline(rt, &myFuture{...}). The
// future's Drop, String and Trace methods are called on the task's copy.
// It panics when f is nil, or s holds no runtime.
//
//go:noinline
func SpawnInline[P interface {
	*F
	future.Future[T]
}, F any, T any](s Spawner, f P) *task.JoinHandle[T] {
	h := handleOf(s)
	jh, n, ok := task.BindInline[P, F, T](h.eng.Owned(), f, h.eng, h.spawnOptions(1))
	if ok {
		h.eng.Spawn(n)
	}
	return jh
}

// SpawnDetachedInline is SpawnDetached for a future stored by value, as
// SpawnInline stores it: with a recycled task it allocates nothing, whatever
// state the future holds.
//
//go:noinline
func SpawnDetachedInline[P interface {
	*F
	future.Future[T]
}, F any, T any](s Spawner, f P) task.AbortHandle {
	h := handleOf(s)
	n, ok := task.BindDetachedInline[P, F, T](h.eng.Owned(), f, h.eng, h.spawnOptions(1))
	if !ok {
		return task.AbortHandle{}
	}
	a := n.AbortHandle()
	h.eng.Spawn(n)
	return a
}

// SpawnBlocking runs f on the runtime's blocking pool, a set of goroutines
// kept apart from the workers (at most WithMaxBlocking of them, each exiting
// after WithBlockingKeepAlive without work), and returns its JoinHandle. Use
// it for calls that block: file and network I/O through the standard
// library, cgo, locks held for long, CPU-heavy work. Awaiting the handle from
// a task does not block the worker.
//
// Aborting the handle cancels the call only if it has not started; once f
// runs, it runs to the end and its result is delivered (Go cannot interrupt
// a function). A panic in f becomes the handle's JoinError. After shutdown
// the handle reports a cancellation caused by ErrRuntimeShutdown.
//
//go:noinline
func SpawnBlocking[T any](s Spawner, f func() T) *task.JoinHandle[T] {
	if f == nil {
		panic("weft: SpawnBlocking of a nil function")
	}
	h := handleOf(s)
	u, jh := task.NewUnowned[blockingCall[T], T](blockingCall[T]{f: f}, h.blocking.Scheduler(), h.spawnOptions(1))
	// On a shut-down pool Spawn cancels the task itself; the handle then
	// reports it.
	_ = h.blocking.Spawn(u)
	return jh
}

// blockingCall is the future of a blocking task: it runs the function once.
type blockingCall[T any] struct {
	f func() T
}

func (b blockingCall[T]) Poll(*future.Context) (T, bool) { return b.f(), true }

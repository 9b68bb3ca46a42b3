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
// down returns a handle whose Join reports a cancellation caused by
// ErrRuntimeShutdown. Spawn panics when f is a nil pointer, function or
// interface, or s holds no runtime. It allocates once (the task, with f stored
// inline), or twice with WithTaskStats.
func Spawn[F future.Future[T], T any](s Spawner, f F) *task.JoinHandle[T] {
	h := handleOf(s)
	jh, n, ok := task.Bind[F, T](h.eng.Owned(), f, h.eng, h.newStats(1))
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
func SpawnDetached[F future.Future[T], T any](s Spawner, f F) task.AbortHandle {
	h := handleOf(s)
	n, ok := task.BindDetached[F, T](h.eng.Owned(), f, h.eng, h.newStats(1))
	if !ok {
		return task.AbortHandle{}
	}
	a := n.AbortHandle()
	h.eng.Spawn(n)
	return a
}

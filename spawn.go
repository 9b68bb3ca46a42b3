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

// Package blocking is weft's blocking pool: the goroutines that run the
// closures given to weft.SpawnBlocking, away from the scheduler's workers, so
// that a closure that blocks (file I/O, cgo, a lock held for long, a CPU-bound
// loop) never stalls the tasks.
//
// A blocking closure becomes a task that belongs to no owner list, a
// [task.UnownedTask], created with [task.NewUnowned] on the pool's
// [Pool.Scheduler]. [Pool.Spawn] queues it; a pool goroutine runs it to the
// end in one poll, and its [task.JoinHandle] reports the output, or a
// [task.JoinError] when it panicked or was cancelled before it started.
//
//	ut, jh := task.NewUnowned(fut, pool.Scheduler(), nil)
//	if err := pool.Spawn(ut); err != nil {
//		// The pool is shut down; jh reports a cancellation.
//	}
//	v, err := jh.BlockingJoin(ctx)
//
// # Behaviour
//
// It mirrors Tokio's blocking pool (tokio runtime/blocking/pool.rs):
//
//   - Goroutines are started lazily, one when a task is queued while no
//     goroutine is idle, up to [Config.MaxThreads] (512 by default). Beyond
//     that, tasks wait in one FIFO queue.
//   - A goroutine that finds the queue empty waits [Config.KeepAlive] (10 s by
//     default) for a new task, then exits.
//   - Abort cancels a blocking task only if it has not started: it is then
//     cancelled when a goroutine takes it off the queue. Once its closure
//     runs, it runs to the end and its output is delivered.
//   - A panic in a closure is captured into the task's JoinError; the pool
//     goroutine carries on. A closure that calls runtime.Goexit ends its
//     goroutine (nothing can stop that); the task completes with
//     [task.ErrGoexit] and the pool replaces the goroutine if work is waiting.
//   - [Pool.Shutdown] stops accepting tasks, cancels the queued ones (their
//     JoinErrors carry [Config.ShutdownCause]) and waits, up to a timeout, for
//     the running closures to return. A closure cannot be interrupted: one that
//     outlives the timeout still finishes later and delivers its output.
//   - A closure that waits for another blocking task can deadlock the pool
//     when all MaxThreads goroutines do the same (as in Tokio).
//
// # Costs
//
// A spawn-and-join round trip of a no-op closure costs about 2.5 µs on a
// 2-core machine, roughly twice a go statement that sends its result on a
// channel (BenchmarkSpawnJoin against BenchmarkGoroutineJoin): the pool pays
// for waking a parked goroutine, the task cell and the JoinHandle protocol.
// A burst of 100 costs about as much as 100 goroutines, or less with one
// processor, because one pool goroutine drains many queued tasks
// (BenchmarkSpawnBatchJoin). The pool is for bounding and reusing the
// goroutines that block, not for speed.
//
// # testing/synctest
//
// Pool goroutines wait on channels and time.Timers only, never on a
// sync.Cond, so inside a synctest bubble an idle pool is durably blocked and
// the fake clock moves its keep-alive timers. Create the pool inside the
// bubble.
package blocking

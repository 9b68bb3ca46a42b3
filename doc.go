// Package weft is a task runtime for Go built the way Tokio's is: tasks are
// small state machines (futures) that a scheduler polls, instead of
// goroutines with their own stacks.
//
// A weft task costs about a hundred bytes while it waits (a goroutine costs
// kilobytes), is spawned and switched in tens of nanoseconds, can be aborted
// at its next await point with its cleanups run, reports its output or a
// JoinError (cancelled, or panicked with the value and stack) through a
// JoinHandle, and can be listed live with its state and spawn site.
//
// # Futures
//
// A task is a [future.Future]: a value with a Poll method that either returns
// the output or registers the waker from its [future.Context] and reports
// that it is not ready. Futures are usually hand-written state machines; the
// leaf futures of this module (timers, locks, channels, join handles) do the
// waker bookkeeping. For straight-line code, [Async] runs a function as a
// task body that [Await]s futures (it costs a goroutine stack, like a
// goroutine).
//
// # Runtimes
//
// [New] builds a [Runtime]: multi-thread (work-stealing workers, the default)
// or current-thread (every task on the goroutine inside [BlockOn], in a
// deterministic order), with a blocking pool for calls that block and a timer
// driver (real clock, or paused for tests with [WithPausedClock]).
//
//	rt, err := weft.New()
//	if err != nil { ... }
//	defer rt.Close()
//	h := weft.Spawn(rt, myFuture)
//	out, err := h.BlockingJoin(ctx)
//
// Inside a task, spawn with the task's *future.Context as the [Spawner]; the
// new task goes to the current worker. [SpawnBlocking] runs a function on the
// blocking pool; [SpawnLocal] runs a task on a [LocalSet]'s OS thread;
// [SpawnDetached] starts a task nobody joins without allocating a handle.
//
// # Waiting
//
// [Sleep], [SleepUntil], [Timeout] and [Interval] wait on the runtime's
// clock, whose timer counts whole milliseconds: a deadline never fires
// early and fires up to about a millisecond late (a 1 ms sleep takes about
// 2 ms, as in Tokio). [Notify], [Mutex], [RwLock], [Semaphore] and
// [Barrier] synchronize tasks; the channel families live in the mpsc,
// mpmc (many receivers on one channel, as Go channels allow), oneshot,
// watch and broadcast sub-packages. [JoinSet] collects the outputs
// of many tasks in completion order. [CancellationToken] cancels trees of
// work, and [Done] bridges a context.Context into a future.
//
// Every waiting future releases what it registered when it is dropped
// (future.Dropper): an aborted task leaves no timer, waiter or permit behind.
//
// The names follow one pattern across weft's packages. A method named after
// an operation (m.Lock(), rx.Recv(), b.Wait(), js.JoinNext()) returns a
// future: await it in a task, or it does nothing. BlockingX(ctx, ...) is the
// same operation for a plain goroutine, which it blocks until the operation
// completes or ctx is done (m.BlockingLock(ctx), rx.BlockingRecv(ctx),
// h.BlockingJoin(ctx)); [BlockOn] and future.Block drive any future from a
// goroutine. TryX never waits: it returns (T, bool) where "not now" is its
// only failure (TryLock), and otherwise (T, error) with the package's
// sentinel errors (TrySend's ErrFull or ErrClosed). Close ends a long-lived
// handle (a sender, a set, a runtime); Drop only abandons a future.
//
// # Shutdown
//
// [Runtime.Close] (or Shutdown with a timeout) cancels every task at its next
// await point, waits for the workers and for running blocking work, and
// leaves every JoinHandle with its output or a cancellation. A runtime owns
// goroutines: always close it.
//
// # Mistakes caught at run time
//
// Rust's compiler rejects some mistakes that Go compiles; weft answers them
// at the faulty call with a "weft: ..." (or "<package>: ...") message
// instead of a hang or a bare nil dereference:
//   - A blocking call from inside a task (on a worker, a current-thread
//     driver, a LocalSet's goroutine, or in an Async body) would block the
//     goroutine that runs tasks, and hang when what it waits for can only
//     run there. [BlockOn] of any runtime returns [ErrNestedBlockOn];
//     task.JoinHandle.BlockingJoin and every other Blocking method (of
//     [Mutex], [RwLock], [Semaphore], [JoinSet] and the channels, when they
//     would have to wait) panic, saying to await instead; [Runtime.Close] and
//     Shutdown begin the shutdown and return [ErrShutdownFromTask] without
//     waiting. (These checks need goroutine identity: amd64 and arm64.)
//   - Two tasks receiving from one mpsc.Receiver at once: the second one's
//     poll panics; package mpmc is the channel for several consumers.
//   - Poll with a nil *future.Context, a nil *task.JoinHandle, a nil
//     context.Context, and a nil future, also a nil pointer inside a
//     non-nil interface (a typed nil), passed to Spawn or BlockOn: each
//     panics with a message at the call.
//
// # Deterministic tests
//
// [WithSimulation] makes a runtime a deterministic simulation: one goroutine
// runs every task, picking each next one at random from a seeded generator,
// and a paused clock jumps to the next timer when nothing can run. The same
// seed replays the same interleaving; package simtest runs a test body over
// many seeds and reports the one that fails.
//
// # Observing
//
// [Runtime.Metrics] returns Tokio's runtime metrics as a plain struct; task
// and worker hooks ([WithTaskHooks], [WithWorkerHooks]) report every spawn,
// poll, park and termination. [Runtime.Dump] lists every live task with its
// state, spawn site and what it waits on, as text in the style of a goroutine
// profile or as JSON. Package debug serves the dump, the metrics and a live
// page of the runtime's tasks over HTTP; package debug/prometheus exports the
// metrics to Prometheus (the only package that imports client_golang), and
// [Runtime.PublishExpvar] publishes them with expvar. Worker goroutines carry the
// pprof label weft.worker=N.
package weft

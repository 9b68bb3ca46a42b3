// Package task is weft's task module: what a task is, how its state moves, and
// the handles through which schedulers and users reach it. It is the Go form of
// Tokio's runtime::task module, and it is public so that a scheduler can be
// built on it alone.
//
// # Tasks
//
// A task is a future plus a small header, allocated once at spawn with the
// future stored inline. Its state is one atomic word (running, complete,
// notified, join interest, join waker, cancelled, and a reference count); every
// change of state is one compare-and-swap of that word, decided by a pure
// function of the previous value. [Snapshot] prints it the way Tokio's docs
// name the bits.
//
// # Handles
//
//   - [JoinHandle] waits for the output (as a future, or with BlockingJoin
//     from a plain goroutine), aborts the task, and reports its [ID].
//   - [AbortHandle] aborts without owning the output.
//   - [Notified] is a woken task in a run queue; [LocalNotified] is one that
//     its owner list has checked, and only it can be run.
//   - [Task] is the entry in the runtime's list of tasks; [UnownedTask] is a
//     blocking task that is in no list.
//   - [JoinError] says why there is no output: cancelled, or panicked (with
//     the panic value and stack).
//
// # Building a scheduler
//
// Implement [Scheduler] (Schedule, Yield, Release, Hooks, UnhandledPanic),
// keep the live tasks in an [OwnedTasks] (or [LocalOwnedTasks] for one
// thread), create tasks with [Bind], and run what Schedule receives:
//
//	jh, n, ok := task.Bind(owned, fut, sched, Options{})
//	if ok {
//		sched.Schedule(n)
//	}
//	// in the scheduler's loop, with cx := future.NewContext(future.Noop()):
//	owned.AssertOwner(n).Run(cx)
//
// Run gives each poll the task's waker and ID and a fresh budget
// (future.DefaultBudget); [LocalNotified.RunInBudget] polls a task on the
// budget the previous Run left, for a scheduler that runs a chain of tasks
// within one budget. The scheduler never sets a Context's fields itself:
// future.Context has no setters, so that no future can set them either.
//
// At shutdown, call OwnedTasks.CloseAndShutdownAll and Drop the Notifieds
// still queued. Every JoinHandle then reports its output or a cancellation.
//
// A scheduler that runs all its tasks on one goroutine at a time may use
// [NewDrivenOwnedTasks] instead: a list without a lock, which tasks spawned
// elsewhere join when the driver takes them ([OwnedTasks.Take] in place of
// AssertOwner); owned_driven.go has the rules.
//
// # Task dumps
//
// [OwnedTasks.Each] lists the tasks under the list's locks; [Header.Trace]
// then describes the future of an idle task (its future.TraceOf tree),
// taken without polling it and without stopping the scheduler, and
// [LocalOwnedTasks.Trace] does the same on a local list's own goroutine.
// The future itself never leaves the package.
// The protocol is written in dump.go.
//
// # Panics
//
// A panic in a task's future becomes the task's JoinError; it never reaches
// the scheduler. Misuse (spawning a nil future, using one JoinHandle from two
// goroutines at once) panics at the call site with a "task: " message.
package task

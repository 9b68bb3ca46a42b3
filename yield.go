package weft

import "github.com/weftrt/weft/future"

// YieldFuture is the future returned by YieldNow.
type YieldFuture struct {
	yielded bool
}

// YieldNow returns a future that gives the worker back once: its first poll
// wakes the task and returns pending, and its second poll is ready.
//
// On both schedulers the yielded task waits until the worker next looks for
// other work, then goes to the back of the run queue: every task that could
// run when it yielded runs first, those spawned or woken from outside the
// runtime (waiting in the shared queue) included, and timers that came due
// are fired first. Two tasks that yield in turn alternate, as in Tokio. In a
// simulation (WithSimulation) the yielded task is one more candidate for the
// seeded pick among the runnable tasks; in a LocalSet it goes to the back of
// the set's queue. A task that keeps yielding keeps a paused clock from
// jumping (it can always run), as in Tokio.
//
// A hand-written future yields the same way without allocating: it wakes its
// own waker and returns false. (The schedulers cannot tell that from a task
// woken by a spent coop budget or by its own Waker during its poll, and treat
// them alike.)
func YieldNow() *YieldFuture { return &YieldFuture{} }

// Poll yields on the first call and is ready on the second.
func (y *YieldFuture) Poll(cx *future.Context) (struct{}, bool) {
	if y.yielded {
		return struct{}{}, true
	}
	y.yielded = true
	cx.Waker().Wake()
	return struct{}{}, false
}

// String describes the future for task dumps.
func (y *YieldFuture) String() string { return "YieldNow" }

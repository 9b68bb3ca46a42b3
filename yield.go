package weft

import "github.com/weftrt/weft/future"

// YieldFuture is the future returned by YieldNow.
type YieldFuture struct {
	yielded bool
}

// YieldNow returns a future that gives the worker back once: its first poll
// wakes the task and returns pending, so the task goes to the back of the run
// queue and the tasks waiting there run first; its second poll is ready.
//
// A hand-written future yields the same way without allocating: it wakes its
// own waker and returns false.
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

package weft

import (
	"errors"
	"time"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
)

// ErrElapsed is the error of a [Timeout] whose deadline passed before its
// future completed.
var ErrElapsed = errors.New("weft: deadline elapsed")

// TimeoutFuture is the future returned by [Timeout] and [TimeoutAt]. The
// zero TimeoutFuture is usable after [TimeoutFuture.Reset], which also
// renews a TimeoutFuture kept by value without allocating.
type TimeoutFuture[T any] struct {
	f     future.Future[T]
	sleep SleepFuture
	done  bool
}

// Timeout returns a future that runs f for at most d, counted from its first
// poll. It outputs f's value, or [ErrElapsed] when d passes first; then f is
// dropped (its registrations released) at once. Each poll polls f first, so
// a value that is ready together with the deadline wins. A zero or negative d
// still polls f once. The deadline has the timer's 1 ms granularity (see
// [SleepFuture]): ErrElapsed comes up to about a millisecond after d, never
// before.
//
// Mirrors tokio time/timeout.rs, including its budget rule: when f uses up
// the task's budget, the deadline is still checked, so a future that always
// spends the budget cannot escape its timeout.
func Timeout[T any](d time.Duration, f future.Future[T]) *TimeoutFuture[T] {
	if f == nil {
		panic("weft: Timeout of a nil future")
	}
	return &TimeoutFuture[T]{f: f, sleep: SleepFuture{at: int64(d)}}
}

// TimeoutAt is [Timeout] with a deadline on the runtime's clock instead of a
// duration (see [SleepUntil] about paused clocks).
func TimeoutAt[T any](t time.Time, f future.Future[T]) *TimeoutFuture[T] {
	if f == nil {
		panic("weft: TimeoutAt of a nil future")
	}
	return &TimeoutFuture[T]{f: f, sleep: SleepFuture{until: &t}}
}

// Poll polls the inner future, then the deadline. It panics when polled
// after completion, and, once the inner future is pending, when cx does not
// come from a weft runtime.
func (t *TimeoutFuture[T]) Poll(cx *future.Context) (future.Result[T], bool) {
	if t.done {
		panic("weft: Timeout polled after completion")
	}
	hadBudget := cx.HasBudget()
	if v, ok := t.f.Poll(cx); ok {
		t.finish()
		return future.Result[T]{Value: v}, true
	}
	var elapsed bool
	if hadBudget && !cx.HasBudget() {
		// The inner future spent the budget: check the deadline anyway.
		futurecx.SetBudget(cx, -1)
		elapsed = t.sleep.poll(cx, "Timeout")
		futurecx.SetBudget(cx, 0)
	} else {
		elapsed = t.sleep.poll(cx, "Timeout")
	}
	if elapsed {
		t.finish()
		return future.Result[T]{Err: ErrElapsed}, true
	}
	return future.Result[T]{}, false
}

// Reset drops t (see [TimeoutFuture.Drop]) unless it has completed, and
// makes it a new, unpolled Timeout of f for d, as if returned by
// Timeout(d, f) now: a TimeoutFuture kept by value inside a larger future
// can limit one operation after another without allocating (Timeout
// allocates a new future each time; passing a pointer to an inner future
// that is kept by value too makes f's conversion free). The zero
// TimeoutFuture may be Reset. Reset panics if f is nil.
func (t *TimeoutFuture[T]) Reset(d time.Duration, f future.Future[T]) {
	if f == nil {
		panic("weft: TimeoutFuture.Reset with a nil future")
	}
	if !t.done && t.f != nil {
		t.finish()
	}
	t.f, t.done = f, false
	t.sleep.restart(d)
}

// finish drops the inner future and the timer.
func (t *TimeoutFuture[T]) finish() {
	t.done = true
	f := t.f
	t.f = nil
	t.sleep.Drop()
	future.Drop(f)
}

// Deadline returns the time at which the timeout elapses, and false before
// the first poll of a [Timeout] (its deadline is not fixed yet).
func (t *TimeoutFuture[T]) Deadline() (time.Time, bool) { return t.sleep.Deadline() }

// Drop drops the inner future and deregisters the timer, unless the timeout
// has completed (which already did both). It implements [future.Dropper].
func (t *TimeoutFuture[T]) Drop() {
	if !t.done {
		t.finish()
	}
}

// Trace describes the timeout and the future it limits for task dumps:
// "Timeout(3s left){<inner>}". It must not run concurrently with Poll.
func (t *TimeoutFuture[T]) Trace(tr *future.Trace) {
	if t.done {
		tr.Leaf("Timeout(done)")
		return
	}
	tr.Node("Timeout("+t.sleep.describe()+")", t.f)
}

// String describes the timeout for task dumps, as "Timeout(3s left)". It
// must not run concurrently with Poll.
func (t *TimeoutFuture[T]) String() string {
	if t.done {
		return "Timeout(done)"
	}
	return "Timeout(" + t.sleep.describe() + ")"
}

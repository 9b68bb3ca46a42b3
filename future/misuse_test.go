package future_test

// Misuse that once slipped through: each must panic at the call site with a
// "future:" message (or, for the zero Context, just work).

import (
	"context"
	"testing"

	"github.com/weftrt/weft/future"
)

// PollFunc(nil) is accepted and only fails at the first poll, inside the
// task, with a bare nil-function dereference. Every other constructor
// rejects a nil argument at once with a "future:" panic.
func TestMisusePollFuncNilPanicsWithPrefix(t *testing.T) {
	mustPanic(t, "future:", func() { future.PollFunc[int](nil) }) //weftvet:ignore panics before it returns a future
}

// Block(ctx, nil) dies with a nil-pointer dereference instead of a "future:"
// panic.
func TestMisuseBlockNilPanicsWithPrefix(t *testing.T) {
	mustPanic(t, "future:", func() { _, _ = future.Block[int](context.Background(), nil) })
}

// Map, Then and Select2 panic when polled after completion; Join2 and JoinAll
// instead report Ready again with a zero output, which silently hides the
// misuse (and a caller's bug).
func TestMisuseJoinPanicsOnPollAfterCompletion(t *testing.T) {
	cx := future.NewContext(future.Noop())
	j := future.Join2[int, int](future.Ready(1), future.Ready(2))
	j.Poll(cx)
	mustPanic(t, "future:", func() { j.Poll(cx) })
	a := future.JoinAll([]future.Future[int]{future.Ready(1)})
	a.Poll(cx)
	mustPanic(t, "future:", func() { a.Poll(cx) })
}

// The zero Context has a constrained budget of 0, so a leaf future polled
// with &future.Context{} is refused every operation and never makes
// progress. Either the zero value should be unconstrained, or Context's doc
// should say to create one with NewContext.
func TestMisuseZeroContextIsUnconstrained(t *testing.T) {
	var cx future.Context
	if !cx.ConsumeBudget() {
		t.Fatal("zero Context refuses budget")
	}
}

// NewTaggedWaker(nil, tag) returns a Waker that reports IsZero (so callers
// treat it as the zero Waker, which "wakes nothing"), but its Wake panics with
// a nil type assertion. It should panic at construction with a "future:"
// message, as tag 0 does.
func TestMisuseNewTaggedWakerNil(t *testing.T) {
	mustPanic(t, "future:", func() { future.NewTaggedWaker(nil, 1) })
}

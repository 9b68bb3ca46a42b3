package task_test

import (
	"context"
	"errors"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/task"
)

func TestZeroAbortHandle(t *testing.T) {
	var ah task.AbortHandle
	ah.Abort() // must not panic
	if !ah.IsFinished() || ah.ID() != 0 {
		t.Fatalf("zero AbortHandle: IsFinished %v, ID %v; want true, 0", ah.IsFinished(), ah.ID())
	}
}

func TestAbortHandlesCompareByTask(t *testing.T) {
	s := newTestSched(t, 1)
	a := spawn(s, &gateFuture{})
	b := spawn(s, &gateFuture{})
	a1, a2, b1 := a.AbortHandle(), a.AbortHandle(), b.AbortHandle()
	if a1 != a2 || a1 == b1 {
		t.Fatal("AbortHandles of one task differ, or of two tasks are equal")
	}
	if a.AbortHandle().ID() != a.ID() || a.AbortHandle().IsFinished() {
		t.Fatal("AbortHandle of a live task: wrong ID or finished")
	}
	s.Shutdown(0, nil)
	a.Detach()
	b.Detach()
}

func joinCancelled(t *testing.T, jh *task.JoinHandle[int]) *task.JoinError {
	t.Helper()
	v, err := jh.BlockingJoin(context.Background())
	var je *task.JoinError
	if !errors.As(err, &je) || !je.IsCancelled() {
		t.Fatalf("Join = (%d, %v), want a cancellation", v, err)
	}
	return je
}

// TestAbortIdleTaskSchedulesCancellation: an abort of a waiting task takes a
// reference, schedules the task, and the scheduler's run cancels it without
// polling the future again.
func TestAbortIdleTaskSchedulesCancellation(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{}
	jh := spawn(s, g)
	s.RunUntilIdle()
	h := task.HeaderOf(jh)
	if st := h.State(); st.String() != "JOIN_INTEREST refs=2" {
		t.Fatalf("idle state %v", st)
	}
	jh.AbortHandle().Abort()
	if st := h.State(); st.String() != "NOTIFIED|JOIN_INTEREST|CANCELLED refs=3" {
		t.Fatalf("state after abort %v", st)
	}
	if s.schedules.Load() != 1 || s.QueueLen() != 1 {
		t.Fatalf("abort scheduled %d times, queue %d; want 1, 1", s.schedules.Load(), s.QueueLen())
	}
	if g.drops != 0 {
		t.Fatal("abort dropped the future itself; the scheduler's run must")
	}
	s.RunUntilIdle()
	if g.polls != 1 || g.drops != 1 {
		t.Fatalf("polls %d drops %d, want 1 and 1", g.polls, g.drops)
	}
	joinCancelled(t, jh)
	if refs(jh) != 0 || s.ListLen() != 0 {
		t.Fatalf("refs %d, list %d", refs(jh), s.ListLen())
	}
}

// TestAbortQueuedTaskDoesNotScheduleAgain: the Notified already in the queue
// cancels the task when it runs.
func TestAbortQueuedTaskDoesNotScheduleAgain(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{}
	jh := spawn(s, g)
	jh.Abort()
	jh.Abort() // a second abort is a no-op
	if s.schedules.Load() != 0 || s.QueueLen() != 1 {
		t.Fatalf("schedules %d, queue %d; want 0, 1", s.schedules.Load(), s.QueueLen())
	}
	s.RunUntilIdle()
	if g.polls != 0 || g.drops != 1 {
		t.Fatalf("polls %d drops %d, want 0 and 1", g.polls, g.drops)
	}
	joinCancelled(t, jh)
}

func TestAbortTwiceSchedulesOnce(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{}
	jh := spawn(s, g)
	s.RunUntilIdle()
	ah := jh.AbortHandle()
	ah.Abort()
	ah.Abort()
	jh.Abort()
	if s.schedules.Load() != 1 {
		t.Fatalf("three aborts scheduled %d times, want 1", s.schedules.Load())
	}
	s.RunUntilIdle()
	joinCancelled(t, jh)
}

// TestAbortDuringPendingPollCancelsAtPollEnd: an abort from inside the poll
// only marks the task; the poller cancels it when the poll returns Pending.
func TestAbortDuringPendingPollCancelsAtPollEnd(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{}
	var ah task.AbortHandle
	var stateInPoll task.Snapshot
	g.onPoll = func(cx *future.Context) {
		ah.Abort()
		stateInPoll = futurecx.WakerTarget(cx.Waker()).(*task.Header).State()
	}
	jh := spawn(s, g)
	ah = jh.AbortHandle()
	s.RunUntilIdle()
	if stateInPoll.String() != "RUNNING|NOTIFIED|JOIN_INTEREST|CANCELLED refs=3" {
		t.Errorf("state inside the aborting poll: %v", stateInPoll)
	}
	if s.schedules.Load() != 0 || s.yields.Load() != 0 {
		t.Errorf("abort of a running task scheduled it (schedules %d, yields %d)", s.schedules.Load(), s.yields.Load())
	}
	if g.polls != 1 || g.drops != 1 {
		t.Fatalf("polls %d drops %d, want 1 and 1", g.polls, g.drops)
	}
	joinCancelled(t, jh)
}

// TestAbortDuringReadyPollIsLost pins Tokio's quirk: an abort that lands while
// the poll that returns Ready runs has no effect.
func TestAbortDuringReadyPollIsLost(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{open: true, value: 4}
	var jh *task.JoinHandle[int]
	g.onPoll = func(*future.Context) { jh.Abort() }
	jh = spawn(s, g)
	s.RunUntilIdle()
	if v, err := jh.BlockingJoin(context.Background()); err != nil || v != 4 {
		t.Fatalf("Join = (%d, %v), want (4, nil): the abort must be lost", v, err)
	}
}

// TestAbortHandleOfGoneTaskDoesNothing: an AbortHandle holds no reference; once
// the task is complete and its references are gone, Abort touches nothing.
func TestAbortHandleOfGoneTaskDoesNothing(t *testing.T) {
	s := newTestSched(t, 1)
	jh := spawn(s, future.Ready(1))
	ah := jh.AbortHandle()
	s.RunUntilIdle()
	jh.Detach()
	h := task.HeaderOf(jh)
	if h.State().RefCount() != 0 {
		t.Fatalf("state %v, want refs=0", h.State())
	}
	before := h.State()
	ah.Abort()
	if h.State() != before || s.schedules.Load() != 0 {
		t.Fatalf("abort of a released task: state %v -> %v, schedules %d", before, h.State(), s.schedules.Load())
	}
	if !ah.IsFinished() {
		t.Fatal("AbortHandle of a completed task not finished")
	}
}

// TestAbortHandleDoesNotKeepOutput: an AbortHandle does not stop a detached
// task's output from being dropped at completion.
func TestAbortHandleDoesNotKeepOutput(t *testing.T) {
	s := newTestSched(t, 1)
	rec := &comboRecord{}
	jh := spawn(s, future.Ready(comboOutput{value: 1, rec: rec}))
	ah := jh.AbortHandle()
	jh.Detach()
	s.RunUntilIdle()
	if rec.outputDrops != 1 || !ah.IsFinished() {
		t.Fatalf("output drops %d, finished %v", rec.outputDrops, ah.IsFinished())
	}
}

// TestAbortCancelsOnTheSchedulersSide: the abort itself never drops the future
// on the aborting goroutine; cancellation happens in the scheduler's run (this
// matters for tasks bound to one thread).
func TestAbortCancelsOnTheSchedulersSide(t *testing.T) {
	s := newLocalTestSched(t)
	g := &gateFuture{}
	jh := spawn(s, g)
	s.RunUntilIdle()
	done := make(chan struct{})
	go func() {
		defer close(done)
		jh.AbortHandle().Abort()
	}()
	<-done
	if g.drops != 0 {
		t.Fatal("future dropped on the aborting goroutine")
	}
	s.RunUntilIdle()
	if g.drops != 1 {
		t.Fatalf("drops %d, want 1", g.drops)
	}
	joinCancelled(t, jh)
}

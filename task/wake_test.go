package task_test

import (
	"context"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/task"
)

// TestSelfWakeComesBackViaYield: a task that wakes itself during its poll is
// handed to Scheduler.Yield (behind the others), never to Schedule, and keeps
// its reference count: the poller's reference moves to the new Notified.
func TestSelfWakeComesBackViaYield(t *testing.T) {
	s := newTestSched(t, 1)
	f := &yieldFuture{n: 3, value: 6}
	other := &yieldFuture{n: 0}
	jh := spawn(s, f)
	jo := spawn(s, other)
	h := task.HeaderOf(jh)

	s.RunOne() // f yields; other is ahead of it now
	if st := h.State(); st.String() != "NOTIFIED|JOIN_INTEREST refs=3" {
		t.Fatalf("state after a self-wake %v, want NOTIFIED|JOIN_INTEREST refs=3", st)
	}
	if s.yields.Load() != 1 || s.schedules.Load() != 0 {
		t.Fatalf("yields %d schedules %d, want 1, 0", s.yields.Load(), s.schedules.Load())
	}
	s.RunOne() // the task queued before the yield runs first
	if !jo.IsFinished() || f.polls != 1 {
		t.Fatalf("the yielded task ran before the task queued ahead of it (polls %d)", f.polls)
	}
	s.RunUntilIdle()
	if v, err := jh.BlockingJoin(context.Background()); err != nil || v != 6 {
		t.Fatalf("Join = (%d, %v)", v, err)
	}
	if s.yields.Load() != 3 || s.schedules.Load() != 0 || f.polls != 4 || f.drops != 1 {
		t.Fatalf("yields %d schedules %d polls %d drops %d; want 3, 0, 4, 1",
			s.yields.Load(), s.schedules.Load(), f.polls, f.drops)
	}
	jo.Detach()
}

// TestWakeFromAnotherGoroutineDuringPollComesBackViaYield: a wake that lands
// while the task runs only sets NOTIFIED; the poller reschedules it.
func TestWakeFromAnotherGoroutineDuringPollComesBackViaYield(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{value: 1}
	g.onPoll = func(cx *future.Context) {
		if g.polls == 1 {
			w := cx.Waker()
			done := make(chan struct{})
			go func() { w.Wake(); close(done) }()
			<-done
		}
	}
	jh := spawn(s, g)
	s.RunOne()
	if s.yields.Load() != 1 || s.schedules.Load() != 0 || s.QueueLen() != 1 {
		t.Fatalf("yields %d schedules %d queue %d; want 1, 0, 1", s.yields.Load(), s.schedules.Load(), s.QueueLen())
	}
	g.open = true
	s.RunUntilIdle()
	if v, err := jh.BlockingJoin(context.Background()); err != nil || v != 1 {
		t.Fatalf("Join = (%d, %v)", v, err)
	}
}

// TestWakeIdleTaskSchedulesOnce: the first wake of a waiting task takes a
// reference and schedules it; later wakes find it queued and do nothing.
func TestWakeIdleTaskSchedulesOnce(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{}
	jh := spawn(s, g)
	s.RunUntilIdle()
	h := task.HeaderOf(jh)
	if r := h.State().RefCount(); r != 2 {
		t.Fatalf("idle refs %d, want 2", r)
	}
	for range 5 {
		g.waker.Wake()
		h.Wake(0)
	}
	if s.schedules.Load() != 1 || s.QueueLen() != 1 || h.State().RefCount() != 3 {
		t.Fatalf("schedules %d queue %d refs %d; want 1, 1, 3", s.schedules.Load(), s.QueueLen(), h.State().RefCount())
	}
	s.RunUntilIdle()
	if g.polls != 2 {
		t.Fatalf("polled %d times, want 2", g.polls)
	}
	jh.Abort()
	s.RunUntilIdle()
}

// TestWakeOfCompletedTaskIsNoop: a stale Waker of a finished task, and of one
// whose references are all gone, changes nothing.
func TestWakeOfCompletedTaskIsNoop(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{open: true}
	jh := spawn(s, g)
	s.RunUntilIdle()
	h := task.HeaderOf(jh)
	for _, phase := range []string{"complete", "released"} {
		before, calls := h.State(), s.counters()
		g.waker.Wake()
		h.Wake(0)
		if h.State() != before || s.counters() != calls || s.QueueLen() != 0 {
			t.Fatalf("%s: wake changed state %v -> %v or calls %v -> %v", phase, before, h.State(), calls, s.counters())
		}
		jh.Detach()
	}
	if h.State().RefCount() != 0 {
		t.Fatalf("refs %d", h.State().RefCount())
	}
}

// TestTaskWakerIdentity: a task polls with one Waker, its header's, so
// futures can keep a registration with WillWake.
func TestTaskWakerIdentity(t *testing.T) {
	s := newTestSched(t, 1)
	f := &yieldFuture{n: 2}
	var wakers []future.Waker
	jh := spawn(s, future.PollFunc(func(cx *future.Context) (int, bool) {
		wakers = append(wakers, cx.Waker())
		return f.Poll(cx)
	}))
	s.RunUntilIdle()
	h := task.HeaderOf(jh)
	if len(wakers) != 3 || !wakers[0].WillWake(wakers[1]) || wakers[0] != h.Waker() || futurecx.WakerTarget(wakers[0]) != h {
		t.Fatalf("task wakers differ between polls or from Header.Waker: %v", wakers)
	}
	other := spawn(s, future.Ready(0))
	if task.HeaderOf(other).Waker().WillWake(h.Waker()) {
		t.Fatal("two tasks share a Waker")
	}
	s.RunUntilIdle()
	jh.Detach()
	other.Detach()
}

// TestWakeAndPollDoNotAllocate: waking a task, queueing it and polling it (a
// Pending poll) allocates nothing, whatever the task's and list's ids. (Go
// boxes integers below 256 into an interface without allocating, so the ids
// are pushed past that first: a diagnostic that boxed them on every run
// allocated only once a program had spawned 256 tasks.)
func TestWakeAndPollDoNotAllocate(t *testing.T) {
	for task.NextID() < 1000 {
	}
	for task.NewOwnedTasks(1).ID() < 1000 {
	}
	s := newTestSched(t, 1)
	g := &gateFuture{}
	jh := spawn(s, g)
	s.RunUntilIdle()
	h := task.HeaderOf(jh)
	allocs := testing.AllocsPerRun(200, func() {
		h.Wake(0)
		h.Wake(0) // already queued
		s.RunOne()
	})
	if allocs != 0 {
		t.Fatalf("wake+poll allocated %.1f times per run", allocs)
	}
	jh.Abort()
	s.RunUntilIdle()
}

package multithread

import (
	"context"
	"errors"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/sched"
	"github.com/weftrt/weft/task"
)

var testErrors = sched.Errors{
	Shutdown: errors.New("test: shut down"),
	Nested:   errors.New("test: nested"),
	Stuck:    errors.New("test: stuck"),
}

// funcFuture runs f at its one poll.
type funcFuture func()

func (f funcFuture) Poll(*future.Context) (struct{}, bool) {
	f()
	return struct{}{}, true
}

// spawnOn runs f in a task on s.
func spawnOn(t *testing.T, s *Scheduler, f func()) {
	t.Helper()
	jh, n, ok := task.Bind(s.Owned(), funcFuture(f), s, task.Options{})
	if !ok {
		t.Fatal("Bind refused the task")
	}
	jh.Detach()
	s.Spawn(n)
}

// A task that wakes a goroutine sleeping in BlockOn while its worker has
// more work queued makes the worker look at the clock at its next tick and
// give its P up once handOffSlice, not yieldSlice, has passed since it last
// did (blockon.go rule 4): the Go scheduler queued the woken goroutine on
// that P. A worker with nothing queued is about to park, which frees the P
// anyway: its wake asks for nothing.
func TestBlockOnWakeFromAWorkerShortensItsHoldOfTheP(t *testing.T) {
	s := New(Config{Workers: 1, Errors: testErrors})
	defer func() {
		s.Shutdown()
		<-s.Done()
	}()
	cx, ok := s.Enter(context.Background())
	if !ok {
		t.Fatal("Enter refused")
	}
	defer s.Exit(cx)
	waiterOf(cx).arm() // the BlockOn sleeps
	type seen struct{ idle, before, after, checkNow, bound bool }
	got := make(chan seen, 1)
	spawnOn(t, s, func() {
		w := s.currentWorker()
		cx.Waker().Wake() // nothing else queued on this worker
		idle := w.handOffPending
		jh, n, ok := task.Bind(s.Owned(), funcFuture(func() {}), s, task.Options{})
		if ok {
			jh.Detach()
			s.Spawn(n) // into this worker's LIFO slot
		}
		before := w.handOffPending
		cx.Waker().Wake()
		got <- seen{idle, before, w.handOffPending, w.yieldCheck <= w.batchPolls, ok}
	})
	if g := <-got; !g.bound || g.idle || g.before || !g.after || !g.checkNow {
		t.Fatalf("bound %v; hand-off pending after a wake with nothing queued %v, before the wake with a task queued %v, after it %v, clock read at the next tick %v; want true; false, false, true, true",
			g.bound, g.idle, g.before, g.after, g.checkNow)
	}
	if err := s.Wait(context.Background(), cx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	// A plain task, waking nothing, leaves the worker's slice alone.
	plain := make(chan bool, 1)
	spawnOn(t, s, func() { plain <- s.currentWorker().handOffPending })
	if <-plain {
		t.Fatal("a worker that woke no BlockOn has a hand-off pending")
	}
}

// bindOn binds f as a task of s and returns its first Notified.
func bindOn(s *Scheduler, f func()) task.Notified {
	jh, n, ok := task.Bind(s.Owned(), funcFuture(f), s, task.Options{})
	if !ok {
		panic("multithread test: Bind refused the task")
	}
	jh.Detach()
	return n
}

// injectThenLIFO runs, on a one-worker scheduler, a task that puts a task
// named "injected" in the inject queue with inject, then spawns one named
// "lifo" into its LIFO slot; it returns the order of the three polls.
func injectThenLIFO(t *testing.T, inject func(s *Scheduler, n task.Notified)) []string {
	t.Helper()
	s := New(Config{Workers: 1, Errors: testErrors})
	defer func() {
		s.Shutdown()
		<-s.Done()
	}()
	order := make(chan string, 3)
	spawnOn(t, s, func() {
		inject(s, bindOn(s, func() { order <- "injected" }))
		s.Spawn(bindOn(s, func() { order <- "lifo" })) // on the worker: the LIFO slot
		order <- "first"
	})
	return []string{<-order, <-order, <-order}
}

// A task in the inject queue runs before the LIFO slot's task when both
// wait at the end of a poll: the LIFO chain stops while remote tasks wait,
// and the worker takes its share of them first ("Remote tasks" in
// worker.go). Without that, workers whose tasks spawn their successors
// served remote spawns only at their global-queue ticks.
func TestRemoteTaskRunsBeforeTheLIFOChainGoesOn(t *testing.T) {
	got := injectThenLIFO(t, (*Scheduler).scheduleRemote)
	if got[0] != "first" || got[1] != "injected" || got[2] != "lifo" {
		t.Fatalf("polls in the order %v, want [first injected lifo]", got)
	}
}

// Tasks a worker moved to the inject queue itself (an overflow of its local
// queue) do not stop a LIFO chain: only tasks from outside the workers do
// (Scheduler.remoteWaiting).
func TestOverflowInTheInjectQueueDoesNotStopTheLIFOChain(t *testing.T) {
	got := injectThenLIFO(t, func(s *Scheduler, n task.Notified) {
		// The first task came from outside the workers and may have left
		// the hint set (it is cleared only when a worker finds the inject
		// queue empty after taking its share, not on every path that takes
		// a task): clear it, so that only the overflow below could set it.
		s.remoteWaiting.Store(false)
		var overflow task.Queue
		overflow.Push(n)
		s.inject.PushBatch(&overflow) // as pushOverflow does
	})
	if got[0] != "first" || got[1] != "lifo" || got[2] != "injected" {
		t.Fatalf("polls in the order %v, want [first lifo injected]", got)
	}
}

package task_test

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// blockingFn is a blocking task's body as a future: it completes in its one
// poll, running fn first.
func blockingFn[T any](fn func(cx *future.Context) T) future.PollFn[T] {
	return future.PollFunc(func(cx *future.Context) (T, bool) { return fn(cx), true })
}

func TestUnownedRun(t *testing.T) {
	s := newTestSched(t, 1)
	var idInPoll task.ID
	u, jh := task.NewUnowned(blockingFn(func(cx *future.Context) int {
		idInPoll, _ = task.CurrentID(cx)
		return 12
	}), s, task.Options{})
	h := u.Header()
	if u.ID() != jh.ID() || h != task.HeaderOf(jh) || h.OwnerID() != 0 {
		t.Fatalf("UnownedTask ID %v handle %v OwnerID %d", u.ID(), jh.ID(), h.OwnerID())
	}
	if st := h.State(); st.String() != "NOTIFIED|JOIN_INTEREST refs=3" {
		t.Fatalf("initial state %v", st)
	}
	u.Run(future.NewContext(future.Noop()))
	if idInPoll != jh.ID() {
		t.Errorf("CurrentID in poll %v, want %v", idInPoll, jh.ID())
	}
	if v, err := jh.BlockingJoin(context.Background()); err != nil || v != 12 {
		t.Fatalf("Join = (%d, %v)", v, err)
	}
	if s.schedules.Load() != 0 || s.yields.Load() != 0 {
		t.Errorf("a blocking task was scheduled (%d) or yielded (%d)", s.schedules.Load(), s.yields.Load())
	}
	if s.releases.Load() != 1 || s.removed.Load() != 0 {
		t.Errorf("Release called %d times, found it %d times; want 1, 0", s.releases.Load(), s.removed.Load())
	}
	if refs(jh) != 0 {
		t.Errorf("refs %d", refs(jh))
	}
}

func TestUnownedShutdownCancelsWithoutRunning(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{open: true}
	u, jh := task.NewUnowned(g, s, task.Options{})
	cause := errors.New("pool closing")
	u.Shutdown(cause)
	if g.polls != 0 || g.drops != 1 {
		t.Fatalf("polls %d drops %d, want 0 and 1", g.polls, g.drops)
	}
	if je := joinCancelled(t, jh); je.Cause() != cause {
		t.Fatalf("cause %v, want %v", je.Cause(), cause)
	}
	if refs(jh) != 0 {
		t.Errorf("refs %d", refs(jh))
	}
}

// TestUnownedAbortBeforeStart: a blocking task is notified from the start, so
// an abort only marks it and never schedules it; it is cancelled when run.
func TestUnownedAbortBeforeStart(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{open: true}
	u, jh := task.NewUnowned(g, s, task.Options{})
	jh.Abort()
	jh.AbortHandle().Abort()
	if s.schedules.Load() != 0 {
		t.Fatalf("abort scheduled a blocking task")
	}
	u.Run(future.NewContext(future.Noop()))
	if g.polls != 0 || g.drops != 1 {
		t.Fatalf("polls %d drops %d, want 0 and 1", g.polls, g.drops)
	}
	joinCancelled(t, jh)
	if refs(jh) != 0 {
		t.Errorf("refs %d", refs(jh))
	}
}

// TestUnownedAbortWhileRunningCompletes: once a blocking task's function runs,
// it runs to the end and its output is delivered.
func TestUnownedAbortWhileRunningCompletes(t *testing.T) {
	s := newTestSched(t, 1)
	var ah task.AbortHandle
	u, jh := task.NewUnowned(blockingFn(func(*future.Context) string {
		ah.Abort()
		return "done"
	}), s, task.Options{})
	ah = jh.AbortHandle()
	u.Run(future.NewContext(future.Noop()))
	if v, err := jh.BlockingJoin(context.Background()); err != nil || v != "done" {
		t.Fatalf("Join = (%q, %v), want (done, nil)", v, err)
	}
	if s.schedules.Load() != 0 || refs(jh) != 0 {
		t.Fatalf("schedules %d refs %d", s.schedules.Load(), refs(jh))
	}
}

func TestUnownedPanicBecomesJoinError(t *testing.T) {
	s := newTestSched(t, 1)
	u, jh := task.NewUnowned(blockingFn(func(*future.Context) int { panic("blocking boom") }), s, task.Options{})
	noPanic(t, "UnownedTask.Run", func() { u.Run(future.NewContext(future.Noop())) })
	_, err := jh.BlockingJoin(context.Background())
	var je *task.JoinError
	if !errors.As(err, &je) || je.PanicValue() != "blocking boom" {
		t.Fatalf("Join err %v", err)
	}
	if refs(jh) != 0 {
		t.Errorf("refs %d", refs(jh))
	}
}

// TestUnownedDrop: Drop releases both references without running or
// cancelling the task. With the JoinHandle gone too, the task's contents are
// released (the future's Drop runs); with it alive, the task never completes.
func TestUnownedDrop(t *testing.T) {
	s := newTestSched(t, 1)

	g := &gateFuture{}
	u, jh := task.NewUnowned(g, s, task.Options{})
	jh.Detach()
	u.Drop()
	if g.polls != 0 || g.drops != 1 || refs(jh) != 0 {
		t.Fatalf("detached then dropped: polls %d drops %d refs %d; want 0, 1, 0", g.polls, g.drops, refs(jh))
	}

	g2 := &gateFuture{}
	u2, jh2 := task.NewUnowned(g2, s, task.Options{})
	u2.Drop()
	if g2.drops != 0 || jh2.IsFinished() || refs(jh2) != 1 {
		t.Fatalf("dropped with a live handle: drops %d finished %v refs %d; want 0, false, 1", g2.drops, jh2.IsFinished(), refs(jh2))
	}
	// The handle can still let go, and that releases the future.
	jh2.Detach()
	if g2.drops != 1 || refs(jh2) != 0 {
		t.Fatalf("after Detach: drops %d refs %d", g2.drops, refs(jh2))
	}
}

// TestUnownedGoexitReleasesBothReferences: a blocking task whose function
// calls runtime.Goexit completes with ErrGoexit, and Run's second reference is
// released too although Run never returns.
func TestUnownedGoexitReleasesBothReferences(t *testing.T) {
	s := newTestSched(t, 1)
	u, jh := task.NewUnowned(blockingFn(func(*future.Context) int { runtime.Goexit(); return 0 }), s, task.Options{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		u.Run(future.NewContext(future.Noop()))
	}()
	<-done
	_, err := jh.BlockingJoin(context.Background())
	if !errors.Is(err, task.ErrGoexit) {
		t.Fatalf("Join err %v, want ErrGoexit", err)
	}
	if r := refs(jh); r != 0 {
		t.Fatalf("refs after Join = %d, want 0 (state %v)", r, task.HeaderOf(jh).State())
	}
}

package task_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/task"
)

func TestJoinReturnsOutput(t *testing.T) {
	s := newTestSched(t, 1)
	jh := spawn(s, future.Ready("hello"))
	s.RunUntilIdle()
	v, err := jh.BlockingJoin(context.Background())
	if err != nil || v != "hello" {
		t.Fatalf("Join = (%q, %v), want (hello, nil)", v, err)
	}
	if r := refs(jh); r != 0 {
		t.Errorf("refs after Join = %d, want 0", r)
	}
}

func TestJoinBlocksUntilTaskCompletes(t *testing.T) {
	s := newTestSched(t, 1)
	f := &gateFuture{value: 7}
	jh := spawn(s, f)
	s.RunUntilIdle()

	type result struct {
		v   int
		err error
	}
	done := make(chan result)
	go func() {
		v, err := jh.BlockingJoin(context.Background())
		done <- result{v, err}
	}()
	// Run the task to completion only once the joiner has registered its
	// waker, so that the wake path (not the fast path) is exercised.
	h := task.HeaderOf(jh)
	for !h.State().IsJoinWakerSet() {
		waitABit()
	}
	f.Open()
	s.RunUntilIdle()
	if r := <-done; r.err != nil || r.v != 7 {
		t.Fatalf("Join = (%d, %v), want (7, nil)", r.v, r.err)
	}
}

// TestJoinObservesTaskWrites checks the documented ordering: the task's last
// poll (and the Drop of its future) happens before Join returns. Under -race
// a missing edge is reported as a data race on the plain variables.
func TestJoinObservesTaskWrites(t *testing.T) {
	s := newTestSched(t, 1)
	var written, droppedFlag int // plain variables, written by the task
	jh := spawn(s, future.PollFunc(func(cx *future.Context) (int, bool) {
		written = 1
		return 5, true
	}))
	g := &gateFuture{onDrop: func() { droppedFlag = 1 }, open: true}
	jh2 := spawn(s, g)
	ran := make(chan struct{})
	go func() { // the tasks run on another goroutine
		defer close(ran)
		s.RunUntilIdle()
	}()
	defer func() { <-ran }()
	if v, err := jh.BlockingJoin(context.Background()); err != nil || v != 5 {
		t.Fatalf("Join = (%d, %v)", v, err)
	}
	if _, err := jh2.BlockingJoin(context.Background()); err != nil {
		t.Fatalf("Join: %v", err)
	}
	if written != 1 || droppedFlag != 1 {
		t.Fatalf("task writes not visible after Join: written=%d dropped=%d", written, droppedFlag)
	}
}

func TestJoinWithDoneContextReturnsCtxErrAndLaterJoinGetsOutput(t *testing.T) {
	s := newTestSched(t, 1)
	f := &gateFuture{value: 3}
	jh := spawn(s, f)
	s.RunUntilIdle()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := jh.BlockingJoin(ctx); err != context.Canceled {
		t.Fatalf("Join(cancelled ctx) err = %v, want context.Canceled", err)
	}
	dctx, dcancel := context.WithDeadline(context.Background(), deadlineInThePast())
	defer dcancel()
	if _, err := jh.BlockingJoin(dctx); err != context.DeadlineExceeded {
		t.Fatalf("Join(expired ctx) err = %v, want context.DeadlineExceeded", err)
	}
	if jh.IsFinished() {
		t.Fatal("task finished although only Join's context ended")
	}
	f.Open()
	s.RunUntilIdle()
	if v, err := jh.BlockingJoin(context.Background()); err != nil || v != 3 {
		t.Fatalf("later Join = (%d, %v), want (3, nil)", v, err)
	}
	if r := refs(jh); r != 0 {
		t.Errorf("refs = %d, want 0", r)
	}
}

func TestJoinOfCompleteTaskWithDoneContextReturnsOutput(t *testing.T) {
	// Join returns ctx.Err() only when the context ends first: a complete
	// task's output is returned even with a dead context.
	s := newTestSched(t, 1)
	jh := spawn(s, future.Ready(1))
	s.RunUntilIdle()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if v, err := jh.BlockingJoin(ctx); err != nil || v != 1 {
		t.Fatalf("Join = (%d, %v), want (1, nil)", v, err)
	}
}

func TestSecondJoinReturnsErrAlreadyJoined(t *testing.T) {
	s := newTestSched(t, 1)
	jh := spawn(s, future.Ready(1))
	s.RunUntilIdle()
	if _, err := jh.BlockingJoin(context.Background()); err != nil {
		t.Fatal(err)
	}
	if v, err := jh.BlockingJoin(context.Background()); err != task.ErrAlreadyJoined || v != 0 {
		t.Fatalf("second Join = (%d, %v), want (0, ErrAlreadyJoined)", v, err)
	}
	r, ok := pollOnce[future.Result[int]](jh, &wakeCounter{})
	if !ok || r.Err != task.ErrAlreadyJoined {
		t.Fatalf("Poll after Join = (%v, %v), want ready with ErrAlreadyJoined", r, ok)
	}
	jh.Detach() // a no-op on a joined handle
	if _, err := jh.BlockingJoin(context.Background()); err != task.ErrAlreadyJoined {
		t.Fatalf("Join after Detach of a joined handle = %v, want ErrAlreadyJoined", err)
	}
}

func TestJoinAfterDetachReturnsErrDetached(t *testing.T) {
	s := newTestSched(t, 1)
	jh := spawn(s, future.Ready(1))
	jh.Detach()
	r, ok := pollOnce[future.Result[int]](jh, &wakeCounter{})
	if !ok || r.Err != task.ErrDetached {
		t.Fatalf("Poll after Detach = (%v, %v), want ready with ErrDetached", r, ok)
	}
	if _, err := jh.BlockingJoin(context.Background()); err != task.ErrDetached {
		t.Fatalf("Join after Detach = %v, want ErrDetached", err)
	}
	s.RunUntilIdle()
	if _, err := jh.BlockingJoin(context.Background()); err != task.ErrDetached {
		t.Fatalf("Join after Detach and completion = %v, want ErrDetached", err)
	}
}

// TestDetachNeverPolledTakesFastPath checks Detach on a task that nothing has
// happened to: one CAS drops the handle's reference and join interest, and
// the task still runs, dropping its output itself.
func TestDetachNeverPolledTakesFastPath(t *testing.T) {
	s := newTestSched(t, 1)
	rec := &comboRecord{}
	jh := spawn(s, future.Ready(comboOutput{value: 1, rec: rec}))
	h := task.HeaderOf(jh)
	if st := h.State(); st.String() != "NOTIFIED|JOIN_INTEREST refs=3" {
		t.Fatalf("spawned state %v", st)
	}
	jh.Detach()
	if st := h.State(); st.String() != "NOTIFIED refs=2" {
		t.Fatalf("state after fast Detach = %v, want NOTIFIED refs=2", st)
	}
	s.RunUntilIdle()
	if rec.outputDrops != 1 {
		t.Errorf("output dropped %d times, want 1 (by the completing task)", rec.outputDrops)
	}
	if st := h.State(); st.RefCount() != 0 || !st.IsComplete() {
		t.Errorf("final state %v", st)
	}
}

// TestDetachAfterPollTakesSlowPath checks Detach on a task that was polled and
// whose join waker is registered: the handle takes its waker back (it is never
// woken) and the task drops the output when it completes.
func TestDetachAfterPollTakesSlowPath(t *testing.T) {
	s := newTestSched(t, 1)
	rec := &comboRecord{}
	out := comboOutput{value: 1, rec: rec}
	g := &gateFuture{}
	f := future.Map[int, comboOutput](g, func(int) comboOutput { return out })
	jh := spawn(s, f)
	var jw wakeCounter
	pollOnce[future.Result[comboOutput]](jh, &jw)
	s.RunUntilIdle()
	h := task.HeaderOf(jh)
	if st := h.State(); st.String() != "JOIN_INTEREST|JOIN_WAKER refs=2" {
		t.Fatalf("state before Detach = %v", st)
	}
	jh.Detach()
	if st := h.State(); st.String() != "IDLE refs=1" {
		t.Fatalf("state after slow Detach = %v, want IDLE refs=1", st)
	}
	g.Open()
	s.RunUntilIdle()
	if rec.outputDrops != 1 || g.drops != 1 {
		t.Errorf("output dropped %d times, future %d times; want 1 and 1", rec.outputDrops, g.drops)
	}
	if jw.Count() != 0 {
		t.Errorf("join waker of a detached handle woken %d times", jw.Count())
	}
	if st := h.State(); st.RefCount() != 0 {
		t.Errorf("final state %v", st)
	}
}

func TestDetachAfterCompletionDropsOutputNow(t *testing.T) {
	s := newTestSched(t, 1)
	rec := &comboRecord{outputPanics: true}
	jh := spawn(s, future.Ready(comboOutput{value: 1, rec: rec}))
	s.RunUntilIdle()
	if rec.outputDrops != 0 {
		t.Fatal("output dropped while the handle could still read it")
	}
	noPanic(t, "Detach", jh.Detach) // the output's Drop panics; Detach swallows it
	if rec.outputDrops != 1 {
		t.Errorf("output dropped %d times, want 1", rec.outputDrops)
	}
	if r := refs(jh); r != 0 {
		t.Errorf("refs = %d, want 0", r)
	}
	jh.Detach() // second Detach: nothing happens
	if rec.outputDrops != 1 {
		t.Errorf("second Detach dropped the output again")
	}
}

func TestAbortAfterCompletionIsNoop(t *testing.T) {
	s := newTestSched(t, 1)
	jh := spawn(s, future.Ready(9))
	s.RunUntilIdle()
	h := task.HeaderOf(jh)
	before, calls := h.State(), s.counters()
	jh.Abort()
	jh.AbortHandle().Abort()
	if h.State() != before || s.counters() != calls {
		t.Fatalf("abort of a complete task changed state %v -> %v or scheduler calls %v -> %v",
			before, h.State(), calls, s.counters())
	}
	if v, err := jh.BlockingJoin(context.Background()); err != nil || v != 9 {
		t.Fatalf("Join after late abort = (%d, %v), want (9, nil)", v, err)
	}
}

func TestJoinHandleUsedByTwoGoroutinesPanics(t *testing.T) {
	s := newTestSched(t, 1)
	f := &gateFuture{value: 1}
	jh := spawn(s, f)
	s.RunUntilIdle()

	done := make(chan error)
	go func() {
		_, err := jh.BlockingJoin(context.Background())
		done <- err
	}()
	// The first joiner is inside Join once its waker is registered.
	h := task.HeaderOf(jh)
	for !h.State().IsJoinWakerSet() {
		waitABit()
	}
	for _, use := range []struct {
		name string
		fn   func()
	}{
		{"Join", func() { jh.BlockingJoin(context.Background()) }},
		{"Poll", func() { pollOnce[future.Result[int]](jh, &wakeCounter{}) }},
		{"Detach", jh.Detach},
	} {
		v := mustPanic(t, use.fn)
		if msg := panicText(v); msg != "task: JoinHandle used by two goroutines at once" {
			t.Errorf("concurrent %s panicked with %q", use.name, msg)
		}
	}
	// The first Join is unaffected and gets the output.
	f.Open()
	s.RunUntilIdle()
	if err := <-done; err != nil {
		t.Fatalf("first Join: %v", err)
	}
}

// TestJoinHandleAwaitedByAnotherTask uses a JoinHandle as a future inside a
// task, the way a user awaits one.
func TestJoinHandleAwaitedByAnotherTask(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{value: 11}
	inner := spawn(s, g)
	outer := spawn(s, future.Map[future.Result[int], int](inner, func(r future.Result[int]) int {
		if r.Err != nil {
			return -1
		}
		return r.Value * 2
	}))
	s.RunUntilIdle()
	if outer.IsFinished() {
		t.Fatal("outer finished before inner")
	}
	g.Open()
	s.RunUntilIdle()
	if v, err := outer.BlockingJoin(context.Background()); err != nil || v != 22 {
		t.Fatalf("outer = (%d, %v), want (22, nil)", v, err)
	}
	if _, err := inner.BlockingJoin(context.Background()); err != task.ErrAlreadyJoined {
		t.Fatalf("inner Join after the outer task took it: %v", err)
	}
	if refs(inner) != 0 || refs(outer) != 0 {
		t.Errorf("refs inner=%d outer=%d, want 0", refs(inner), refs(outer))
	}
}

func TestJoinHandlePollReplacesWaker(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{value: 1}
	jh := spawn(s, g)
	s.RunUntilIdle()
	var a, b wakeCounter
	if _, ok := pollOnce[future.Result[int]](jh, &a); ok {
		t.Fatal("ready before completion")
	}
	h := task.HeaderOf(jh)
	st := h.State()
	// The same waker again: nothing changes.
	pollOnce[future.Result[int]](jh, &a)
	if h.State() != st {
		t.Fatalf("re-polling with the same waker changed the state %v -> %v", st, h.State())
	}
	// Another waker replaces it.
	pollOnce[future.Result[int]](jh, &b)
	g.Open()
	s.RunUntilIdle()
	if a.Count() != 0 || b.Count() != 1 {
		t.Fatalf("wakes: old waker %d, new waker %d; want 0 and 1", a.Count(), b.Count())
	}
	r, ok := pollOnce[future.Result[int]](jh, &b)
	if !ok || r.Err != nil || r.Value != 1 {
		t.Fatalf("Poll after completion = (%v, %v)", r, ok)
	}
}

func TestJoinHandlePollRespectsBudget(t *testing.T) {
	s := newTestSched(t, 1)
	jh := spawn(s, future.Ready(1))
	s.RunUntilIdle()
	var w wakeCounter
	cx := future.NewContext(w.Waker())
	futurecx.SetBudget(cx, 0)
	if _, ok := jh.Poll(cx); ok {
		t.Fatal("Poll completed with no budget left")
	}
	if w.Count() != 1 {
		t.Fatalf("budget-exhausted Poll woke the caller %d times, want 1", w.Count())
	}
	futurecx.SetBudget(cx, 1)
	if r, ok := jh.Poll(cx); !ok || r.Value != 1 {
		t.Fatalf("Poll with budget = (%v, %v)", r, ok)
	}
	if left, _ := cx.Budget(); left != 0 {
		t.Fatalf("ready Poll left %d units, want 0 (it consumes one)", left)
	}

	// A Pending poll gives its unit back.
	jh2 := spawn(s, &gateFuture{})
	s.RunUntilIdle()
	futurecx.SetBudget(cx, 5)
	if _, ok := jh2.Poll(cx); ok {
		t.Fatal("ready")
	}
	if left, _ := cx.Budget(); left != 5 {
		t.Fatalf("pending Poll left %d units, want 5", left)
	}
	jh2.Abort()
	s.RunUntilIdle()
}

// TestIsFinishedMeansFutureDropped checks that COMPLETE becomes visible only
// after the future's Drop has returned.
func TestIsFinishedMeansFutureDropped(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{open: true}
	var jh *task.JoinHandle[int]
	finishedInDrop := true
	g.onDrop = func() { finishedInDrop = jh.IsFinished() || jh.AbortHandle().IsFinished() }
	jh = spawn(s, g)
	s.RunUntilIdle()
	if finishedInDrop {
		t.Fatal("IsFinished reported true while the future's Drop was running")
	}
	if !jh.IsFinished() {
		t.Fatal("not finished after completion")
	}
	jh.Detach()
}

func TestJoinHandleIDMatchesTask(t *testing.T) {
	s := newTestSched(t, 1)
	jh := spawn(s, future.Ready(0))
	if jh.ID() == 0 || jh.ID() != task.HeaderOf(jh).ID() || jh.AbortHandle().ID() != jh.ID() {
		t.Fatalf("IDs: handle %v header %v abort handle %v", jh.ID(), task.HeaderOf(jh).ID(), jh.AbortHandle().ID())
	}
	s.RunUntilIdle()
}

func TestJoinOfPanickedTaskReturnsJoinError(t *testing.T) {
	s := newTestSched(t, 1)
	jh := spawn(s, future.PollFunc(func(*future.Context) (int, bool) { panic("boom") }))
	s.RunUntilIdle()
	_, err := jh.BlockingJoin(context.Background())
	var je *task.JoinError
	if !errors.As(err, &je) || !je.IsPanic() || je.PanicValue() != "boom" {
		t.Fatalf("Join err = %v, want a panic JoinError with value boom", err)
	}
	if !strings.Contains(err.Error(), "boom") {
		t.Errorf("Error() = %q", err.Error())
	}
}

// A JoinHandle dropped as a future (the losing side of a select, a timed-out
// wait) is detached: its task runs on and its output is dropped when it
// completes. Dropping after a join changes nothing.
func TestJoinHandleDropDetaches(t *testing.T) {
	s := newTestSched(t, 1)
	jh, n, _ := task.Bind(s.owned, &gateFuture{}, s, task.Options{})
	s.Schedule(n)
	s.RunUntilIdle()
	var f future.Future[future.Result[int]] = jh
	future.Drop(f)
	if _, err := jh.BlockingJoin(context.Background()); !errors.Is(err, task.ErrDetached) {
		t.Fatalf("Join after Drop: %v, want ErrDetached", err)
	}
	jh2, n2, _ := task.Bind(s.owned, future.Ready(3), s, task.Options{})
	s.Schedule(n2)
	s.RunUntilIdle()
	if v, err := jh2.BlockingJoin(context.Background()); err != nil || v != 3 {
		t.Fatalf("Join: %v %v", v, err)
	}
	future.Drop(jh2) // after the join: nothing happens
	if _, err := jh2.BlockingJoin(context.Background()); !errors.Is(err, task.ErrAlreadyJoined) {
		t.Fatalf("Join after join and Drop: %v", err)
	}
}

// Every method of a nil *JoinHandle used to be a bare nil-pointer
// dereference; now each says which method was called on a nil handle.
func TestNilJoinHandleMethodsPanicWithAMessage(t *testing.T) {
	var jh *task.JoinHandle[int]
	calls := map[string]func(){
		"Join":        func() { _, _ = jh.BlockingJoin(context.Background()) },
		"Poll":        func() { jh.Poll(future.NewContext(future.Noop())) },
		"Abort":       func() { jh.Abort() },
		"AbortHandle": func() { jh.AbortHandle() },
		"IsFinished":  func() { jh.IsFinished() },
		"ID":          func() { jh.ID() },
		"Detach":      func() { jh.Detach() },
		"Drop":        func() { jh.Drop() },
	}
	for name, call := range calls {
		v := mustPanic(t, call)
		if s, _ := v.(string); !strings.HasPrefix(s, "task: ") || !strings.Contains(s, "nil *JoinHandle") {
			t.Errorf("%s on a nil handle panicked with %v, want a task: message about the nil handle", name, v)
		}
	}
	if s := jh.String(); s != "JoinHandle(nil)" {
		t.Errorf("String of a nil handle = %q", s)
	}
}

// Join(nil) reached ctx.Done() inside the wait: a nil-interface panic. Now
// it panics at once with a message, and leaves the handle usable.
func TestJoinWithNilContextPanicsWithAMessage(t *testing.T) {
	s := newTestSched(t, 1)
	jh := spawn(s, &gateFuture{open: true, value: 4})
	//lint:ignore SA1012 the nil context is what is tested
	v := mustPanic(t, func() { _, _ = jh.BlockingJoin(nil) })
	if msg, _ := v.(string); !strings.HasPrefix(msg, "task: BlockingJoin with a nil context") {
		t.Fatalf("Join(nil) panicked with %v", v)
	}
	s.RunUntilIdle()
	if got, err := jh.BlockingJoin(context.Background()); err != nil || got != 4 {
		t.Fatalf("Join after the refused Join(nil) = %d, %v; want 4", got, err)
	}
}

// TestJoinHandleIDSurvivesUseJoinAndDetach checks that a handle reports its
// task's ID from any goroutine while another uses it (the ID shares a word
// with the busy flag and the handle's state), and after it joined or
// detached.
func TestJoinHandleIDSurvivesUseJoinAndDetach(t *testing.T) {
	s := newTestSched(t, 1)
	f := &gateFuture{value: 1}
	jh := spawn(s, f)
	other := spawn(s, future.Ready(2))
	id, otherID := jh.ID(), other.ID()
	s.RunUntilIdle()
	done := make(chan error)
	go func() {
		_, err := jh.BlockingJoin(context.Background())
		done <- err
	}()
	for !task.HeaderOf(jh).State().IsJoinWakerSet() {
		waitABit()
	}
	if jh.ID() != id || jh.AbortHandle().ID() != id || jh.IsFinished() {
		t.Fatalf("during a join: ID %v, abort handle's %v, finished %v; want %v, %v, false", jh.ID(), jh.AbortHandle().ID(), jh.IsFinished(), id, id)
	}
	f.Open()
	s.RunUntilIdle()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	other.Detach()
	if jh.ID() != id || other.ID() != otherID || !jh.IsFinished() {
		t.Fatalf("after join and detach: IDs %v, %v, want %v, %v", jh.ID(), other.ID(), id, otherID)
	}
	if _, err := jh.BlockingJoin(context.Background()); err != task.ErrAlreadyJoined {
		t.Fatalf("second join = %v, want ErrAlreadyJoined", err)
	}
	if _, err := other.BlockingJoin(context.Background()); err != task.ErrDetached {
		t.Fatalf("join after detach = %v, want ErrDetached", err)
	}
}

package task_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// joinErr runs the scheduler until idle and returns the task's JoinError.
func joinErr[T any](t *testing.T, s *testSched, jh *task.JoinHandle[T]) *task.JoinError {
	t.Helper()
	s.RunUntilIdle()
	_, err := jh.BlockingJoin(context.Background())
	var je *task.JoinError
	if !errors.As(err, &je) {
		t.Fatalf("Join err = %v (%T), want a *task.JoinError", err, err)
	}
	if err != error(je) {
		t.Fatalf("Join returned a wrapped JoinError: %v", err)
	}
	return je
}

func TestJoinErrorCancelled(t *testing.T) {
	s := newTestSched(t, 1)
	jh := spawn(s, &gateFuture{})
	jh.Abort()
	je := joinErr(t, s, jh)
	if !je.IsCancelled() || je.IsPanic() || je.PanicValue() != nil || je.Stack() != nil || je.Cause() != nil {
		t.Fatalf("cancelled: IsCancelled %v IsPanic %v PanicValue %v Stack %q Cause %v",
			je.IsCancelled(), je.IsPanic(), je.PanicValue(), je.Stack(), je.Cause())
	}
	if je.ID() != jh.ID() {
		t.Errorf("ID %v, want %v", je.ID(), jh.ID())
	}
	if !errors.Is(je, task.ErrCancelled) || errors.Is(je, task.ErrPanicked) {
		t.Errorf("errors.Is: ErrCancelled %v, ErrPanicked %v", errors.Is(je, task.ErrCancelled), errors.Is(je, task.ErrPanicked))
	}
	if errors.Unwrap(je) != nil {
		t.Errorf("Unwrap of a cause-less cancellation = %v", errors.Unwrap(je))
	}
	want := fmt.Sprintf("task %d was cancelled", jh.ID())
	if je.Error() != want {
		t.Errorf("Error() = %q, want %q", je.Error(), want)
	}
	if got := fmt.Sprintf("%+v", je); got != want {
		t.Errorf("%%+v of a cancellation = %q, want %q (no stack)", got, want)
	}
}

// shutdownCause is a cause with its own type, to check errors.As through the
// JoinError.
type shutdownCause struct{ reason string }

func (c *shutdownCause) Error() string { return "shutdown: " + c.reason }

func TestJoinErrorCancelledWithCause(t *testing.T) {
	s := newTestSched(t, 1)
	jh := spawn(s, &gateFuture{})
	cause := &shutdownCause{"test over"}
	s.Shutdown(0, cause)
	je := joinErr(t, s, jh)
	if !je.IsCancelled() || je.Cause() != cause {
		t.Fatalf("IsCancelled %v Cause %v, want true and %v", je.IsCancelled(), je.Cause(), cause)
	}
	if !errors.Is(je, task.ErrCancelled) || !errors.Is(je, cause) {
		t.Errorf("errors.Is: ErrCancelled %v, cause %v", errors.Is(je, task.ErrCancelled), errors.Is(je, cause))
	}
	var sc *shutdownCause
	if !errors.As(je, &sc) || sc != cause {
		t.Errorf("errors.As to the cause type failed")
	}
	want := fmt.Sprintf("task %d was cancelled: shutdown: test over", jh.ID())
	if je.Error() != want {
		t.Errorf("Error() = %q, want %q", je.Error(), want)
	}
}

func panickingTask() (int, bool) {
	panic("kaboom")
}

func TestJoinErrorPanicWithString(t *testing.T) {
	s := newTestSched(t, 1)
	jh := spawn(s, future.PollFunc(func(*future.Context) (int, bool) { return panickingTask() }))
	je := joinErr(t, s, jh)
	if !je.IsPanic() || je.IsCancelled() || je.PanicValue() != "kaboom" || je.Cause() != nil {
		t.Fatalf("panic: IsPanic %v IsCancelled %v PanicValue %v Cause %v", je.IsPanic(), je.IsCancelled(), je.PanicValue(), je.Cause())
	}
	if !errors.Is(je, task.ErrPanicked) || errors.Is(je, task.ErrCancelled) {
		t.Errorf("errors.Is: ErrPanicked %v, ErrCancelled %v", errors.Is(je, task.ErrPanicked), errors.Is(je, task.ErrCancelled))
	}
	if errors.Unwrap(je) != nil {
		t.Errorf("Unwrap of a non-error panic value = %v, want nil", errors.Unwrap(je))
	}
	stack := string(je.Stack())
	if !strings.HasPrefix(stack, "goroutine ") || !strings.Contains(stack, "task_test.panickingTask") {
		t.Errorf("Stack does not show the panicking function:\n%s", stack)
	}
	if len(s.Panics()) != 1 || s.Panics()[0] != je {
		t.Errorf("UnhandledPanic got %v, want exactly the Join error", s.Panics())
	}

	// Formatting: one line for %v and %s, the stack after a blank line for %+v.
	line := fmt.Sprintf("task %d panicked: kaboom", jh.ID())
	for _, verb := range []string{"%v", "%s"} {
		if got := fmt.Sprintf(verb, je); got != line {
			t.Errorf("%s = %q, want %q", verb, got, line)
		}
	}
	if got := fmt.Sprintf("%+v", je); got != line+"\n\n"+stack {
		t.Errorf("%%+v = %q, want the line, a blank line and the stack", got)
	}
	if got := fmt.Sprintf("%q", je); got != fmt.Sprintf("%q", line) {
		t.Errorf("%%q = %s", got)
	}
	if got := fmt.Sprintf("%d", je); got != "%!d(*task.JoinError="+line+")" {
		t.Errorf("%%d = %s", got)
	}
}

func TestJoinErrorPanicWithErrorUnwraps(t *testing.T) {
	s := newTestSched(t, 1)
	perr := fmt.Errorf("open config: %w", fs.ErrNotExist)
	jh := spawn(s, future.PollFunc(func(*future.Context) (int, bool) { panic(perr) }))
	je := joinErr(t, s, jh)
	if je.PanicValue() != perr || errors.Unwrap(je) != perr {
		t.Fatalf("PanicValue %v Unwrap %v, want %v", je.PanicValue(), errors.Unwrap(je), perr)
	}
	if !errors.Is(je, fs.ErrNotExist) || !errors.Is(je, task.ErrPanicked) {
		t.Errorf("errors.Is through the panic value: %v, ErrPanicked: %v", errors.Is(je, fs.ErrNotExist), errors.Is(je, task.ErrPanicked))
	}
}

func TestJoinErrorPanicNil(t *testing.T) {
	// panic(nil) is a *runtime.PanicNilError since Go 1.21; it must not be
	// mistaken for runtime.Goexit.
	s := newTestSched(t, 1)
	jh := spawn(s, future.PollFunc(func(*future.Context) (int, bool) { panic(nil) }))
	je := joinErr(t, s, jh)
	var pn *runtime.PanicNilError
	if !je.IsPanic() || !errors.As(je, &pn) {
		t.Fatalf("panic(nil): PanicValue %v (%T), want *runtime.PanicNilError", je.PanicValue(), je.PanicValue())
	}
}

// TestGoexitInPollCompletesTaskWithPanic runs the poll on a goroutine of its
// own, since runtime.Goexit ends it: the task must still complete, with a panic
// JoinError whose value is ErrGoexit, so that its JoinHandle does not hang.
func TestGoexitInPollCompletesTaskWithPanic(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{open: true}
	var polled, returned bool
	g.onPoll = func(*future.Context) { polled = true; runtime.Goexit() }
	jh := spawn(s, g)
	n, ok := s.pop()
	if !ok {
		t.Fatal("nothing queued")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.owned.AssertOwner(n).Run(future.NewContext(future.Noop()))
		returned = true
	}()
	<-done
	if !polled || returned {
		t.Fatalf("polled %v, Run returned %v; want true, false", polled, returned)
	}
	if !jh.IsFinished() {
		t.Fatalf("task not complete after Goexit: %v", task.HeaderOf(jh).State())
	}
	je := joinErr(t, s, jh)
	if !je.IsPanic() || je.PanicValue() != task.ErrGoexit || !errors.Is(je, task.ErrGoexit) {
		t.Fatalf("JoinError %v, want a panic with ErrGoexit", je)
	}
	if g.drops != 1 {
		t.Errorf("future dropped %d times, want 1", g.drops)
	}
	if s.ListLen() != 0 || refs(jh) != 0 {
		t.Errorf("list %d refs %d, want 0 and 0", s.ListLen(), refs(jh))
	}
	if len(s.Panics()) != 1 {
		t.Errorf("UnhandledPanic called %d times, want 1", len(s.Panics()))
	}
}

// onOwnGoroutine runs fn on a goroutine of its own (runtime.Goexit ends it)
// and reports whether fn returned.
func onOwnGoroutine(fn func()) (returned bool) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
		returned = true
	}()
	<-done
	return returned
}

// mustFinishWithGoexit checks that the task completed with a panic JoinError
// for ErrGoexit and let go of everything.
func mustFinishWithGoexit(t *testing.T, s *testSched, jh *task.JoinHandle[int], g *gateFuture) {
	t.Helper()
	if !jh.IsFinished() {
		t.Fatalf("task not complete after Goexit in Drop: %v", task.HeaderOf(jh).State())
	}
	je := joinErr(t, s, jh)
	if !je.IsPanic() || !errors.Is(je, task.ErrGoexit) {
		t.Fatalf("JoinError %v, want a panic with ErrGoexit", je)
	}
	if g.drops != 1 {
		t.Errorf("future dropped %d times, want 1", g.drops)
	}
	if s.ListLen() != 0 || refs(jh) != 0 {
		t.Errorf("list %d refs %d, want 0 and 0", s.ListLen(), refs(jh))
	}
}

// A Drop that calls runtime.Goexit while an abort cancels the task used to
// leave the task RUNNING for ever: the cancel path never reached complete,
// so the JoinHandle never resolved.
func TestGoexitInDropDuringAbortCompletesTask(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{onDrop: runtime.Goexit}
	jh := spawn(s, g)
	s.RunUntilIdle() // pending
	jh.Abort()
	n, ok := s.pop()
	if !ok {
		t.Fatal("abort queued nothing")
	}
	if onOwnGoroutine(func() { s.owned.AssertOwner(n).Run(s.cx) }) {
		t.Fatal("Run returned although Drop called runtime.Goexit")
	}
	mustFinishWithGoexit(t, s, jh, g)
}

// The same on the shutdown path (CloseAndShutdownAll): the task whose Drop
// exits is completed, and a second shutdown call, as a scheduler's
// replacement goroutine makes, shuts the other tasks down.
func TestGoexitInDropDuringShutdownCompletesTask(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{onDrop: runtime.Goexit}
	jh := spawn(s, g)
	other := spawn(s, &gateFuture{})
	s.RunUntilIdle()
	if onOwnGoroutine(func() { s.owned.CloseAndShutdownAll(0, nil) }) {
		t.Fatal("CloseAndShutdownAll returned although a Drop called runtime.Goexit")
	}
	// The replacement goroutine's call: it shuts down what is left.
	s.owned.CloseAndShutdownAll(0, nil)
	mustFinishWithGoexit(t, s, jh, g)
	if _, err := other.BlockingJoin(context.Background()); !errors.Is(err, task.ErrCancelled) {
		t.Fatalf("other task: %v, want a cancellation", err)
	}
}

// A Poll that panics, then a Drop that calls runtime.Goexit: the task
// completes with the Poll's panic, the cause worth reporting.
func TestGoexitInDropAfterPollPanicCompletesTask(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{onPoll: func(*future.Context) { panic("boom") }, onDrop: runtime.Goexit}
	jh := spawn(s, g)
	n, _ := s.pop()
	if onOwnGoroutine(func() { s.owned.AssertOwner(n).Run(s.cx) }) {
		t.Fatal("Run returned although Drop called runtime.Goexit")
	}
	if !jh.IsFinished() {
		t.Fatalf("task not complete: %v", task.HeaderOf(jh).State())
	}
	je := joinErr(t, s, jh)
	if !je.IsPanic() || je.PanicValue() != "boom" {
		t.Fatalf("JoinError %v, want the Poll's panic", je)
	}
	if g.drops != 1 || s.ListLen() != 0 || refs(jh) != 0 {
		t.Errorf("drops %d list %d refs %d, want 1, 0, 0", g.drops, s.ListLen(), refs(jh))
	}
}

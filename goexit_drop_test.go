package weft_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// exitOnDrop never completes, and its Drop calls runtime.Goexit, as
// t.FailNow in a test helper's cleanup does. polled is closed at its first
// poll.
type exitOnDrop struct {
	polled chan struct{}
	once   sync.Once
}

func newExitOnDrop() *exitOnDrop { return &exitOnDrop{polled: make(chan struct{})} }

func (f *exitOnDrop) Poll(*future.Context) (int, bool) {
	f.once.Do(func() { close(f.polled) })
	return 0, false
}

func (f *exitOnDrop) Drop() { runtime.Goexit() }

// driveInBackground runs a BlockOn that waits for stop on a goroutine of
// its own, so that a current-thread runtime runs its tasks; the returned
// channel is closed when that goroutine has ended, by returning or by
// runtime.Goexit.
func driveInBackground(rt *weft.Runtime) (stop func(), ended <-chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = weft.BlockOn(ctx, rt, &gate{})
	}()
	return cancel, done
}

// mustJoinGoexit joins h from the test goroutine and checks that the task
// failed with ErrGoexit.
func mustJoinGoexit[T any](t *testing.T, h *task.JoinHandle[T]) {
	t.Helper()
	_, err := h.BlockingJoin(context.Background())
	var je *task.JoinError
	if !errors.As(err, &je) || !je.IsPanic() || !errors.Is(err, task.ErrGoexit) {
		t.Fatalf("Join = %v, want a panic JoinError for ErrGoexit", err)
	}
}

// mustStillRun checks that the runtime still runs tasks after a goroutine
// of it was lost to runtime.Goexit.
func mustStillRun(t *testing.T, rt *weft.Runtime) {
	t.Helper()
	h := weft.Spawn(rt, fn[int](func(*future.Context) int { return 7 }))
	r, err := weft.BlockOn(context.Background(), rt, h)
	if err != nil || r.Err != nil || r.Value != 7 {
		t.Fatalf("after the Goexit: BlockOn = %+v, %v; want 7", r, err)
	}
}

// An abort cancels the task on a worker (or the current-thread driver); the
// future's Drop calls runtime.Goexit. The JoinHandle used to wait for ever.
func TestGoexitInDropDuringAbortResolvesJoinHandle(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		stop, ended := driveInBackground(rt)
		f := newExitOnDrop()
		h := weft.Spawn(rt, f)
		<-f.polled
		h.Abort()
		mustJoinGoexit(t, h)
		stop()
		<-ended // returned (multi-thread), or exited with the task (current-thread)
		mustStillRun(t, rt)
	})
}

// Close cancels every task; one Drop calls runtime.Goexit on the goroutine
// that shuts the tasks down. Close used to hang (current-thread) and that
// task's JoinHandle to wait for ever (both flavours); now Close returns and
// every handle resolves.
func TestGoexitInDropDuringShutdownResolvesJoinHandles(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt, err := weft.New(opts...)
		if err != nil {
			t.Fatal(err)
		}
		var gates []*task.JoinHandle[struct{}]
		for range 3 {
			gates = append(gates, weft.Spawn(rt, &gate{}))
		}
		h := weft.Spawn(rt, newExitOnDrop())
		for range 3 {
			gates = append(gates, weft.Spawn(rt, &gate{}))
		}
		if err := rt.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		mustJoinGoexit(t, h)
		for _, g := range gates {
			if _, err := g.BlockingJoin(context.Background()); !errors.Is(err, weft.ErrRuntimeShutdown) {
				t.Fatalf("gate task: %v, want a cancellation by the shutdown", err)
			}
		}
	})
}

// An Async body suspended in Await is unwound by an abort; a deferred call
// of the body calls runtime.Goexit while it unwinds, which iter.Pull passes
// on to the goroutine that dropped the future.
func TestGoexitInAsyncDeferWhileUnwindingResolvesJoinHandle(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		stop, ended := driveInBackground(rt)
		started := make(chan struct{})
		h := weft.Spawn(rt, weft.Async(func(a *weft.A) int {
			defer runtime.Goexit()
			close(started)
			weft.Await(a, &gate{})
			return 1
		}))
		<-started
		h.Abort()
		mustJoinGoexit(t, h)
		stop()
		<-ended
		mustStillRun(t, rt)
	})
}

// Closing a LocalSet cancels its tasks on the set's goroutine; one Drop
// calls runtime.Goexit there. The handle resolves (the cancel path
// completes the task while the goroutine unwinds) and Close returns (the
// set's loop carries on inside the deferred call the Goexit runs), and a
// second abort on a live set behaves the same.
func TestGoexitInDropDuringLocalSetCloseResolvesJoinHandle(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		ls := weft.NewLocalSet(rt)

		aborted := newExitOnDrop()
		ha := weft.SpawnLocal(ls, aborted)
		<-aborted.polled
		ha.Abort()
		mustJoinGoexit(t, ha)
		next := weft.SpawnLocal(ls, fn[int](func(*future.Context) int { return 7 }))
		if v, err := next.BlockingJoin(context.Background()); err != nil || v != 7 {
			t.Fatalf("after the Goexit in an aborted Drop the set ran its next task: %v, %v; want 7", v, err)
		}

		closing := newExitOnDrop()
		hc := weft.SpawnLocal(ls, closing)
		gate := weft.SpawnLocal(ls, &gate{})
		<-closing.polled
		closed := make(chan struct{})
		go func() { ls.Close(); close(closed) }()
		mustJoinGoexit(t, hc)
		if _, err := gate.BlockingJoin(context.Background()); !errors.Is(err, task.ErrCancelled) && !errors.Is(err, weft.ErrLocalSetClosed) {
			t.Fatalf("the other local task: %v, want a cancellation by the close", err)
		}
		<-closed // used to hang: the set's goroutine died in the Drop
		mustStillRun(t, rt)
	})
}

package rttest

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// Patience bounds every wait of these helpers. It is not a pacing delay:
// nothing waits for it to pass. A wait that reaches it means the condition
// never came (a lost wake-up, a leak), and the test fails saying which.
const Patience = 60 * time.Second

// Flavors runs fn once per scheduler flavor, as a subtest: a multi-thread
// runtime with 2 workers and a current-thread runtime.
func Flavors(t *testing.T, fn func(t *testing.T, opts ...weft.Option)) {
	t.Run("multi-thread", func(t *testing.T) { fn(t, weft.WithWorkers(2)) })
	t.Run("current-thread", func(t *testing.T) { fn(t, weft.WithCurrentThread()) })
}

// NewRuntime builds a runtime that is closed when the test ends.
func NewRuntime(t testing.TB, opts ...weft.Option) *weft.Runtime {
	t.Helper()
	rt, err := weft.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := rt.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return rt
}

// until is the future behind Until: ready once cond holds, otherwise it
// yields (wakes itself), so that a current-thread runtime runs its tasks in
// between.
type until struct{ cond func() bool }

func (u until) Poll(cx *future.Context) (struct{}, bool) {
	if u.cond() {
		return struct{}{}, true
	}
	// On a multi-thread runtime BlockOn polls on this goroutine: let the
	// workers have the processor before looking again.
	runtime.Gosched()
	cx.Waker().Wake()
	return struct{}{}, false
}

// Until drives rt (BlockOn) until cond holds, and fails the test when it does
// not hold within Patience. what says what was awaited. cond runs on the
// calling goroutine, between task polls on a current-thread runtime.
func Until(t testing.TB, rt *weft.Runtime, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Patience)
	defer cancel()
	if _, err := weft.BlockOn(ctx, rt, until{cond}); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// joinAll is the future behind JoinAll: it awaits each handle in turn.
type joinAll[T any] struct {
	hs   []*task.JoinHandle[T]
	vals []T
	errs []error
	i    int
}

func (j *joinAll[T]) Poll(cx *future.Context) (struct{}, bool) {
	for j.i < len(j.hs) {
		r, ok := j.hs[j.i].Poll(cx)
		if !ok {
			return struct{}{}, false
		}
		j.vals[j.i], j.errs[j.i] = r.Value, r.Err
		j.i++
	}
	return struct{}{}, true
}

// JoinAll awaits every handle on rt (driving a current-thread runtime while
// it waits) and returns their outputs and errors, index by index. It fails
// the test when they do not all finish within Patience.
func JoinAll[T any](t testing.TB, rt *weft.Runtime, hs []*task.JoinHandle[T]) ([]T, []error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Patience)
	defer cancel()
	j := &joinAll[T]{hs: hs, vals: make([]T, len(hs)), errs: make([]error, len(hs))}
	if _, err := weft.BlockOn(ctx, rt, j); err != nil {
		t.Fatalf("joining %d tasks (%d joined): %v", len(hs), j.i, err)
	}
	return j.vals, j.errs
}

// MustSucceed joins every handle and fails the test on the first error.
func MustSucceed[T any](t testing.TB, rt *weft.Runtime, hs []*task.JoinHandle[T]) []T {
	t.Helper()
	vals, errs := JoinAll(t, rt, hs)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("task %d: %v", i, err)
		}
	}
	return vals
}

// IsCancelled reports whether err is a JoinError of a cancelled task.
func IsCancelled(err error) bool {
	var je *task.JoinError
	return errors.As(err, &je) && je.IsCancelled() && errors.Is(err, task.ErrCancelled)
}

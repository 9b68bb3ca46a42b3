package blocking_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/blocking"
	"github.com/weftrt/weft/task"
)

// closureFn is a future that runs a function once, on its first poll: the
// shape of a weft.SpawnBlocking task.
type closureFn[T any] struct {
	f func() T
}

func (c *closureFn[T]) Poll(*future.Context) (T, bool) {
	f := c.f
	c.f = nil
	if f == nil {
		panic("closureFuture polled after completion")
	}
	return f(), true
}

// closureFuture returns a future whose first poll runs f and is ready with
// its result.
func closureFuture[T any](f func() T) future.Future[T] { return &closureFn[T]{f: f} }

// spawn creates a blocking task for f and spawns it on p. It returns the
// UnownedTask too, so that tests can inspect its state word.
func spawn[T any](p *blocking.Pool, f func() T) (*task.JoinHandle[T], task.UnownedTask, error) {
	ut, jh := task.NewUnowned(closureFuture(f), p.Scheduler(), task.Options{})
	err := p.Spawn(ut)
	return jh, ut, err
}

// mustSpawn is spawn for tests that expect the pool to accept the task.
func mustSpawn[T any](t testing.TB, p *blocking.Pool, f func() T) *task.JoinHandle[T] {
	t.Helper()
	jh, _, err := spawn(p, f)
	if err != nil {
		t.Fatalf("Spawn: %v", err)
	}
	return jh
}

// joinTimeout bounds every Join, so that a lost task fails its test instead
// of hanging the run. It is a guard, not a synchronisation.
const joinTimeout = time.Minute

// join waits for jh's result.
func join[T any](t testing.TB, jh *task.JoinHandle[T]) (T, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), joinTimeout)
	defer cancel()
	v, err := jh.BlockingJoin(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("task %d did not complete within %v", jh.ID(), joinTimeout)
	}
	return v, err
}

// joinValue waits for jh and fails the test unless it has an output.
func joinValue[T any](t testing.TB, jh *task.JoinHandle[T]) T {
	t.Helper()
	v, err := join(t, jh)
	if err != nil {
		t.Fatalf("task %d: unexpected error %v", jh.ID(), err)
	}
	return v
}

// joinCancelled waits for jh and fails the test unless the task was
// cancelled; it returns the JoinError.
func joinCancelled[T any](t testing.TB, jh *task.JoinHandle[T]) *task.JoinError {
	t.Helper()
	_, err := join(t, jh)
	var je *task.JoinError
	if !errors.As(err, &je) || !je.IsCancelled() || !errors.Is(err, task.ErrCancelled) {
		t.Fatalf("task %d: got %v, want a cancellation", jh.ID(), err)
	}
	return je
}

// shutdown shuts p down, waiting for ever, and checks that it reports all
// goroutines gone.
func shutdown(t testing.TB, p *blocking.Pool) {
	t.Helper()
	if !p.Shutdown(-1) {
		t.Fatal("Shutdown(-1) reported goroutines still alive")
	}
	if m := p.Metrics(); m.NumThreads != 0 || m.IdleThreads != 0 || m.QueueDepth != 0 || m.Running != 0 {
		t.Fatalf("after Shutdown: %+v", m)
	}
}

// gate is a closure body that tells the test it started and waits for
// release.
type gate struct {
	started chan struct{}
	release chan struct{}
}

func newGate() *gate {
	return &gate{started: make(chan struct{}, 64), release: make(chan struct{})}
}

func (g *gate) wait() {
	g.started <- struct{}{}
	<-g.release
}

// newPool returns a pool that is shut down when the test ends, also when it
// fails early (inside a synctest bubble, so that no pool goroutine outlives
// it).
func newPool(t testing.TB, cfg blocking.Config) *blocking.Pool {
	p := blocking.New(cfg)
	t.Cleanup(func() { p.Shutdown(-1) })
	return p
}

package weft_test

// Async bodies on a real runtime. A body runs on a coroutine goroutine of
// its own, not on the worker that polls it; these tests pin down that the
// runtime still treats what the body does as done by the worker: tasks it
// wakes go to that worker's queue, a YieldNow in the body lets them run
// first, and BlockOn from a body is refused as nested.

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/mpsc"
	"github.com/weftrt/weft/task"
)

// integCounter is a task that receives until the channel closes and
// publishes how many values it has received so far.
type integCounter struct {
	rx  *mpsc.Receiver[int]
	got *int // read by the sender's body on the same current-thread runtime
}

func (c *integCounter) Poll(cx *future.Context) (int, bool) {
	for {
		r, ok := c.rx.Recv().Poll(cx)
		if !ok {
			return 0, false
		}
		if r.Err != nil {
			return *c.got, true
		}
		*c.got++
	}
}

// On a current-thread runtime, a task woken by an Async body runs before
// the body's task polls again after a YieldNow: YieldNow puts the task at
// the back of the queue, behind the tasks it woke. (A wake from the body's
// coroutine goroutine used to be taken for a wake from another goroutine:
// the woken task went to the inject queue, which the driver looks at only
// every 31 ticks, so the yielding task ran again first.)
func TestIntegrationAsyncYieldLetsTheTasksItWokeRunFirst(t *testing.T) {
	const n = 200
	rt := rttest.NewRuntime(t, weft.WithCurrentThread())
	tx, rx := mpsc.NewUnbounded[int]()
	got := 0
	counter := weft.Spawn(rt, &integCounter{rx: rx, got: &got})
	sender := weft.Spawn(rt, weft.Async(func(a *weft.A) int {
		defer tx.Close()
		behind := 0
		for i := range n {
			_ = tx.Send(i)
			weft.Await(a, weft.YieldNow())
			if got != i+1 {
				behind++
			}
		}
		return behind
	}))
	if behind := rttest.MustSucceed(t, rt, []*task.JoinHandle[int]{sender})[0]; behind != 0 {
		t.Fatalf("after %d of %d yields the receiver had not run yet", behind, n)
	}
	if v := rttest.MustSucceed(t, rt, []*task.JoinHandle[int]{counter})[0]; v != n {
		t.Fatalf("received %d, want %d", v, n)
	}
}

// On a one-worker multi-thread runtime, the wakes an Async body makes are
// local schedules: the metric of remote schedules does not grow with them.
func TestIntegrationAsyncWakesOnAWorkerAreLocal(t *testing.T) {
	const n = 1000
	rt := rttest.NewRuntime(t, weft.WithWorkers(1))
	tx, rx := mpsc.New[int](1)
	got := 0
	counter := weft.Spawn(rt, &integCounter{rx: rx, got: &got})
	sender := weft.Spawn(rt, weft.Async(func(a *weft.A) error {
		defer tx.Close()
		for i := range n {
			if err := weft.Await(a, tx.Send(i)); err != nil {
				return err
			}
		}
		return nil
	}))
	if err := rttest.MustSucceed(t, rt, []*task.JoinHandle[error]{sender})[0]; err != nil {
		t.Fatal(err)
	}
	if v := rttest.MustSucceed(t, rt, []*task.JoinHandle[int]{counter})[0]; v != n {
		t.Fatalf("received %d, want %d", v, n)
	}
	// Two spawns from the test goroutine are remote; each of the n sends
	// woke the receiver from the body.
	if r := rt.Metrics().RemoteSchedules; r > 10 {
		t.Fatalf("%d remote schedules for %d wakes made on the worker by an Async body", r, n)
	}
}

// BlockOn called from an Async body inside a task is a nested BlockOn, as it
// is from a plain future's Poll: it must fail with ErrNestedBlockOn at once,
// not block the worker (which, on a current-thread runtime, deadlocks).
func TestIntegrationAsyncNestedBlockOnIsAnError(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		h := weft.Spawn(rt, weft.Async(func(a *weft.A) error {
			// The deadline only bounds the failure: a correct BlockOn
			// returns before it.
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_, err := weft.BlockOn(ctx, rt, future.Pending[int]())
			return err
		}))
		r, err := weft.BlockOn(context.Background(), rt, h)
		if err != nil || !errors.Is(r.Value, weft.ErrNestedBlockOn) {
			t.Fatalf("BlockOn inside an Async body returned %v (outer %v), want ErrNestedBlockOn", r.Value, err)
		}
	})
}

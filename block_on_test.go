package weft_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

// Tests of BlockOn's fast start (issue 13): a future that is ready at its
// first poll is polled directly, holding the core on a current-thread
// runtime, and with a recycled waiter on a multi-thread one.

func TestBlockOnOfAReadyFutureAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under -race: allocation counts mean nothing")
	}
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		for _, c := range []context.Context{context.Background(), ctx} {
			a := testing.AllocsPerRun(100, func() {
				if v, err := weft.BlockOn(c, rt, future.Ready(7)); err != nil || v != 7 {
					t.Fatalf("BlockOn = %d, %v", v, err)
				}
			})
			if a != 0 {
				t.Errorf("BlockOn of a ready future: %v allocations, want 0", a)
			}
		}
	})
}

// panicOnce panics at its first poll and is ready at the next.
type panicOnce struct{ polled bool }

func (p *panicOnce) Poll(*future.Context) (int, bool) {
	if !p.polled {
		p.polled = true
		panic("first poll")
	}
	return 1, true
}

func TestBlockOnPanicAtFirstPollLeavesTheRuntimeUsable(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		func() {
			defer func() {
				if r := recover(); r != "first poll" {
					t.Fatalf("recovered %v, want the future's panic", r)
				}
			}()
			weft.BlockOn(context.Background(), rt, &panicOnce{})
			t.Fatal("BlockOn returned instead of panicking")
		}()
		// The core (current-thread) was given back: tasks run again.
		h := weft.Spawn(rt, future.Ready(2))
		if r, err := weft.BlockOn(context.Background(), rt, h); err != nil || r.Value != 2 {
			t.Fatalf("BlockOn after the panic = %+v, %v", r, err)
		}
	})
}

// spawnThenCheck spawns a task at its first poll and wakes itself; its
// second poll reports whether the task has run.
type spawnThenCheck struct {
	ran     *atomic.Bool
	spawned bool
}

func (s *spawnThenCheck) Poll(cx *future.Context) (bool, bool) {
	if !s.spawned {
		s.spawned = true
		ran := s.ran
		weft.SpawnDetached(cx, fn[struct{}](func(*future.Context) struct{} {
			ran.Store(true)
			return struct{}{}
		}))
		cx.Waker().Wake()
		return false, false
	}
	return s.ran.Load(), true
}

// The first poll of the fast start is followed by the scheduler's loop, not
// by a second poll at once: tasks woken by that poll run first, as after any
// poll of the main future.
func TestCurrentThreadBlockOnRunsTasksBeforeThePollAfterAWake(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread())
	ran, err := weft.BlockOn(context.Background(), rt, &spawnThenCheck{ran: new(atomic.Bool)})
	if err != nil || !ran {
		t.Fatalf("BlockOn = %v, %v; want the spawned task to run before the second poll", ran, err)
	}
}

func TestCurrentThreadBlockOnInsideTheMainFutureIsAnError(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread())
	err, berr := weft.BlockOn(context.Background(), rt, fn[error](func(*future.Context) error {
		_, err := weft.BlockOn(context.Background(), rt, future.Ready(1))
		return err
	}))
	if berr != nil || !errors.Is(err, weft.ErrNestedBlockOn) {
		t.Fatalf("BlockOn inside the main future's poll returned %v (outer %v), want ErrNestedBlockOn", err, berr)
	}
}

func TestBlockOnWithAnEndedContextDoesNotPoll(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		polled := false
		_, err := weft.BlockOn(ctx, rt, fn[int](func(*future.Context) int {
			polled = true
			return 1
		}))
		// Current-thread checks the context before the first poll, as it
		// always did; the multi-thread BlockOn polls once first, and a
		// future that is ready then completes.
		if rt.Handle().Flavor() == weft.CurrentThread {
			if polled || !errors.Is(err, context.Canceled) {
				t.Fatalf("BlockOn with an ended context: polled %v, err %v; want no poll and context.Canceled", polled, err)
			}
		} else if !polled || err != nil {
			t.Fatalf("BlockOn with an ended context: polled %v, err %v; want one poll and its value", polled, err)
		}
	})
}

// A BlockOn that completes at its first poll publishes the metrics its poll
// changed: the spawn it made shows at once.
func TestCurrentThreadBlockOnReadyAtFirstPollPublishesItsSpawns(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread())
	before := rt.Metrics().PerWorker[0].LocalSchedules
	_, err := weft.BlockOn(context.Background(), rt, fn[int](func(cx *future.Context) int {
		weft.SpawnDetached(cx, future.Ready(struct{}{}))
		return 1
	}))
	if err != nil {
		t.Fatal(err)
	}
	m := rt.Metrics().PerWorker[0]
	if m.LocalSchedules != before+1 || m.LocalQueueDepth != 1 {
		t.Fatalf("after a ready BlockOn that spawned: LocalSchedules %d (before %d), LocalQueueDepth %d; want +1 and 1",
			m.LocalSchedules, before, m.LocalQueueDepth)
	}
}

// panicAtSecondPoll wakes itself at its first poll and panics at its second,
// so the panic comes from a poll after a Wait of the engine.
type panicAtSecondPoll struct{ polled bool }

func (p *panicAtSecondPoll) Poll(cx *future.Context) (int, bool) {
	if !p.polled {
		p.polled = true
		cx.Waker().Wake()
		return 0, false
	}
	panic("second poll")
}

// A panic in a poll after a Wait reaches the deferred Exit: the
// current-thread core (and its driving state) is given back, the
// multi-thread waiter recycled, and the runtime runs tasks again.
func TestBlockOnPanicAfterAWaitLeavesTheRuntimeUsable(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		for range 3 {
			func() {
				defer func() {
					if r := recover(); r != "second poll" {
						t.Fatalf("recovered %v, want the future's panic", r)
					}
				}()
				weft.BlockOn(context.Background(), rt, &panicAtSecondPoll{})
				t.Fatal("BlockOn returned instead of panicking")
			}()
			h := weft.Spawn(rt, future.Ready(2))
			if r, err := weft.BlockOn(context.Background(), rt, h); err != nil || r.Value != 2 {
				t.Fatalf("BlockOn after the panic = %+v, %v", r, err)
			}
		}
	})
}

// cancelLater is pending for ever; its first poll has another goroutine
// cancel the context, so BlockOn is then inside the engine's Wait (on a
// current-thread runtime, parked with nothing to run) or about to enter it.
type cancelLater struct {
	cancel context.CancelFunc
	polls  int
}

func (c *cancelLater) Poll(*future.Context) (int, bool) {
	c.polls++
	if c.polls == 1 {
		go c.cancel()
	}
	return 0, false
}

func TestBlockOnPendingAtItsFirstPollEndsWhenTheContextEnds(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		for range 20 {
			ctx, cancel := context.WithCancel(context.Background())
			f := &cancelLater{cancel: cancel}
			if _, err := weft.BlockOn(ctx, rt, f); !errors.Is(err, context.Canceled) {
				t.Fatalf("BlockOn = %v, want context.Canceled", err)
			}
			if f.polls != 1 {
				t.Fatalf("future polled %d times, want 1 (nothing woke it)", f.polls)
			}
		}
		// The runtime is still usable.
		if r, err := weft.BlockOn(context.Background(), rt, weft.Spawn(rt, future.Ready(3))); err != nil || r.Value != 3 {
			t.Fatalf("BlockOn afterwards = %+v, %v", r, err)
		}
	})
}

// pendingWithOutput is pending at every poll but returns a non-zero output
// with it, and cancels its context at the first poll.
type pendingWithOutput struct{ cancel context.CancelFunc }

func (p *pendingWithOutput) Poll(*future.Context) ([4]int, bool) {
	p.cancel()
	return [4]int{1, 2, 3, 4}, false
}

// BlockOn copies a ready poll's output straight into its named result; a
// pending poll's output lands there too, so a BlockOn that ends without a
// ready poll must still return the zero value, not what the pending poll
// returned.
func TestBlockOnThatEndsWithoutAReadyPollReturnsTheZeroValue(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		v, err := weft.BlockOn(ctx, rt, &pendingWithOutput{cancel: cancel})
		if !errors.Is(err, context.Canceled) || v != ([4]int{}) {
			t.Fatalf("BlockOn = %v, %v; want the zero value and context.Canceled", v, err)
		}
	})
}

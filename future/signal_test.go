package future_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/weftrt/weft/future"
)

func TestSignalWakeBeforeWaitIsNotLost(t *testing.T) {
	for _, ctx := range []context.Context{context.Background(), t.Context()} {
		s := future.NewSignal()
		s.Waker().Wake()
		if err := s.BlockingWait(ctx); err != nil {
			t.Fatalf("Wait after Wake = %v, want nil", err)
		}
	}
}

func TestSignalCoalescesWakes(t *testing.T) {
	s := future.NewSignal()
	for range 3 {
		s.Wake(0)
	}
	if err := s.BlockingWait(t.Context()); err != nil {
		t.Fatalf("Wait = %v, want nil", err)
	}
	// All three wakes were consumed by the one Wait: nothing is pending.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.BlockingWait(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("second Wait = %v, want context.Canceled", err)
	}
}

func TestSignalWaitBlocksUntilWoken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := future.NewSignal()
		var returned atomic.Bool
		done := make(chan error)
		go func() {
			err := s.BlockingWait(context.Background())
			returned.Store(true)
			done <- err
		}()
		synctest.Wait()
		if returned.Load() {
			t.Fatal("Wait returned without a wake")
		}
		s.Waker().Wake()
		if err := <-done; err != nil {
			t.Fatalf("Wait = %v, want nil", err)
		}
	})
}

func TestSignalWaitReturnsCtxErrOnCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := future.NewSignal()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- s.BlockingWait(ctx) }()
		synctest.Wait() // the waiter is blocked in Wait
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("Wait = %v, want context.Canceled", err)
		}
	})
}

func TestSignalWaitReturnsDeadlineExceeded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := future.NewSignal()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		if err := s.BlockingWait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait = %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Fatalf("Wait returned after %v, want 1s", d)
		}
	})
}

func TestSignalC(t *testing.T) {
	s := future.NewSignal()
	select {
	case <-s.C():
		t.Fatal("C ready before any wake")
	default:
	}
	s.Wake(0)
	s.Wake(0)
	select {
	case <-s.C():
	default:
		t.Fatal("C not ready after a wake")
	}
	select {
	case <-s.C():
		t.Fatal("C delivered two values for coalesced wakes")
	default:
	}
}

// TestSignalNoLostWakeStress has many goroutines publish progress and wake
// one waiter that checks for progress before each Wait, the way Block and
// JoinHandle.Join use a Signal. A lost wake would hang the test.
func TestSignalNoLostWakeStress(t *testing.T) {
	const wakers, perWaker = 8, 2000
	iters := perWaker
	if testing.Short() {
		iters = 200
	}
	s := future.NewSignal()
	var progress atomic.Int64
	for range wakers {
		go func() {
			for range iters {
				progress.Add(1)
				s.Wake(0)
			}
		}()
	}
	want := int64(wakers * iters)
	for progress.Load() < want {
		if err := s.BlockingWait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBlockReturnsReadyFuture(t *testing.T) {
	v, err := future.Block[int](context.Background(), future.Ready(5))
	if v != 5 || err != nil {
		t.Fatalf("Block = %v, %v; want 5, nil", v, err)
	}
}

func TestBlockRunsFutureWokenFromAnotherGoroutine(t *testing.T) {
	g := &gate{polled: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-g.polled // Block polled once and is going to sleep
		g.Open()
	}()
	v, err := future.Block[string](t.Context(), g)
	<-done
	if v != "open" || err != nil {
		t.Fatalf("Block = %q, %v; want open, nil", v, err)
	}
	if polls, drops := g.counts(); polls != 2 || drops != 1 {
		t.Fatalf("gate polled %d, dropped %d; want 2, 1", polls, drops)
	}
}

func TestBlockRepollsAfterSpuriousWakes(t *testing.T) {
	polls := 0
	f := future.PollFunc(func(cx *future.Context) (int, bool) {
		polls++
		if polls == 5 {
			return polls, true
		}
		cx.Waker().Wake() // no progress, just ask to be polled again
		return 0, false
	})
	v, err := future.Block[int](t.Context(), f)
	if v != 5 || err != nil {
		t.Fatalf("Block = %v, %v; want 5, nil", v, err)
	}
}

func TestBlockContextIsNotATask(t *testing.T) {
	var id uint64
	var constrained bool
	f := future.PollFunc(func(cx *future.Context) (int, bool) {
		id = cx.TaskID()
		_, constrained = cx.Budget()
		return 0, true
	})
	if _, err := future.Block[int](t.Context(), f); err != nil {
		t.Fatal(err)
	}
	if id != 0 || constrained {
		t.Fatalf("Block's Context: task id %d, constrained %v; want 0, false", id, constrained)
	}
}

func TestBlockDropsFutureOnCancel(t *testing.T) {
	g := &gate{polled: make(chan struct{})}
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-g.polled
		cancel()
	}()
	v, err := future.Block[string](ctx, g)
	if v != "" || !errors.Is(err, context.Canceled) {
		t.Fatalf("Block = %q, %v; want \"\", context.Canceled", v, err)
	}
	if polls, drops := g.counts(); polls != 1 || drops != 1 {
		t.Fatalf("gate polled %d, dropped %d; want 1, 1", polls, drops)
	}
}

func TestBlockDropsFutureOnDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newProbe("p", 0, 0)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := future.Block[int](ctx, p)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Block = %v, want context.DeadlineExceeded", err)
		}
		checkDrops(t, p, 1)
	})
}

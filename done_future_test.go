package weft_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/mocktask"
)

func TestDoneCompletesWithErrWhenContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		d := weft.Done(ctx)
		s := future.NewSignal()
		cx := future.NewContext(s.Waker())
		if _, ok := d.Poll(cx); ok {
			t.Fatal("ready before the deadline")
		}
		// Every goroutine of the bubble is now blocked, so the fake clock
		// jumps to the deadline and the AfterFunc wakes s.
		if err := s.BlockingWait(context.Background()); err != nil {
			t.Fatal(err)
		}
		err, ok := d.Poll(cx)
		if !ok || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Poll = %v, %v; want DeadlineExceeded, true", err, ok)
		}
		d.Drop()
	})
}

func TestDoneDropStopsWatchingTheContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		d := weft.Done(ctx)
		w := &asyncCountWaker{}
		if _, ok := d.Poll(future.NewContext(future.NewWaker(w))); ok {
			t.Fatal("ready early")
		}
		d.Drop()
		cancel()
		synctest.Wait() // an AfterFunc still registered would have run by now
		if w.n.Load() != 0 {
			t.Fatalf("dropped DoneFuture woke its waker %d times", w.n.Load())
		}
	})
}

func TestDoneReadyAtOnceForEndedContextAndNeverForBackground(t *testing.T) {
	defer goleak.VerifyNone(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err, ok := mocktask.Spawn[error](weft.Done(ctx)).Poll(); !ok || err != context.Canceled {
		t.Fatalf("Poll = %v, %v", err, ok)
	}
	bg := mocktask.Spawn[error](weft.Done(context.Background()))
	if _, ok := bg.Poll(); ok {
		t.Fatal("Done(Background) completed")
	}
	bg.Drop()
	var nilCtx context.Context
	r := asyncMustPanic(t, func() { weft.Done(nilCtx) }) //weftvet:ignore panics before it returns a future
	if asyncPanicText(r) != "weft: Done of a nil context" {
		t.Fatalf("panic %q", r)
	}
}

func TestDonePollDoesNotAllocate(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := weft.Done(ctx)
	cx := future.NewContext(future.Noop())
	if allocs := testing.AllocsPerRun(1000, func() { d.Poll(cx) }); allocs != 0 {
		t.Fatalf("poll allocates %.1f times", allocs)
	}
	d.Drop()
}

func TestDoneConsumesBudgetOnlyWhenReady(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	mt := mocktask.Spawn[error](weft.Done(ctx))
	mt.SetBudget(1)
	if _, ok := mt.Poll(); ok {
		t.Fatal("ready early")
	}
	if left, _ := mt.Context().Budget(); left != 1 {
		t.Fatalf("pending poll took budget: %d left", left)
	}
	cancel()
	mt.SetBudget(0)
	if _, ok := mt.Poll(); ok {
		t.Fatal("ready with no budget")
	}
	mt.SetBudget(1)
	if _, ok := mt.Poll(); !ok {
		t.Fatal("not ready after cancel")
	}
}

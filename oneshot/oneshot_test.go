package oneshot_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/mocktask"
	"github.com/weftrt/weft/oneshot"
)

// These tests port the behaviour cases of tokio/tests/sync_oneshot.rs, named
// after what they check.

func mustPending[T any](t *testing.T, task *mocktask.Task[T]) {
	t.Helper()
	if v, ok := task.Poll(); ok {
		t.Fatalf("expected pending, got ready %v", v)
	}
}

func mustReady[T any](t *testing.T, task *mocktask.Task[T]) T {
	t.Helper()
	v, ok := task.Poll()
	if !ok {
		t.Fatal("expected ready, got pending")
	}
	return v
}

func TestSendWakesWaitingReceiver(t *testing.T) {
	tx, rx := oneshot.New[int]()
	task := mocktask.Spawn[future.Result[int]](rx)
	mustPending(t, task)
	if err := tx.Send(1); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if !task.IsWoken() {
		t.Fatal("receiver not woken by Send")
	}
	if r := mustReady(t, task); r.Err != nil || r.Value != 1 {
		t.Fatalf("got %+v, want 1", r)
	}
}

func TestValueSentBeforeFirstPollIsReadyAtOnce(t *testing.T) {
	tx, rx := oneshot.New[int]()
	if err := tx.Send(1); err != nil {
		t.Fatal(err)
	}
	task := mocktask.Spawn[future.Result[int]](rx)
	if r := mustReady(t, task); r.Value != 1 || r.Err != nil {
		t.Fatalf("got %+v", r)
	}
}

func TestSenderCloseWakesReceiverWithErrClosed(t *testing.T) {
	tx, rx := oneshot.New[int]()
	task := mocktask.Spawn[future.Result[int]](rx)
	mustPending(t, task)
	tx.Close()
	if !task.IsWoken() {
		t.Fatal("receiver not woken by Sender.Close")
	}
	if r := mustReady(t, task); !errors.Is(r.Err, oneshot.ErrClosed) {
		t.Fatalf("got %+v, want ErrClosed", r)
	}
}

func TestSendAfterReceiverClosedReturnsValue(t *testing.T) {
	tx, rx := oneshot.New[int]()
	rx.Drop()
	err := tx.Send(7)
	var se *oneshot.SendError[int]
	if !errors.As(err, &se) || se.Value != 7 {
		t.Fatalf("Send after receiver drop = %v, want *SendError with 7", err)
	}
	if !errors.Is(err, oneshot.ErrClosed) {
		t.Fatalf("errors.Is(%v, ErrClosed) = false", err)
	}
}

func TestReceiverDropWakesSenderClosed(t *testing.T) {
	tx, rx := oneshot.New[int]()
	closed := mocktask.Spawn[struct{}](tx.Closed())
	mustPending(t, closed)
	rx.Drop()
	if !closed.IsWoken() {
		t.Fatal("Closed future not woken by receiver drop")
	}
	if !tx.IsClosed() {
		t.Fatal("IsClosed = false after receiver drop")
	}
	mustReady(t, closed)
	if err := tx.Send(1); !errors.Is(err, oneshot.ErrClosed) {
		t.Fatalf("Send = %v, want ErrClosed", err)
	}
}

func TestSenderClosedCompletesWhenReceiverClosedByOtherGoroutine(t *testing.T) {
	tx, rx := oneshot.New[struct{}]()
	done := make(chan struct{})
	go func() {
		defer close(done)
		rx.Close()
	}()
	if _, err := future.Block(context.Background(), tx.Closed()); err != nil {
		t.Fatal(err)
	}
	<-done
}

func TestReceiverCloseKeepsValueSentBefore(t *testing.T) {
	tx, rx := oneshot.New[int]()
	task := mocktask.Spawn[future.Result[int]](rx)
	if err := tx.Send(1); err != nil {
		t.Fatal(err)
	}
	rx.Close()
	if r := mustReady(t, task); r.Value != 1 || r.Err != nil {
		t.Fatalf("got %+v, want the value sent before Close", r)
	}
}

func TestReceiverCloseWithoutValueWakesSenderAndFailsRecv(t *testing.T) {
	for _, sendAfter := range []bool{true, false} {
		tx, rx := oneshot.New[int]()
		closed := mocktask.Spawn[struct{}](tx.Closed())
		recv := mocktask.Spawn[future.Result[int]](rx)
		mustPending(t, closed)
		rx.Close()
		if !closed.IsWoken() {
			t.Fatal("Closed future not woken by Receiver.Close")
		}
		if !tx.IsClosed() {
			t.Fatal("IsClosed = false after Receiver.Close")
		}
		mustReady(t, closed)
		if sendAfter {
			if err := tx.Send(1); err == nil {
				t.Fatal("Send after Receiver.Close succeeded")
			}
		}
		if r := mustReady(t, recv); !errors.Is(r.Err, oneshot.ErrClosed) {
			t.Fatalf("recv after close = %+v, want ErrClosed", r)
		}
	}
}

func TestTryRecvAfterCloseReturnsValueSentBefore(t *testing.T) {
	tx, rx := oneshot.New[int]()
	if err := tx.Send(1); err != nil {
		t.Fatal(err)
	}
	rx.Close()
	if v, err := rx.TryRecv(); err != nil || v != 1 {
		t.Fatalf("TryRecv = %v, %v; want 1, nil", v, err)
	}
}

func TestTryRecvAfterCloseWithoutValueIsClosed(t *testing.T) {
	tx, rx := oneshot.New[int]()
	closed := mocktask.Spawn[struct{}](tx.Closed())
	mustPending(t, closed)
	rx.Close()
	if !closed.IsWoken() || !tx.IsClosed() {
		t.Fatal("sender did not observe Receiver.Close")
	}
	mustReady(t, closed)
	if _, err := rx.TryRecv(); !errors.Is(err, oneshot.ErrClosed) {
		t.Fatalf("TryRecv = %v, want ErrClosed", err)
	}
}

func TestPollAfterTryRecvReportedClosedPanics(t *testing.T) {
	_, rx := oneshot.New[int]()
	rx.Close()
	if _, err := rx.TryRecv(); !errors.Is(err, oneshot.ErrClosed) {
		t.Fatalf("TryRecv = %v", err)
	}
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "oneshot: ") {
			t.Fatalf("recover() = %v, want a oneshot panic", r)
		}
	}()
	rx.Poll(future.NewContext(future.Noop()))
}

func TestCloseAfterRecvIsHarmless(t *testing.T) {
	tx, rx := oneshot.New[int]()
	if err := tx.Send(17); err != nil {
		t.Fatal(err)
	}
	if v, err := rx.TryRecv(); v != 17 || err != nil {
		t.Fatalf("TryRecv = %v, %v", v, err)
	}
	rx.Close()
	rx.Drop()
}

func TestTryRecvAfterValueTakenIsClosed(t *testing.T) {
	tx, rx := oneshot.New[int]()
	if err := tx.Send(17); err != nil {
		t.Fatal(err)
	}
	if v, err := rx.TryRecv(); v != 17 || err != nil {
		t.Fatalf("TryRecv = %v, %v", v, err)
	}
	if _, err := rx.TryRecv(); !errors.Is(err, oneshot.ErrClosed) {
		t.Fatalf("second TryRecv = %v, want ErrClosed", err)
	}
}

func TestTryRecvAfterAwaitIsClosed(t *testing.T) {
	tx, rx := oneshot.New[int]()
	task := mocktask.Spawn[future.Result[int]](rx)
	if err := tx.Send(17); err != nil {
		t.Fatal(err)
	}
	if r := mustReady(t, task); r.Value != 17 {
		t.Fatalf("got %+v", r)
	}
	if _, err := rx.TryRecv(); !errors.Is(err, oneshot.ErrClosed) {
		t.Fatalf("TryRecv after await = %v, want ErrClosed", err)
	}
}

func TestClosingBothEndsLeavesNoWakerBehind(t *testing.T) {
	tx, rx := oneshot.New[int]()
	closed := mocktask.Spawn[struct{}](tx.Closed())
	recv := mocktask.Spawn[future.Result[int]](rx)
	mustPending(t, closed)
	mustPending(t, recv)
	closed.Drop() // a task waiting in Closed is aborted
	recv.Drop()   // a task waiting for the value is aborted
	rw, tw := oneshot.StoredWakers(tx)
	if !rw.IsZero() || !tw.IsZero() {
		t.Fatalf("wakers left in the channel: rx=%v tx=%v", rw, tw)
	}
	if !tx.IsClosed() {
		t.Fatal("dropping the receiving future must close the channel")
	}
	if closed.IsWoken() {
		t.Fatal("a dropped Closed future was woken")
	}
}

func TestReceiverPolledByNewTaskWakesOnlyNewTask(t *testing.T) {
	tx, rx := oneshot.New[int]()
	t1 := mocktask.Spawn[future.Result[int]](rx)
	t2 := mocktask.Spawn[future.Result[int]](rx)
	mustPending(t, t1)
	mustPending(t, t2)
	if err := tx.Send(1); err != nil {
		t.Fatal(err)
	}
	if t1.IsWoken() {
		t.Fatal("the replaced waker was woken")
	}
	if !t2.IsWoken() {
		t.Fatal("the current waker was not woken")
	}
	if r := mustReady(t, t2); r.Value != 1 {
		t.Fatalf("got %+v", r)
	}
}

func TestSenderClosedPolledByNewTaskWakesOnlyNewTask(t *testing.T) {
	tx, rx := oneshot.New[int]()
	t1 := mocktask.Spawn[struct{}](tx.Closed())
	t2 := mocktask.Spawn[struct{}](tx.Closed())
	mustPending(t, t1)
	mustPending(t, t2)
	rx.Drop()
	if t1.IsWoken() {
		t.Fatal("the replaced waker was woken")
	}
	if !t2.IsWoken() {
		t.Fatal("the current waker was not woken")
	}
	mustReady(t, t2)
}

func TestRepollWithSameWakerDoesNotRewrite(t *testing.T) {
	tx, rx := oneshot.New[int]()
	task := mocktask.Spawn[future.Result[int]](rx)
	mustPending(t, task)
	mustPending(t, task)
	if err := tx.Send(3); err != nil {
		t.Fatal(err)
	}
	if task.WakeCount() != 1 {
		t.Fatalf("woken %d times, want 1", task.WakeCount())
	}
	mustReady(t, task)
}

func TestReceiverIsTerminated(t *testing.T) {
	t.Run("after value received by poll", func(t *testing.T) {
		tx, rx := oneshot.New[int]()
		if rx.IsTerminated() {
			t.Fatal("terminated before send")
		}
		if err := tx.Send(17); err != nil {
			t.Fatal(err)
		}
		if rx.IsTerminated() {
			t.Fatal("terminated after send, before receive")
		}
		r, ok := rx.Poll(future.NewContext(future.Noop()))
		if !ok || r.Value != 17 {
			t.Fatalf("poll = %+v, %v", r, ok)
		}
		if !rx.IsTerminated() {
			t.Fatal("not terminated after receive")
		}
	})
	t.Run("after value received by TryRecv", func(t *testing.T) {
		tx, rx := oneshot.New[int]()
		if err := tx.Send(17); err != nil {
			t.Fatal(err)
		}
		if v, err := rx.TryRecv(); err != nil || v != 17 {
			t.Fatal(v, err)
		}
		if !rx.IsTerminated() {
			t.Fatal("not terminated after TryRecv")
		}
	})
	t.Run("after sender closed", func(t *testing.T) {
		tx, rx := oneshot.New[int]()
		tx.Close()
		if rx.IsTerminated() {
			t.Fatal("terminated before the closure was observed")
		}
		if r, ok := rx.Poll(future.NewContext(future.Noop())); !ok || r.Err == nil {
			t.Fatalf("poll = %+v, %v", r, ok)
		}
		if !rx.IsTerminated() {
			t.Fatal("not terminated after error")
		}
	})
	t.Run("after receiver closed", func(t *testing.T) {
		_, rx := oneshot.New[int]()
		rx.Close()
		if rx.IsTerminated() {
			t.Fatal("terminated by Close alone")
		}
		if r, ok := rx.Poll(future.NewContext(future.Noop())); !ok || r.Err == nil {
			t.Fatalf("poll = %+v, %v", r, ok)
		}
		if !rx.IsTerminated() {
			t.Fatal("not terminated after error")
		}
	})
}

func TestReceiverIsEmpty(t *testing.T) {
	tx, rx := oneshot.New[int]()
	if !rx.IsEmpty() {
		t.Fatal("not empty before send")
	}
	if err := tx.Send(17); err != nil {
		t.Fatal(err)
	}
	if rx.IsEmpty() {
		t.Fatal("empty after send")
	}
	if _, err := rx.TryRecv(); err != nil {
		t.Fatal(err)
	}
	if !rx.IsEmpty() {
		t.Fatal("not empty after receive")
	}

	tx, rx = oneshot.New[int]()
	tx.Close()
	if !rx.IsEmpty() {
		t.Fatal("not empty after sender closed")
	}
	_, rx = oneshot.New[int]()
	rx.Close()
	if !rx.IsEmpty() {
		t.Fatal("not empty after receiver closed")
	}
}

func TestTryRecvBeforeSendIsEmpty(t *testing.T) {
	tx, rx := oneshot.New[string]()
	if _, err := rx.TryRecv(); !errors.Is(err, oneshot.ErrEmpty) {
		t.Fatalf("TryRecv = %v, want ErrEmpty", err)
	}
	if err := tx.Send("x"); err != nil {
		t.Fatal(err)
	}
	if v, err := rx.TryRecv(); v != "x" || err != nil {
		t.Fatalf("TryRecv = %q, %v", v, err)
	}
}

func TestSecondSendPanics(t *testing.T) {
	tx, _ := oneshot.New[int]()
	_ = tx.Send(1)
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "oneshot: ") {
			t.Fatalf("recover() = %v, want a oneshot panic", r)
		}
	}()
	_ = tx.Send(2)
}

func TestSendAfterSenderClosePanics(t *testing.T) {
	tx, _ := oneshot.New[int]()
	tx.Close()
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("Send after Close did not panic")
		}
	}()
	_ = tx.Send(2)
}

func TestCloseAfterSendKeepsValue(t *testing.T) {
	tx, rx := oneshot.New[int]()
	if err := tx.Send(5); err != nil {
		t.Fatal(err)
	}
	tx.Close()
	tx.Close()
	if v, err := rx.TryRecv(); v != 5 || err != nil {
		t.Fatalf("TryRecv = %v, %v; the deferred Close must not discard the value", v, err)
	}
}

func TestReceiverDropDiscardsUnreceivedValue(t *testing.T) {
	tx, rx := oneshot.New[*int]()
	v := 3
	if err := tx.Send(&v); err != nil {
		t.Fatal(err)
	}
	rx.Drop()
	if !rx.IsEmpty() {
		t.Fatal("value still held after Drop")
	}
}

func TestRecvRespectsCoopBudget(t *testing.T) {
	tx, rx := oneshot.New[int]()
	if err := tx.Send(1); err != nil {
		t.Fatal(err)
	}
	task := mocktask.Spawn[future.Result[int]](rx)
	task.SetBudget(0)
	mustPending(t, task)
	if !task.IsWoken() {
		t.Fatal("a poll refused for budget must wake the task")
	}
	task.SetBudget(1)
	if r := mustReady(t, task); r.Value != 1 {
		t.Fatalf("got %+v", r)
	}
	if left, _ := task.Context().Budget(); left != 0 {
		t.Fatalf("budget left = %d, want 0: a completed receive consumes one unit", left)
	}
}

func TestPendingRecvRefundsBudget(t *testing.T) {
	_, rx := oneshot.New[int]()
	task := mocktask.Spawn[future.Result[int]](rx)
	task.SetBudget(5)
	mustPending(t, task)
	if left, _ := task.Context().Budget(); left != 5 {
		t.Fatalf("budget left = %d, want 5", left)
	}
}

func TestClosedRespectsCoopBudget(t *testing.T) {
	tx, rx := oneshot.New[int]()
	rx.Close()
	task := mocktask.Spawn[struct{}](tx.Closed())
	task.SetBudget(0)
	mustPending(t, task)
	if !task.IsWoken() {
		t.Fatal("a poll refused for budget must wake the task")
	}
	task.SetBudget(1)
	mustReady(t, task)
}

func TestBlockingRecvGetsValueFromOtherGoroutine(t *testing.T) {
	tx, rx := oneshot.New[int]()
	go func() { _ = tx.Send(10) }()
	if v, err := rx.BlockingRecv(context.Background()); v != 10 || err != nil {
		t.Fatalf("BlockingRecv = %v, %v", v, err)
	}
}

func TestBlockingRecvReportsSenderClose(t *testing.T) {
	tx, rx := oneshot.New[int]()
	go tx.Close()
	if _, err := rx.BlockingRecv(context.Background()); !errors.Is(err, oneshot.ErrClosed) {
		t.Fatalf("BlockingRecv = %v, want ErrClosed", err)
	}
}

func TestBlockingRecvContextEndLeavesReceiverUsable(t *testing.T) {
	tx, rx := oneshot.New[int]()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := rx.BlockingRecv(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("BlockingRecv = %v, want context.Canceled", err)
	}
	rw, _ := oneshot.StoredWakers(tx)
	if !rw.IsZero() {
		t.Fatal("a cancelled BlockingRecv left its waker registered")
	}
	if tx.IsClosed() {
		t.Fatal("a cancelled BlockingRecv closed the channel")
	}
	if err := tx.Send(4); err != nil {
		t.Fatal(err)
	}
	if v, err := rx.BlockingRecv(context.Background()); v != 4 || err != nil {
		t.Fatalf("BlockingRecv = %v, %v", v, err)
	}
}

func TestPollDoesNotAllocate(t *testing.T) {
	tx, rx := oneshot.New[int]()
	cx := future.NewContext(future.Noop())
	other := future.NewContext(future.NewSignal().Waker())
	n := testing.AllocsPerRun(100, func() {
		rx.Poll(cx)
		rx.Poll(other)
		tx.Closed().Poll(cx)
		tx.Closed().Poll(other)
	})
	if n != 0 {
		t.Fatalf("poll allocates %v times", n)
	}
}

// sink makes the channels in allocation tests escape, as they do when two
// tasks share them.
var sink any

func TestNewSendRecvAllocatesOnce(t *testing.T) {
	cx := future.NewContext(future.Noop())
	n := testing.AllocsPerRun(100, func() {
		tx, rx := oneshot.New[int]()
		sink = rx
		rx.Poll(cx)
		_ = tx.Send(1)
		rx.Poll(cx)
	})
	if n != 1 {
		t.Fatalf("create+send+recv allocates %v times, want 1", n)
	}
}

func TestFuturesDescribeWhatTheyWaitFor(t *testing.T) {
	tx, rx := oneshot.New[int]()
	if got := rx.String(); got != "oneshot.Recv" {
		t.Fatalf("Receiver.String() = %q", got)
	}
	closed := tx.Closed()
	if got := closed.String(); got != "oneshot.Closed" {
		t.Fatalf("ClosedFuture.String() = %q", got)
	}
	closed.Drop()
}

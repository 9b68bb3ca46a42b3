package watch_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/mocktask"
	"github.com/weftrt/weft/watch"
)

// These tests port the behaviour cases of tokio/tests/sync_watch.rs, named
// after what they check.

func spawn[T any](f future.Future[T]) *mocktask.Task[T] { return mocktask.Spawn(f) }

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

func mustOK(t *testing.T, task *mocktask.Task[error]) {
	t.Helper()
	if err := mustReady(t, task); err != nil {
		t.Fatalf("Changed = %v, want nil", err)
	}
}

func mustClosed(t *testing.T, task *mocktask.Task[error]) {
	t.Helper()
	if err := mustReady(t, task); !errors.Is(err, watch.ErrClosed) {
		t.Fatalf("Changed = %v, want ErrClosed", err)
	}
}

func changed[T any](rx *watch.Receiver[T]) *mocktask.Task[error] {
	return spawn[error](rx.Changed())
}

func hasChanged[T any](t *testing.T, rx *watch.Receiver[T]) bool {
	t.Helper()
	ok, err := rx.HasChanged()
	if err != nil {
		t.Fatalf("HasChanged: %v", err)
	}
	return ok
}

func TestSingleReceiverSeesEachChangeThenClose(t *testing.T) {
	tx, rx := watch.New("one")
	task := changed(rx)
	mustPending(t, task) // the initial value counts as seen
	task.Drop()
	if v := rx.Borrow(); v != "one" {
		t.Fatal(v)
	}
	task = changed(rx)
	mustPending(t, task)
	if err := tx.Send("two"); err != nil {
		t.Fatal(err)
	}
	if !task.IsWoken() {
		t.Fatal("not woken by Send")
	}
	mustOK(t, task)
	if v := rx.Borrow(); v != "two" {
		t.Fatal(v)
	}
	task = changed(rx)
	mustPending(t, task)
	tx.Close()
	if !task.IsWoken() {
		t.Fatal("not woken by the sender's Close")
	}
	mustClosed(t, task)
	if v := rx.Borrow(); v != "two" {
		t.Fatal(v)
	}
}

func TestMarkChangedTwiceFromInitialVersion(t *testing.T) {
	_, rx := watch.New("one")
	rx.MarkChanged()
	rx.MarkChanged()
	if !hasChanged(t, rx) {
		t.Fatal("MarkChanged did not mark the value unseen")
	}
}

func TestMarkChanged(t *testing.T) {
	tx, rx := watch.New("one")
	rx2, rx3, rx4 := rx.Clone(), rx.Clone(), rx.Clone()
	rx.MarkChanged()
	if !hasChanged(t, rx) {
		t.Fatal("rx: not changed after MarkChanged")
	}
	mustOK(t, changed(rx))

	if hasChanged(t, rx2) {
		t.Fatal("MarkChanged on a clone leaked to rx2")
	}
	mustPending(t, changed(rx2))

	rx3.MarkChanged()
	if v := rx3.Borrow(); v != "one" {
		t.Fatal(v)
	}
	if !hasChanged(t, rx3) {
		t.Fatal("Borrow marked the value seen")
	}
	if v, ch := rx3.BorrowAndUpdate(); v != "one" || !ch {
		t.Fatal(v, ch)
	}
	if hasChanged(t, rx3) {
		t.Fatal("BorrowAndUpdate did not mark the value seen")
	}
	mustPending(t, changed(rx3))

	if err := tx.Send("two"); err != nil {
		t.Fatal(err)
	}
	if !hasChanged(t, rx4) {
		t.Fatal("rx4 missed the send")
	}
	if v, _ := rx4.BorrowAndUpdate(); v != "two" {
		t.Fatal(v)
	}
	rx4.MarkChanged()
	if !hasChanged(t, rx4) {
		t.Fatal("MarkChanged after update")
	}
	if v, ch := rx4.BorrowAndUpdate(); v != "two" || !ch {
		t.Fatal(v, ch)
	}
	if v := rx.Borrow(); v != "two" {
		t.Fatal(v)
	}
}

func TestMarkUnchanged(t *testing.T) {
	tx, rx := watch.New("one")
	rx2 := rx.Clone()
	if hasChanged(t, rx) {
		t.Fatal("changed at start")
	}
	rx.MarkChanged()
	if !hasChanged(t, rx) {
		t.Fatal("not changed after MarkChanged")
	}
	rx.MarkUnchanged()
	if hasChanged(t, rx) {
		t.Fatal("changed after MarkUnchanged")
	}
	mustPending(t, changed(rx))

	if err := tx.Send("two"); err != nil {
		t.Fatal(err)
	}
	if !hasChanged(t, rx2) {
		t.Fatal("rx2 missed the send")
	}
	rx2.MarkUnchanged()
	if hasChanged(t, rx2) {
		t.Fatal("changed after MarkUnchanged")
	}
	if v, _ := rx2.BorrowAndUpdate(); v != "two" {
		t.Fatal(v)
	}
}

func TestMultipleReceiversAllWoken(t *testing.T) {
	tx, rx1 := watch.New("one")
	rx2 := rx1.Clone()
	t1, t2 := changed(rx1), changed(rx2)
	mustPending(t, t1)
	mustPending(t, t2)
	t1.Drop()
	t2.Drop()

	t2 = changed(rx2)
	t1 = changed(rx1)
	mustPending(t, t1)
	mustPending(t, t2)
	if err := tx.Send("two"); err != nil {
		t.Fatal(err)
	}
	if !t1.IsWoken() || !t2.IsWoken() {
		t.Fatal("not every receiver woken")
	}
	mustOK(t, t1)
	if v := rx1.Borrow(); v != "two" {
		t.Fatal(v)
	}

	t1 = changed(rx1)
	mustPending(t, t1)
	if err := tx.Send("three"); err != nil {
		t.Fatal(err)
	}
	if !t1.IsWoken() || !t2.IsWoken() {
		t.Fatal("not every receiver woken")
	}
	mustOK(t, t1)
	mustOK(t, t2) // t2 skipped "two": only the latest value counts
	if v := rx2.Borrow(); v != "three" {
		t.Fatal(v)
	}

	t1, t2 = changed(rx1), changed(rx2)
	mustPending(t, t1)
	mustPending(t, t2)
	if err := tx.Send("four"); err != nil {
		t.Fatal(err)
	}
	mustOK(t, t1)
	mustOK(t, t2)
	if rx1.Borrow() != "four" || rx2.Borrow() != "four" {
		t.Fatal("final value")
	}
}

func TestReceiverObservesFinalValueBeforeClosed(t *testing.T) {
	tx, rx := watch.New("one")
	tx.Close()
	mustClosed(t, changed(rx))
	if v := rx.Borrow(); v != "one" {
		t.Fatal(v)
	}

	tx, rx = watch.New("one")
	if err := tx.Send("two"); err != nil {
		t.Fatal(err)
	}
	mustOK(t, changed(rx))
	if v := rx.Borrow(); v != "two" {
		t.Fatal(v)
	}
	task := changed(rx)
	mustPending(t, task)
	if err := tx.Send("three"); err != nil {
		t.Fatal(err)
	}
	tx.Close()
	if !task.IsWoken() {
		t.Fatal("not woken")
	}
	mustOK(t, task)
	if v := rx.Borrow(); v != "three" {
		t.Fatal(v)
	}
	mustClosed(t, changed(rx))
	if v := rx.Borrow(); v != "three" {
		t.Fatal(v)
	}
}

func TestSenderClosedCompletesWhenReceiverCloses(t *testing.T) {
	tx, rx := watch.New("one")
	task := spawn[struct{}](tx.Closed())
	mustPending(t, task)
	rx.Close()
	if !task.IsWoken() {
		t.Fatal("not woken")
	}
	mustReady(t, task)
	if err := tx.Send("two"); !errors.Is(err, watch.ErrClosed) {
		t.Fatalf("Send = %v, want ErrClosed", err)
	}
	if v := tx.Borrow(); v != "one" {
		t.Fatalf("a failed Send stored its value: %q", v)
	}
}

func TestBorrowAndUpdateMarksSeen(t *testing.T) {
	tx, rx := watch.New("one")
	if hasChanged(t, rx) {
		t.Fatal("changed at start")
	}
	if err := tx.Send("two"); err != nil {
		t.Fatal(err)
	}
	if !hasChanged(t, rx) {
		t.Fatal("missed send")
	}
	mustOK(t, changed(rx))
	mustPending(t, changed(rx))
	if hasChanged(t, rx) {
		t.Fatal("Changed did not mark the value seen")
	}
	if err := tx.Send("three"); err != nil {
		t.Fatal(err)
	}
	if !hasChanged(t, rx) {
		t.Fatal("missed send")
	}
	if v, _ := rx.BorrowAndUpdate(); v != "three" {
		t.Fatal(v)
	}
	mustPending(t, changed(rx))
	if hasChanged(t, rx) {
		t.Fatal("changed after BorrowAndUpdate")
	}
	tx.Close()
	if v, _ := rx.BorrowAndUpdate(); v != "three" {
		t.Fatal(v)
	}
	mustClosed(t, changed(rx))
	if _, err := rx.HasChanged(); !errors.Is(err, watch.ErrClosed) {
		t.Fatalf("HasChanged = %v, want ErrClosed", err)
	}
}

func TestSubscribeReopensChannel(t *testing.T) {
	tx, rx := watch.New("one")
	if tx.IsClosed() {
		t.Fatal("closed at start")
	}
	rx.Close()
	if !tx.IsClosed() {
		t.Fatal("not closed after the last receiver")
	}
	rx = tx.Subscribe()
	if tx.IsClosed() {
		t.Fatal("Subscribe did not reopen")
	}
	rx.Close()
	if !tx.IsClosed() {
		t.Fatal("not closed again")
	}
}

func TestSendModifyPanicKeepsChangeButMakesNoVersion(t *testing.T) {
	tx, rx := watch.New("one")
	tx.SendModify(func(v *string) { *v = "two" })
	if v, _ := rx.BorrowAndUpdate(); v != "two" {
		t.Fatal(v)
	}
	rx2 := rx.Clone()
	if v, _ := rx2.BorrowAndUpdate(); v != "two" {
		t.Fatal(v)
	}
	task := changed(rx2)
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("panic swallowed")
			}
		}()
		tx.SendModify(func(v *string) {
			*v = "panicked"
			panic("boom")
		})
	}()
	mustPending(t, task)
	if v := rx.Borrow(); v != "panicked" {
		t.Fatalf("Borrow = %q: the channel must stay usable and keep the change", v)
	}
	tx.SendModify(func(v *string) { *v = "three" })
	mustOK(t, task)
	if v, _ := rx.BorrowAndUpdate(); v != "three" {
		t.Fatal(v)
	}
}

func TestMultipleSendersEachMakeAVersion(t *testing.T) {
	tx1, rx := watch.New(0)
	tx2 := tx1.Clone()
	if err := tx1.Send(1); err != nil {
		t.Fatal(err)
	}
	mustOK(t, changed(rx))
	if v, _ := rx.BorrowAndUpdate(); v != 1 {
		t.Fatal(v)
	}
	task := changed(rx)
	mustPending(t, task)
	if err := tx2.Send(2); err != nil {
		t.Fatal(err)
	}
	mustOK(t, task)
	if v, _ := rx.BorrowAndUpdate(); v != 2 {
		t.Fatal(v)
	}
	if tx1.SenderCount() != 2 || !tx1.SameChannel(tx2) {
		t.Fatal("sender count")
	}
}

func TestReceiverWokenOnlyByLastSenderClose(t *testing.T) {
	tx1, rx := watch.New(0)
	tx2 := tx1.Clone()
	task := changed(rx)
	mustPending(t, task)
	tx1.Close()
	if task.IsWoken() {
		t.Fatal("woken while a sender remains")
	}
	tx2.Close()
	if !task.IsWoken() {
		t.Fatal("not woken by the last sender")
	}
	mustClosed(t, task)
}

func TestChangedOnClosedChannel(t *testing.T) {
	tx, rx := watch.New("A")
	if err := tx.Send("B"); err != nil {
		t.Fatal(err)
	}
	tx.Close()
	if err := rx.BlockingChanged(context.Background()); err != nil {
		t.Fatalf("an unseen final value must be reported before the close: %v", err)
	}
	if err := rx.BlockingChanged(context.Background()); !errors.Is(err, watch.ErrClosed) {
		t.Fatalf("Changed = %v, want ErrClosed", err)
	}
	tx, rx = watch.New("A")
	tx.Close()
	if err := rx.BlockingChanged(context.Background()); !errors.Is(err, watch.ErrClosed) {
		t.Fatalf("Changed = %v, want ErrClosed", err)
	}
}

func TestHasChangedErrorsWhenClosedSeenOrNot(t *testing.T) {
	tx, rx := watch.New("A")
	if err := tx.Send("B"); err != nil {
		t.Fatal(err)
	}
	tx.Close()
	if _, err := rx.HasChanged(); !errors.Is(err, watch.ErrClosed) {
		t.Fatalf("unseen: HasChanged = %v", err)
	}
	tx, rx = watch.New("A")
	tx.Close()
	if _, err := rx.HasChanged(); !errors.Is(err, watch.ErrClosed) {
		t.Fatalf("seen: HasChanged = %v", err)
	}
}

func TestWaitForOnClosedChannelAcceptsUnseenFinalValue(t *testing.T) {
	tx, rx := watch.New("A")
	if err := tx.Send("B"); err != nil {
		t.Fatal(err)
	}
	tx.Close()
	r, _ := future.Block[future.Result[string]](context.Background(), rx.WaitFor(func(string) bool { return true }))
	if r.Err != nil || r.Value != "B" {
		t.Fatalf("WaitFor = %+v", r)
	}
}

func TestWaitForSkipsValuesUntilPredicateHolds(t *testing.T) {
	tx, rx := watch.New(0)
	task := spawn[future.Result[int]](rx.WaitFor(func(v int) bool { return v >= 3 }))
	mustPending(t, task)
	for v := 1; v <= 2; v++ {
		if err := tx.Send(v); err != nil {
			t.Fatal(err)
		}
		if !task.IsWoken() {
			t.Fatal("not woken")
		}
		mustPending(t, task)
	}
	if err := tx.Send(3); err != nil {
		t.Fatal(err)
	}
	if r := mustReady(t, task); r.Value != 3 || r.Err != nil {
		t.Fatalf("got %+v", r)
	}
	if hasChanged(t, rx) {
		t.Fatal("WaitFor did not mark the value seen")
	}
}

func TestWaitForCurrentValueCompletesAtOnce(t *testing.T) {
	_, rx := watch.New(5)
	r, ok := rx.WaitFor(func(v int) bool { return v == 5 }).Poll(future.NewContext(future.Noop()))
	if !ok || r.Value != 5 {
		t.Fatalf("WaitFor on a matching current value = %+v, %v", r, ok)
	}
}

func TestWaitForFailsWhenClosedWithoutMatch(t *testing.T) {
	tx, rx := watch.New(0)
	task := spawn[future.Result[int]](rx.WaitFor(func(v int) bool { return v == 9 }))
	mustPending(t, task)
	if err := tx.Send(1); err != nil {
		t.Fatal(err)
	}
	tx.Close()
	if r := mustReady(t, task); !errors.Is(r.Err, watch.ErrClosed) {
		t.Fatalf("got %+v", r)
	}
}

// The cooperative cases: a loop that keeps completing Changed (or WaitFor,
// or Closed) must run out of budget and yield.
func TestFuturesConsumeBudgetAndYieldWhenItRunsOut(t *testing.T) {
	const budget = 5
	run := func(name string, poll func(cx *future.Context) bool) {
		sig := future.NewSignal()
		cx := future.NewContext(sig.Waker())
		futurecx.SetBudget(cx, budget)
		n := 0
		for poll(cx) {
			n++
			if n > budget {
				t.Fatalf("%s: completed more than the budget allows", name)
			}
		}
		if n != budget {
			t.Fatalf("%s: completed %d times, want %d", name, n, budget)
		}
		select {
		case <-sig.C():
		default:
			t.Fatalf("%s: yielded for budget without waking the task", name)
		}
	}

	tx, rx := watch.New(0)
	tx.Close()
	run("Changed on a closed channel", func(cx *future.Context) bool {
		_, ok := rx.Changed().Poll(cx)
		return ok
	})
	run("WaitFor on a closed channel", func(cx *future.Context) bool {
		_, ok := rx.WaitFor(func(v int) bool { return v == 1 }).Poll(cx)
		return ok
	})
	tx2, rx2 := watch.New(0)
	run("Send then Changed", func(cx *future.Context) bool {
		_ = tx2.Send(1)
		err, ok := rx2.Changed().Poll(cx)
		if ok && err != nil {
			t.Fatal(err)
		}
		return ok
	})
	run("Send then WaitFor", func(cx *future.Context) bool {
		_ = tx2.Send(1)
		_, ok := rx2.WaitFor(func(v int) bool { return v == 1 }).Poll(cx)
		return ok
	})
	rx2.Close()
	run("Closed", func(cx *future.Context) bool {
		_, ok := tx2.Closed().Poll(cx)
		return ok
	})
}

func TestSendIfModifiedFalseMakesNoVersionAndWakesNobody(t *testing.T) {
	tx, rx := watch.New(1)
	task := changed(rx)
	mustPending(t, task)
	if tx.SendIfModified(func(v *int) bool { return false }) {
		t.Fatal("reported a modification")
	}
	if task.IsWoken() {
		t.Fatal("woken without a change")
	}
	mustPending(t, task)
	if !tx.SendIfModified(func(v *int) bool { *v = 2; return true }) {
		t.Fatal("did not report the modification")
	}
	mustOK(t, task)
	if v := rx.Borrow(); v != 2 {
		t.Fatal(v)
	}
}

func TestSendReplaceReturnsOldValueEvenWithoutReceivers(t *testing.T) {
	tx, rx := watch.New("a")
	rx.Close()
	if old := tx.SendReplace("b"); old != "a" {
		t.Fatal(old)
	}
	if v := tx.Borrow(); v != "b" {
		t.Fatal(v)
	}
	if v, _ := tx.Subscribe().BorrowAndUpdate(); v != "b" {
		t.Fatal(v)
	}
}

func TestCountsFollowSubscribeCloneAndClose(t *testing.T) {
	tx, rx := watch.New(0)
	rx2 := tx.Subscribe()
	rx3 := rx2.Clone()
	if tx.ReceiverCount() != 3 {
		t.Fatal(tx.ReceiverCount())
	}
	rx.Close()
	rx.Close()
	rx3.Close()
	if tx.ReceiverCount() != 1 {
		t.Fatal(tx.ReceiverCount())
	}
	if !rx2.SameChannel(rx) {
		t.Fatal("SameChannel")
	}
}

func TestClosedFutureWaitsAgainAfterReopen(t *testing.T) {
	tx, rx := watch.New(struct{}{})
	rx2 := tx.Subscribe()
	task := spawn[struct{}](tx.Closed())
	mustPending(t, task)
	rx.Close()
	if task.IsWoken() {
		t.Fatal("woken while a receiver remains")
	}
	mustPending(t, task)
	rx2.Close()
	if !task.IsWoken() {
		t.Fatal("not woken")
	}
	rx3 := tx.Subscribe()
	mustPending(t, task) // reopened before the poll: wait again
	rx3.Close()
	if !task.IsWoken() {
		t.Fatal("not woken")
	}
	mustReady(t, task)
	mustReady(t, spawn[struct{}](tx.Closed()))
}

func TestUseAfterCloseOfHandlePanics(t *testing.T) {
	tx, rx := watch.New(0)
	rx2 := rx.Clone()
	tx2 := tx.Clone()
	tx.Close()
	rx.Close()
	for name, f := range map[string]func(){
		"Sender.Send":      func() { _ = tx.Send(1) },
		"Sender.Subscribe": func() { tx.Subscribe() },
		"Sender.Clone":     func() { tx.Clone() },
		"Receiver.Changed": func() { rx.Changed() }, //weftvet:ignore panics: closed
		"Receiver.Clone":   func() { rx.Clone() },
	} {
		func() {
			defer func() {
				r, _ := recover().(string)
				if !strings.HasPrefix(r, "watch: ") {
					t.Errorf("%s after Close: recover() = %q, want a watch panic", name, r)
				}
			}()
			f()
		}()
	}
	rx2.Close()
	tx2.Close()
}

func TestDropWaitingFuturesUnlinksThem(t *testing.T) {
	tx, rx := watch.New(0)
	rx2 := rx.Clone()
	c := changed(rx)
	w := spawn[future.Result[int]](rx2.WaitFor(func(v int) bool { return v > 10 }))
	cl := spawn[struct{}](tx.Closed())
	mustPending(t, c)
	mustPending(t, w)
	mustPending(t, cl)
	if ch, cls := watch.Waiters(tx); ch != 2 || cls != 1 {
		t.Fatalf("waiters %d, %d", ch, cls)
	}
	c.Drop()
	w.Drop()
	cl.Drop()
	if ch, cls := watch.Waiters(tx); ch != 0 || cls != 0 {
		t.Fatalf("dropped futures still linked: %d, %d", ch, cls)
	}
	_ = tx.Send(1)
	rx.Close()
	rx2.Close()
	if c.IsWoken() || w.IsWoken() || cl.IsWoken() {
		t.Fatal("a dropped future was woken")
	}
}

func TestReceiverCloseUnlinksItsWaitingFuture(t *testing.T) {
	tx, rx := watch.New(0)
	c := changed(rx)
	mustPending(t, c)
	rx.Close()
	if ch, _ := watch.Waiters(tx); ch != 0 {
		t.Fatal("closed receiver still linked")
	}
}

func TestBlockingChangedSeesSendFromOtherGoroutine(t *testing.T) {
	tx, rx := watch.New(0)
	go func() { _ = tx.Send(7) }()
	if err := rx.BlockingChanged(context.Background()); err != nil {
		t.Fatal(err)
	}
	if v, _ := rx.BorrowAndUpdate(); v != 7 {
		t.Fatal(v)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := rx.BlockingChanged(ctx); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if ch, _ := watch.Waiters(tx); ch != 0 {
		t.Fatal("cancelled BlockingChanged left its waiter linked")
	}
}

func TestPollsAndSendsDoNotAllocate(t *testing.T) {
	tx, rx := watch.New(0)
	cx := future.NewContext(future.Noop())
	cx2 := future.NewContext(future.NewSignal().Waker())
	closed := tx.Closed()
	pred := func(v int) bool { return v < 0 }
	n := testing.AllocsPerRun(100, func() {
		rx.Changed().Poll(cx)
		rx.Changed().Poll(cx2)
		closed.Poll(cx)
		rx.WaitFor(pred).Poll(cx2)
		_ = tx.Send(1)
		tx.SendModify(func(v *int) { *v++ })
		rx.Changed().Poll(cx)
		rx.BorrowAndUpdate()
	})
	closed.Drop()
	rx.Changed().Drop()
	if n != 0 {
		t.Fatalf("allocates %v times", n)
	}
}

func TestFuturesDescribeWhatTheyWaitFor(t *testing.T) {
	tx, rx := watch.New(0)
	for want, f := range map[string]interface{ String() string }{
		"watch.Changed": rx.Changed(),
		"watch.WaitFor": rx.WaitFor(func(int) bool { return true }),
		"watch.Closed":  tx.Closed(),
	} {
		if got := f.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}

package mpsc_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/mocktask"
	"github.com/weftrt/weft/mpsc"
)

// These tests port the behaviour cases of tokio/tests/sync_mpsc.rs, named
// after what they check. Cases that test Rust-only properties (Debug and
// Clone bounds, destructors running during a panic, send_timeout, which needs
// timers) have no counterpart here.

type (
	sendRes    = error
	recvRes    = future.Result[int]
	reserveRes = future.Result[*mpsc.Permit[int]]
)

func TestSendRecvWithBufferThenClosedAfterLastSender(t *testing.T) {
	tx, rx := mpsc.New[int](16)
	p := mustReserve(t, tx, 1)
	p.Send(1)
	if err := tx.TrySend(2); err != nil {
		t.Fatal(err)
	}
	tx.Close()
	if v := mustRecv(t, rx); v != 1 {
		t.Fatalf("got %d, want 1", v)
	}
	if v := mustRecv(t, rx); v != 2 {
		t.Fatalf("got %d, want 2", v)
	}
	mustRecvClosed(t, rx)
}

func TestReservedSlotsFreeOnlyOnRecvOrPermitRelease(t *testing.T) {
	tx, rx := mpsc.New[int](2)
	tx1, tx2, tx3, tx4 := tx.Clone(), tx.Clone(), tx.Clone(), tx
	permit1 := mustReserve(t, tx1, 1)
	permit2 := mustReserve(t, tx2, 1)

	r3 := spawn[reserveRes](tx3.Reserve())
	mustPending(t, r3)
	r4 := spawn[reserveRes](tx4.Reserve())
	mustPending(t, r4)

	permit1.Send(1)
	if r3.IsWoken() {
		t.Fatal("sending through a permit must not free its slot")
	}
	mustRecv(t, rx)
	if !r3.IsWoken() {
		t.Fatal("receiving must hand the slot to the first waiting reservation")
	}
	if r4.IsWoken() {
		t.Fatal("the second waiting reservation was woken for one slot")
	}
	permit2.Release()
	if !r4.IsWoken() {
		t.Fatal("releasing a permit must hand its slot to the next reservation")
	}
	r1 := spawn[reserveRes](tx1.Reserve())
	mustPending(t, r1)
	r1.Drop()
	mustReady(t, r3).Value.Release()
	mustReady(t, r4).Value.Release()
	for _, s := range []*mpsc.Sender[int]{tx1, tx2, tx3, tx4} {
		s.Close()
	}
	mustRecvClosed(t, rx)
	noLeftovers(t, rx)
}

func TestSendFromGoroutineArrivesInOrderThenClosed(t *testing.T) {
	tx, rx := mpsc.New[int](16)
	go func() {
		defer tx.Close()
		for _, v := range []int{1, 2} {
			if err, _ := future.Block[error](context.Background(), tx.Send(v)); err != nil {
				t.Error(err)
			}
		}
	}()
	for _, want := range []int{1, 2} {
		if v, err := rx.BlockingRecv(context.Background()); v != want || err != nil {
			t.Fatalf("BlockingRecv = %v, %v; want %v", v, err, want)
		}
	}
	if _, err := rx.BlockingRecv(context.Background()); !errors.Is(err, mpsc.ErrClosed) {
		t.Fatalf("BlockingRecv = %v, want ErrClosed", err)
	}
}

func TestRecvManyWithBufferCollectsEverythingInOrder(t *testing.T) {
	tx, rx := mpsc.New[int](2)
	buf := make([]int, 0, 3)
	if out, ok := pollOnce[[]int](rx.RecvMany(buf, 0)); !ok || len(out) != 0 {
		t.Fatalf("RecvMany with limit 0 = %v, %v; want an immediate empty result", out, ok)
	}
	go func() {
		defer tx.Close()
		for _, v := range []int{1, 2, 7, 0} {
			if err, _ := future.Block[error](context.Background(), tx.Send(v)); err != nil {
				t.Error(err)
			}
		}
	}()
	for len(buf) < 4 {
		out, err := future.Block[[]int](context.Background(), rx.RecvMany(buf, 3))
		if err != nil || len(out) == len(buf) {
			t.Fatalf("RecvMany = %v, %v: nothing received", out, err)
		}
		buf = out
	}
	if !slices.Equal(buf, []int{1, 2, 7, 0}) {
		t.Fatalf("got %v", buf)
	}
	out, _ := future.Block[[]int](context.Background(), rx.RecvMany(buf, 3))
	if len(out) != 4 {
		t.Fatalf("RecvMany after close appended %v", out[4:])
	}
}

func TestDroppedWaitingReserveWakesTheNextOneNotItself(t *testing.T) {
	tx1, rx := mpsc.New[struct{}](1)
	tx2 := tx1.Clone()
	if err := tx1.TrySend(struct{}{}); err != nil {
		t.Fatal(err)
	}
	r1 := spawn[future.Result[*mpsc.Permit[struct{}]]](tx1.Reserve())
	mustPending(t, r1)
	r2 := spawn[future.Result[*mpsc.Permit[struct{}]]](tx2.Reserve())
	mustPending(t, r2)
	r1.Drop()
	mustRecv(t, rx)
	if !r2.IsWoken() {
		t.Fatal("the slot must go to the remaining reservation")
	}
	if r1.IsWoken() {
		t.Fatal("a dropped reservation was woken")
	}
	r2.Drop()
	tx1.Close()
	tx2.Close()
	mustRecvClosed(t, rx)
	noLeftovers(t, rx)
}

func TestNewPanicsOnCapacityBelowOne(t *testing.T) {
	for _, c := range []int{0, -1} {
		mustPanic(t, func() { mpsc.New[int](c) })
	}
}

func TestTryRecvOnBoundedChannelFollowsFillAndDrain(t *testing.T) {
	tx, rx := mpsc.New[string](5)
	for range 5 {
		if err := tx.TrySend("hello"); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.TrySend("hello"); !errors.Is(err, mpsc.ErrFull) {
		t.Fatalf("TrySend on a full channel = %v, want ErrFull", err)
	}
	for range 5 {
		if v, err := rx.TryRecv(); v != "hello" || err != nil {
			t.Fatal(v, err)
		}
	}
	if _, err := rx.TryRecv(); !errors.Is(err, mpsc.ErrEmpty) {
		t.Fatalf("TryRecv = %v, want ErrEmpty", err)
	}
	for range 4 {
		if err := tx.TrySend("hello"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rx.TryRecv(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := tx.TrySend("hello"); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.TrySend("hello"); err == nil {
		t.Fatal("TrySend on a full channel succeeded")
	}
	for range 5 {
		if _, err := rx.TryRecv(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rx.TryRecv(); !errors.Is(err, mpsc.ErrEmpty) {
		t.Fatal(err)
	}
	for range 3 {
		if err := tx.TrySend("hello"); err != nil {
			t.Fatal(err)
		}
	}
	tx.Close()
	for range 3 {
		if _, err := rx.TryRecv(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rx.TryRecv(); !errors.Is(err, mpsc.ErrClosed) {
		t.Fatalf("TryRecv after the last sender = %v, want ErrClosed", err)
	}
}

func TestTrySendFullThenSucceedsAfterRecv(t *testing.T) {
	tx, rx := mpsc.New[string](1)
	if err := tx.TrySend("hello"); err != nil {
		t.Fatal(err)
	}
	if err := tx.TrySend("fail"); !errors.Is(err, mpsc.ErrFull) {
		t.Fatalf("TrySend = %v, want ErrFull", err)
	}
	if v := mustRecv(t, rx); v != "hello" {
		t.Fatal(v)
	}
	if err := tx.TrySend("goodbye"); err != nil {
		t.Fatal(err)
	}
	tx.Close()
	if v, err := rx.TryRecv(); v != "goodbye" || err != nil {
		t.Fatal(v, err)
	}
	if _, err := rx.TryRecv(); !errors.Is(err, mpsc.ErrClosed) {
		t.Fatal(err)
	}
}

func TestWokenReservationHoldsItsSlotAgainstTrySend(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	mustReserve(t, tx, 1).Send(1)
	p2 := spawn[reserveRes](tx.Reserve())
	mustPending(t, p2)
	mustRecv(t, rx)
	if !p2.IsWoken() {
		t.Fatal("reservation not woken by the receive")
	}
	if err := tx.TrySend(1337); !errors.Is(err, mpsc.ErrFull) {
		t.Fatalf("TrySend took the slot granted to a waiting reservation: %v", err)
	}
	mustReady(t, p2).Value.Send(2)
	if v := mustRecv(t, rx); v != 2 {
		t.Fatal(v)
	}
}

func TestWaitingSendersAreServedInArrivalOrder(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	if err := tx.TrySend(0); err != nil {
		t.Fatal(err)
	}
	var sends []*mocktask.Task[error]
	for i := 1; i <= 5; i++ {
		s := spawn[sendRes](tx.Send(i))
		mustPending(t, s)
		sends = append(sends, s)
	}
	for i := 0; i < 5; i++ {
		if v := mustRecv(t, rx); v != i {
			t.Fatalf("got %d, want %d", v, i)
		}
		for j, s := range sends {
			if woken := s.IsWoken(); woken != (j == i) {
				t.Fatalf("after receive %d: send %d woken=%v", i, j+1, woken)
			}
		}
		if err := mustReady(t, sends[i]); err != nil {
			t.Fatal(err)
		}
		for _, s := range sends[i+1:] {
			mustPending(t, s)
		}
	}
	if v := mustRecv(t, rx); v != 5 {
		t.Fatalf("got %d, want 5", v)
	}
}

func TestRecvPendingUntilSendThenWoken(t *testing.T) {
	tx, rx := mpsc.New[int](4)
	recv := spawn[recvRes](rx.Recv())
	mustPending(t, recv)
	if err := tx.TrySend(5); err != nil {
		t.Fatal(err)
	}
	if !recv.IsWoken() {
		t.Fatal("receiver not woken by a send")
	}
	if r := mustReady(t, recv); r.Value != 5 {
		t.Fatalf("got %+v", r)
	}
}

func TestLastSenderCloseWakesWaitingReceiver(t *testing.T) {
	tx, rx := mpsc.New[int](4)
	tx2 := tx.Clone()
	recv := spawn[recvRes](rx.Recv())
	mustPending(t, recv)
	tx.Close()
	if recv.IsWoken() {
		t.Fatal("receiver woken while a sender remains")
	}
	tx2.Close()
	if !recv.IsWoken() {
		t.Fatal("receiver not woken by the last sender's Close")
	}
	if r := mustReady(t, recv); !errors.Is(r.Err, mpsc.ErrClosed) {
		t.Fatalf("got %+v, want ErrClosed", r)
	}
}

func TestNoSenderLeftMeansClosedAtOnce(t *testing.T) {
	tx, rx := mpsc.New[int](10)
	tx.Close()
	mustRecvClosed(t, rx)
}

func TestSenderCapacityCountsReservationsAndBufferedValues(t *testing.T) {
	tx, rx := mpsc.New[struct{}](10)
	if tx.Capacity() != 10 || tx.MaxCapacity() != 10 {
		t.Fatal(tx.Capacity(), tx.MaxCapacity())
	}
	p := mustReserve(t, tx, 1)
	if tx.Capacity() != 9 || tx.MaxCapacity() != 10 {
		t.Fatal(tx.Capacity(), tx.MaxCapacity())
	}
	mustSend(t, tx, struct{}{})
	if tx.Capacity() != 8 || tx.MaxCapacity() != 10 || rx.Capacity() != 8 {
		t.Fatal(tx.Capacity(), tx.MaxCapacity())
	}
	p.Release()
	mustRecv(t, rx)
	if tx.Capacity() != 10 {
		t.Fatal(tx.Capacity())
	}
}

func TestReceiverIsClosed(t *testing.T) {
	t.Run("after Close with a sender left", func(t *testing.T) {
		_, rx := mpsc.New[int](10)
		rx.Close()
		if !rx.IsClosed() {
			t.Fatal("not closed")
		}
	})
	t.Run("after every sender closed", func(t *testing.T) {
		tx, rx := mpsc.New[int](10)
		tx2 := tx.Clone()
		done := make(chan struct{})
		go func() { tx2.Close(); close(done) }()
		tx.Close()
		<-done
		if !rx.IsClosed() {
			t.Fatal("not closed")
		}
	})
	t.Run("not while a sender is open", func(t *testing.T) {
		_, rx := mpsc.New[int](10)
		if rx.IsClosed() {
			t.Fatal("closed")
		}
	})
	t.Run("not when the buffer is full", func(t *testing.T) {
		tx, rx := mpsc.New[int](10)
		for i := range 10 {
			mustSend(t, tx, i)
		}
		if rx.IsClosed() {
			t.Fatal("closed")
		}
	})
	t.Run("with values buffered and no sender", func(t *testing.T) {
		tx, rx := mpsc.New[int](10)
		for i := range 10 {
			mustSend(t, tx, i)
		}
		tx.Close()
		if !rx.IsClosed() {
			t.Fatal("not closed")
		}
	})
	t.Run("with values buffered and Close", func(t *testing.T) {
		tx, rx := mpsc.New[int](10)
		for i := range 10 {
			mustSend(t, tx, i)
		}
		rx.Close()
		if !rx.IsClosed() {
			t.Fatal("not closed")
		}
	})
	t.Run("not while a permit outlives the senders", func(t *testing.T) {
		tx, rx := mpsc.New[int](10)
		p := mustReserve(t, tx, 1)
		tx.Close()
		if rx.IsClosed() {
			t.Fatal("closed while a permit may still send")
		}
		p.Send(1)
		if !rx.IsClosed() {
			t.Fatal("not closed after the last permit was used")
		}
		if v := mustRecv(t, rx); v != 1 {
			t.Fatal(v)
		}
		mustRecvClosed(t, rx)
	})
	t.Run("unbounded after Close", func(t *testing.T) {
		_, rx := mpsc.NewUnbounded[int]()
		rx.Close()
		if !rx.IsClosed() {
			t.Fatal("not closed")
		}
	})
	t.Run("unbounded with values buffered and no sender", func(t *testing.T) {
		tx, rx := mpsc.NewUnbounded[int]()
		for i := range 10 {
			if err := tx.Send(i); err != nil {
				t.Fatal(err)
			}
		}
		tx.Close()
		if !rx.IsClosed() {
			t.Fatal("not closed")
		}
	})
}

func TestReceiverIsEmptyAndLen(t *testing.T) {
	tx, rx := mpsc.New[int](100)
	if !rx.IsEmpty() || rx.Len() != 0 {
		t.Fatal("new channel not empty")
	}
	for i := range 100 {
		mustSend(t, tx, i)
		if rx.Len() != i+1 || rx.IsEmpty() {
			t.Fatalf("Len = %d after %d sends", rx.Len(), i+1)
		}
	}
	tx.Close()
	if rx.Len() != 100 {
		t.Fatalf("closing the sender changed Len to %d", rx.Len())
	}
	for i := 99; i >= 0; i-- {
		mustRecv(t, rx)
		if rx.Len() != i {
			t.Fatalf("Len = %d, want %d", rx.Len(), i)
		}
	}
	if !rx.IsEmpty() {
		t.Fatal("not empty after draining")
	}
}

func TestLenUnaffectedByClose(t *testing.T) {
	for _, order := range []string{"close only", "close then sender", "sender then close"} {
		tx, rx := mpsc.New[int](100)
		mustSend(t, tx, 1)
		switch order {
		case "close only":
			rx.Close()
		case "close then sender":
			rx.Close()
			tx.Close()
		case "sender then close":
			tx.Close()
			rx.Close()
		}
		if rx.Len() != 1 {
			t.Fatalf("%s: Len = %d, want 1", order, rx.Len())
		}
	}
	tx, rx := mpsc.NewUnbounded[int]()
	_ = tx.Send(1)
	tx.Close()
	rx.Close()
	if rx.Len() != 1 {
		t.Fatalf("unbounded: Len = %d, want 1", rx.Len())
	}
}

// Regression: Tokio #6602, an emptiness check that went wrong when the
// block list wrapped after 32 values.
func TestIsEmptyAfterEachRoundTripPastWrap(t *testing.T) {
	tx, rx := mpsc.New[int](33)
	for v := 1; v < 257; v++ {
		mustSend(t, tx, v)
		mustRecv(t, rx)
		if !rx.IsEmpty() {
			t.Fatalf("%d: Len = %d", v, rx.Len())
		}
	}
}

func TestRingWrapsAndGrowsKeepingOrder(t *testing.T) {
	tx, rx := mpsc.NewUnbounded[int]()
	next, want := 0, 0
	for round := range 50 {
		for range round * 7 {
			if err := tx.Send(next); err != nil {
				t.Fatal(err)
			}
			next++
		}
		for range round * 5 {
			if v := mustRecv(t, rx); v != want {
				t.Fatalf("got %d, want %d", v, want)
			}
			want++
		}
	}
	for want < next {
		if v := mustRecv(t, rx); v != want {
			t.Fatalf("got %d, want %d", v, want)
		}
		want++
	}
	if c := mpsc.RingCap(rx); c != 0 {
		t.Fatalf("drained unbounded channel keeps a ring of %d", c)
	}
}

func TestBlockingRecvGetsValueSentByOtherGoroutine(t *testing.T) {
	tx, rx := mpsc.New[uint8](1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if v, err := rx.BlockingRecv(context.Background()); v != 10 || err != nil {
			t.Errorf("BlockingRecv = %v, %v", v, err)
		}
	}()
	if err, _ := future.Block[error](context.Background(), tx.Send(10)); err != nil {
		t.Fatal(err)
	}
	<-done
}

func TestBlockingSendWaitsForRoom(t *testing.T) {
	tx, rx := mpsc.New[uint8](1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, v := range []uint8{10, 11, 12} {
			if err := tx.BlockingSend(context.Background(), v); err != nil {
				t.Error(err)
			}
		}
	}()
	for _, want := range []uint8{10, 11, 12} {
		r, _ := future.Block[future.Result[uint8]](context.Background(), rx.Recv())
		if r.Value != want || r.Err != nil {
			t.Fatalf("got %+v, want %v", r, want)
		}
	}
	<-done
}

func TestBlockingSendReportsClosedReceiver(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	if err := tx.TrySend(1); err != nil {
		t.Fatal(err)
	}
	go rx.Close()
	if err := tx.BlockingSend(context.Background(), 2); !errors.Is(err, mpsc.ErrClosed) {
		t.Fatalf("BlockingSend = %v, want ErrClosed", err)
	}
	noLeftovers(t, rx)
}

func TestBlockingSendContextEndGivesBackItsPlace(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	if err := tx.TrySend(1); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := tx.BlockingSend(ctx, 2); !errors.Is(err, context.Canceled) {
		t.Fatalf("BlockingSend = %v, want context.Canceled", err)
	}
	noLeftovers(t, rx)
	if v := mustRecv(t, rx); v != 1 {
		t.Fatal(v)
	}
	if _, err := rx.TryRecv(); !errors.Is(err, mpsc.ErrEmpty) {
		t.Fatalf("a cancelled BlockingSend delivered its value: %v", err)
	}
}

func TestBlockingRecvContextEndWithdrawsWaker(t *testing.T) {
	_, rx := mpsc.New[int](1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := rx.BlockingRecv(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("BlockingRecv = %v", err)
	}
	noLeftovers(t, rx)
}

func TestBlockingRecvReportsEnd(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	go tx.Close()
	if _, err := rx.BlockingRecv(context.Background()); !errors.Is(err, mpsc.ErrClosed) {
		t.Fatalf("BlockingRecv = %v, want ErrClosed", err)
	}
}

func TestSendOnClosedSenderPanics(t *testing.T) {
	tx, _ := mpsc.New[int](1)
	tx.Close()
	tx.Close() // idempotent
	mustPanic(t, func() { _ = tx.TrySend(1) })
	mustPanic(t, func() { pollOnce[error](tx.Send(1)) })
	mustPanic(t, func() { tx.Clone() })
	utx, _ := mpsc.NewUnbounded[int]()
	utx.Close()
	mustPanic(t, func() { _ = utx.Send(1) })
}

func TestWaitingSendPolledAfterItsSenderClosedPanicsAndDropReturnsPlace(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	other := tx.Clone()
	if err := tx.TrySend(1); err != nil {
		t.Fatal(err)
	}
	s := spawn[sendRes](tx.Send(2))
	mustPending(t, s)
	tx.Close()
	mustPanic(t, func() { s.Poll() })
	s.Drop()
	mustRecv(t, rx)
	if err := other.TrySend(3); err != nil {
		t.Fatalf("slot not returned by the dropped send: %v", err)
	}
	noLeftovers(t, rx)
}

func TestStrongCountsFollowCloneAndClose(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	tx2 := tx.Clone()
	if tx.StrongCount() != 2 || tx2.StrongCount() != 2 || rx.SenderStrongCount() != 2 {
		t.Fatal(tx.StrongCount(), rx.SenderStrongCount())
	}
	tx2.Close()
	if tx.StrongCount() != 1 || rx.SenderStrongCount() != 1 {
		t.Fatal(tx.StrongCount(), rx.SenderStrongCount())
	}
	if !tx.SameChannel(tx2) {
		t.Fatal("clones not on the same channel")
	}
	other, _ := mpsc.New[int](1)
	if tx.SameChannel(other) {
		t.Fatal("different channels reported the same")
	}
}

func TestRecvConsumesBudgetOnlyWhenItCompletes(t *testing.T) {
	tx, rx := mpsc.New[int](4)
	recv := spawn[recvRes](rx.Recv())
	recv.SetBudget(3)
	mustPending(t, recv)
	if left, _ := recv.Context().Budget(); left != 3 {
		t.Fatalf("pending recv used budget: %d left", left)
	}
	if err := tx.TrySend(1); err != nil {
		t.Fatal(err)
	}
	mustReady(t, recv)
	if left, _ := recv.Context().Budget(); left != 2 {
		t.Fatalf("budget left %d, want 2", left)
	}
}

func TestExhaustedBudgetMakesEveryFutureYield(t *testing.T) {
	tx, rx := mpsc.New[int](4)
	if err := tx.TrySend(1); err != nil {
		t.Fatal(err)
	}
	futures := map[string]func() (woken bool){
		"Recv": func() bool {
			f := spawn[recvRes](rx.Recv())
			f.SetBudget(0)
			mustPending(t, f)
			f.Drop()
			return f.IsWoken()
		},
		"RecvMany": func() bool {
			f := spawn[[]int](rx.RecvMany(nil, 4))
			f.SetBudget(0)
			mustPending(t, f)
			f.Drop()
			return f.IsWoken()
		},
		"Send": func() bool {
			f := spawn[sendRes](tx.Send(2))
			f.SetBudget(0)
			mustPending(t, f)
			f.Drop()
			return f.IsWoken()
		},
		"Reserve": func() bool {
			f := spawn[reserveRes](tx.Reserve())
			f.SetBudget(0)
			mustPending(t, f)
			f.Drop()
			return f.IsWoken()
		},
		"Closed": func() bool {
			f := spawn[struct{}](tx.Closed())
			f.SetBudget(0)
			mustPending(t, f)
			f.Drop()
			return f.IsWoken()
		},
	}
	for name, run := range futures {
		if !run() {
			t.Errorf("%s: a poll refused for budget must wake the task", name)
		}
	}
	if rx.Len() != 1 {
		t.Fatalf("a refused poll changed the buffer: Len %d", rx.Len())
	}
	noLeftovers(t, rx)
}

func TestPollsDoNotAllocate(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	cx := future.NewContext(future.Noop())
	cx2 := future.NewContext(future.NewSignal().Waker())
	if err := tx.TrySend(0); err != nil {
		t.Fatal(err)
	}
	send, reserve, closed := tx.Send(1), tx.Reserve(), tx.Closed()
	send.Poll(cx)
	reserve.Poll(cx)
	n := testing.AllocsPerRun(100, func() {
		send.Poll(cx)
		send.Poll(cx2)
		reserve.Poll(cx2)
		reserve.Poll(cx)
		closed.Poll(cx)
		closed.Poll(cx2)
	})
	if n != 0 {
		t.Fatalf("waiting polls allocate %v times", n)
	}
	send.Drop()
	reserve.Drop()
	closed.Drop()
	buf := make([]int, 0, 4)
	n = testing.AllocsPerRun(100, func() {
		_ = tx.TrySend(1)
		rx.Recv().Poll(cx)
		rx.Recv().Poll(cx2)
		_ = tx.TrySend(2)
		rx.RecvMany(buf, 4).Poll(cx)
		_, _ = rx.TryRecv()
	})
	if n != 0 {
		t.Fatalf("receiving allocates %v times", n)
	}
}

func TestFuturesDescribeWhatTheyWaitFor(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	for want, f := range map[string]interface{ String() string }{
		"mpsc.Send":     tx.Send(1),
		"mpsc.Reserve":  tx.Reserve(),
		"mpsc.Closed":   tx.Closed(),
		"mpsc.Recv":     rx.Recv(),
		"mpsc.RecvMany": rx.RecvMany(nil, 1),
	} {
		if got := f.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}

func TestSendErrorHandsBackTheValue(t *testing.T) {
	tx, rx := mpsc.New[string](1)
	rx.Close()
	err, ok := pollOnce[error](tx.Send("lost"))
	var se *mpsc.SendError[string]
	if !ok || !errors.As(err, &se) || se.Value != "lost" || !errors.Is(err, mpsc.ErrClosed) {
		t.Fatalf("Send after Close = %v, %v", err, ok)
	}
	if err.Error() != "mpsc: channel closed" {
		t.Fatal(err.Error())
	}
}

func TestRecvManyBoundedReusesCapacityAndWaitsForPendingSender(t *testing.T) {
	buf := make([]string, 0, 9)
	limit := cap(buf)
	tx, rx := mpsc.New[string](100)
	var expected []string
	for x := range limit {
		expected = append(expected, strconv.Itoa(x))
		mustSend(t, tx, strconv.Itoa(x))
	}
	mustSend(t, tx, "one more")
	out, _ := pollOnce[[]string](rx.RecvMany(buf, limit))
	if !slices.Equal(out, expected) || cap(out) != limit {
		t.Fatalf("got %v (cap %d)", out, cap(out))
	}
	out, _ = pollOnce[[]string](rx.RecvMany(out, limit))
	expected = append(expected, "one more")
	if !slices.Equal(out, expected) {
		t.Fatalf("got %v", out)
	}
	go func() {
		defer tx.Close()
		if err, _ := future.Block[error](context.Background(), tx.Send("final")); err != nil {
			t.Error(err)
		}
	}()
	out, _ = future.Block[[]string](context.Background(), rx.RecvMany(out, limit))
	expected = append(expected, "final")
	if !slices.Equal(out, expected) {
		t.Fatalf("got %v", out)
	}
	out, _ = future.Block[[]string](context.Background(), rx.RecvMany(out, limit))
	if !slices.Equal(out, expected) {
		t.Fatalf("closed channel appended: %v", out)
	}
}

func TestRecvManyOnClosedIdleChannelKeepsBufferUntouched(t *testing.T) {
	_, rx := mpsc.New[int](1)
	rx.Close()
	out, ok := pollOnce[[]int](rx.RecvMany([]int{1}, 1))
	if !ok || !slices.Equal(out, []int{1}) {
		t.Fatalf("got %v, %v", out, ok)
	}
	_, urx := mpsc.NewUnbounded[int]()
	urx.Close()
	out, ok = pollOnce[[]int](urx.RecvMany([]int{1}, 1))
	if !ok || !slices.Equal(out, []int{1}) {
		t.Fatalf("got %v, %v", out, ok)
	}
}

func TestRecvManyWakesSendersForEveryFreedSlot(t *testing.T) {
	tx, rx := mpsc.New[int](2)
	mustSend(t, tx, 1)
	mustSend(t, tx, 2)
	s3 := spawn[sendRes](tx.Send(3))
	s4 := spawn[sendRes](tx.Send(4))
	mustPending(t, s3)
	mustPending(t, s4)
	out, _ := pollOnce[[]int](rx.RecvMany(nil, 2))
	if !slices.Equal(out, []int{1, 2}) {
		t.Fatal(out)
	}
	if !s3.IsWoken() || !s4.IsWoken() {
		t.Fatal("both waiting senders must get a slot")
	}
	mustReady(t, s3)
	mustReady(t, s4)
	out, _ = pollOnce[[]int](rx.RecvMany(nil, 5))
	if !slices.Equal(out, []int{3, 4}) {
		t.Fatal(out)
	}
}

package broadcast_test

import (
	"context"
	"errors"
	"math"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/weftrt/weft/broadcast"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/mocktask"
)

// These tests port the behaviour cases of tokio/tests/sync_broadcast.rs,
// named after what they check. Cases about Rust-only behaviour (a panic in
// Clone, a waker whose drop sends) have no counterpart.

func spawn[T any](f future.Future[T]) *mocktask.Task[T] { return mocktask.Spawn(f) }

func recv[T any](rx *broadcast.Receiver[T]) *mocktask.Task[future.Result[T]] {
	return spawn[future.Result[T]](rx.Recv())
}

func mustPending[T any](t *testing.T, task *mocktask.Task[T]) {
	t.Helper()
	if v, ok := task.Poll(); ok {
		t.Fatalf("expected pending, got ready %v", v)
	}
}

func mustReadyValue[T comparable](t *testing.T, task *mocktask.Task[future.Result[T]], want T) {
	t.Helper()
	r, ok := task.Poll()
	if !ok {
		t.Fatal("expected ready, got pending")
	}
	if r.Err != nil || r.Value != want {
		t.Fatalf("got %+v, want %v", r, want)
	}
}

func mustRecv[T comparable](t *testing.T, rx *broadcast.Receiver[T], want T) {
	t.Helper()
	v, err := rx.TryRecv()
	if err != nil || v != want {
		t.Fatalf("TryRecv = %v, %v; want %v", v, err, want)
	}
}

func mustEmpty[T any](t *testing.T, rx *broadcast.Receiver[T]) {
	t.Helper()
	if v, err := rx.TryRecv(); !errors.Is(err, broadcast.ErrEmpty) {
		t.Fatalf("TryRecv = %v, %v; want ErrEmpty", v, err)
	}
}

func mustLagged[T any](t *testing.T, rx *broadcast.Receiver[T], n uint64) {
	t.Helper()
	_, err := rx.TryRecv()
	var lag *broadcast.LaggedError
	if !errors.As(err, &lag) || lag.Skipped != n {
		t.Fatalf("TryRecv = %v; want lagged by %d", err, n)
	}
}

func mustClosed[T any](t *testing.T, rx *broadcast.Receiver[T]) {
	t.Helper()
	if _, err := rx.TryRecv(); !errors.Is(err, broadcast.ErrClosed) {
		t.Fatalf("TryRecv = %v; want ErrClosed", err)
	}
}

func mustSend[T any](t *testing.T, tx *broadcast.Sender[T], v T) int {
	t.Helper()
	n, err := tx.Send(v)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSendThenTryRecv(t *testing.T) {
	tx, rx := broadcast.New[string](16)
	mustEmpty(t, rx)
	if n := mustSend(t, tx, "hello"); n != 1 {
		t.Fatalf("Send reached %d receivers, want 1", n)
	}
	mustRecv(t, rx, "hello")
	mustEmpty(t, rx)
}

func TestEveryReceiverGetsEveryValue(t *testing.T) {
	tx, rx1 := broadcast.New[string](16)
	rx2 := tx.Subscribe()
	mustEmpty(t, rx1)
	mustEmpty(t, rx2)
	if n := mustSend(t, tx, "hello"); n != 2 {
		t.Fatalf("Send reached %d receivers, want 2", n)
	}
	mustRecv(t, rx1, "hello")
	mustRecv(t, rx2, "hello")
	mustEmpty(t, rx1)
	mustEmpty(t, rx2)
}

func TestSendWakesWaitingReceiver(t *testing.T) {
	tx, rx := broadcast.New[string](16)
	task := recv(rx)
	mustPending(t, task)
	mustSend(t, tx, "hello")
	if !task.IsWoken() {
		t.Fatal("not woken")
	}
	mustReadyValue(t, task, "hello")
}

func TestSendWakesOnlyWaitingReceivers(t *testing.T) {
	tx, rx1 := broadcast.New[string](16)
	rx2 := tx.Subscribe()
	r1, r2 := recv(rx1), recv(rx2)
	mustPending(t, r1)
	mustPending(t, r2)
	mustSend(t, tx, "hello")
	if !r1.IsWoken() || !r2.IsWoken() {
		t.Fatal("not every receiver woken")
	}
	mustReadyValue(t, r1, "hello")
	mustReadyValue(t, r2, "hello")

	r1, r2 = recv(rx1), recv(rx2)
	mustPending(t, r1)
	mustSend(t, tx, "world")
	if !r1.IsWoken() {
		t.Fatal("waiting receiver not woken")
	}
	if r2.IsWoken() {
		t.Fatal("a receiver that was not waiting was woken")
	}
	mustReadyValue(t, r1, "world")
	mustReadyValue(t, r2, "world")
}

func TestRecvPolledByNewTaskWakesNewTask(t *testing.T) {
	tx, rx := broadcast.New[string](1)
	t1, t2 := recv(rx), recv(rx)
	mustPending(t, t1)
	mustPending(t, t2)
	mustSend(t, tx, "hello")
	if !t2.IsWoken() {
		t.Fatal("the last registered waker was not woken")
	}
	if t1.IsWoken() {
		t.Fatal("the replaced waker was woken")
	}
}

func TestSlowReceiverKeepsItsPlace(t *testing.T) {
	tx, rx1 := broadcast.New[string](16)
	rx2 := tx.Subscribe()
	recv2 := recv(rx2)
	recv1 := recv(rx1)
	mustPending(t, recv1)
	mustPending(t, recv2)
	mustSend(t, tx, "one")
	if !recv1.IsWoken() || !recv2.IsWoken() {
		t.Fatal("not woken")
	}
	mustSend(t, tx, "two")
	mustReadyValue(t, recv1, "one")
	mustReadyValue(t, recv(rx1), "two")
	recv1 = recv(rx1)
	mustPending(t, recv1)
	mustSend(t, tx, "three")
	if !recv1.IsWoken() {
		t.Fatal("not woken")
	}
	mustReadyValue(t, recv1, "three")
	mustReadyValue(t, recv2, "one")
	mustRecv(t, rx2, "two")
	mustRecv(t, rx2, "three")
}

func TestClosingReceiversWithUnreadValuesReleasesSlots(t *testing.T) {
	tx, rx1 := broadcast.New[string](16)
	rx2 := tx.Subscribe()
	mustSend(t, tx, "one")
	mustSend(t, tx, "two")
	mustRecv(t, rx1, "one")
	mustRecv(t, rx2, "one")
	if broadcast.HeldValues(tx) != 1 {
		t.Fatal("two must still be held")
	}
	rx2.Close()
	if broadcast.HeldValues(tx) != 1 {
		t.Fatal("rx1 has not read two yet")
	}
	rx1.Close()
	if n := broadcast.HeldValues(tx); n != 0 {
		t.Fatalf("%d values still held after every receiver closed", n)
	}
}

func TestLaggingReceiverSkipsOverwrittenValues(t *testing.T) {
	tx, rx1 := broadcast.New[string](2)
	rx2 := tx.Subscribe()
	mustSend(t, tx, "one")
	mustSend(t, tx, "two")
	mustRecv(t, rx1, "one")
	mustSend(t, tx, "three")
	mustLagged(t, rx2, 1)
	mustRecv(t, rx2, "two")
	mustRecv(t, rx1, "two")
	mustRecv(t, rx1, "three")
	mustSend(t, tx, "four")
	mustSend(t, tx, "five")
	mustLagged(t, rx2, 1)
	mustSend(t, tx, "six")
	mustLagged(t, rx2, 1)
}

func TestSendWithoutReceiversFailsUntilSubscribe(t *testing.T) {
	tx, rx := broadcast.New[string](16)
	rx.Close()
	if _, err := tx.Send("hello"); !errors.Is(err, broadcast.ErrNoReceivers) {
		t.Fatalf("Send = %v, want ErrNoReceivers", err)
	}
	rx = tx.Subscribe()
	mustSend(t, tx, "world")
	mustRecv(t, rx, "world")
	mustEmpty(t, rx)
}

func TestNewPanicsOnBadCapacity(t *testing.T) {
	for _, c := range []int{0, -1, math.MaxInt} {
		func() {
			defer func() {
				r, _ := recover().(string)
				if !strings.HasPrefix(r, "broadcast: ") {
					t.Fatalf("New(%d): recover() = %q", c, r)
				}
			}()
			broadcast.New[struct{}](c)
		}()
	}
}

// New allocates its whole ring at once: before the bound, New(1<<40) asked
// for terabytes and the process died of a fatal out-of-memory error, which
// no recover can catch. Now it panics at the call, for any element size.
func TestNewRefusesARingTooLargeToAllocate(t *testing.T) {
	caps := []int{math.MaxInt, 1 << 30}
	if bits.UintSize == 64 {
		caps = append(caps, math.MaxInt>>23+1) // 1<<40
	}
	mustRefuse := func(name string, c int, f func()) {
		t.Helper()
		defer func() {
			t.Helper()
			r, _ := recover().(string)
			if !strings.HasPrefix(r, "broadcast: capacity too large") {
				t.Fatalf("%s(%d): recover() = %q, want the capacity-too-large panic", name, c, r)
			}
		}()
		f()
	}
	for _, c := range caps {
		mustRefuse("New[int64]", c, func() { broadcast.New[int64](c) })
		mustRefuse("NewSender[struct{}]", c, func() { broadcast.NewSender[struct{}](c) })
	}
	// The bound is on bytes: 16384 values of 64 KiB are over it, 4 are not.
	type big [1 << 16]byte
	mustRefuse("New[big]", 1<<14, func() { broadcast.New[big](1 << 14) })
	tx, rx := broadcast.New[big](4)
	mustSend(t, tx, big{1})
	if v, err := rx.TryRecv(); err != nil || v[0] != 1 {
		t.Fatalf("TryRecv = %v, %v", v[0], err)
	}
	tx.Close()
	rx.Close()
}

func TestLastSenderCloseWakesReceiversWithErrClosed(t *testing.T) {
	tx, rx1 := broadcast.New[struct{}](16)
	rx2 := tx.Subscribe()
	tx2 := tx.Clone()
	r1, r2 := recv(rx1), recv(rx2)
	mustPending(t, r1)
	mustPending(t, r2)
	tx.Close()
	mustPending(t, r1)
	mustPending(t, r2)
	tx2.Close()
	if !r1.IsWoken() || !r2.IsWoken() {
		t.Fatal("not woken by the last sender")
	}
	for _, task := range []*mocktask.Task[future.Result[struct{}]]{r1, r2} {
		if r, ok := task.Poll(); !ok || !errors.Is(r.Err, broadcast.ErrClosed) {
			t.Fatalf("got %+v, %v; want ErrClosed", r, ok)
		}
	}
}

func TestSingleCapacity(t *testing.T) {
	tx, rx := broadcast.New[int](1)
	mustSend(t, tx, 1)
	mustRecv(t, rx, 1)
	mustEmpty(t, rx)

	tx, rx = broadcast.New[int](1)
	mustSend(t, tx, 1)
	tx.Close()
	mustRecv(t, rx, 1)
	mustClosed(t, rx)

	tx, rx = broadcast.New[int](1)
	mustSend(t, tx, 1)
	mustSend(t, tx, 2)
	tx.Close()
	mustLagged(t, rx, 1)
	mustRecv(t, rx, 2)
	mustClosed(t, rx)
}

func TestSenderCloseDoesNotOverwriteUnreadValues(t *testing.T) {
	tx, rx := broadcast.New[int](2)
	mustSend(t, tx, 1)
	mustSend(t, tx, 2)
	tx.Close()
	mustRecv(t, rx, 1)
	mustRecv(t, rx, 2)
	mustClosed(t, rx)
}

func TestLaggingReceiverRecoversAfterWrap(t *testing.T) {
	t.Run("closed after one lap", func(t *testing.T) {
		tx, rx := broadcast.New[int](2)
		for v := 1; v <= 3; v++ {
			mustSend(t, tx, v)
		}
		tx.Close()
		mustLagged(t, rx, 1)
		mustRecv(t, rx, 2)
		mustRecv(t, rx, 3)
		mustClosed(t, rx)
	})
	t.Run("closed after more", func(t *testing.T) {
		tx, rx := broadcast.New[int](2)
		for v := 1; v <= 4; v++ {
			mustSend(t, tx, v)
		}
		tx.Close()
		mustLagged(t, rx, 2)
		mustRecv(t, rx, 3)
		mustRecv(t, rx, 4)
		mustClosed(t, rx)
	})
	t.Run("open", func(t *testing.T) {
		tx, rx := broadcast.New[int](2)
		for v := 1; v <= 3; v++ {
			mustSend(t, tx, v)
		}
		mustLagged(t, rx, 1)
		mustRecv(t, rx, 2)
		mustRecv(t, rx, 3)
		mustEmpty(t, rx)
	})
}

func TestReceiverLenCountsLaggedValues(t *testing.T) {
	tx, rx := broadcast.New[int](3)
	for _, v := range []int{10, 20, 30, 40} {
		mustSend(t, tx, v)
	}
	if rx.Len() != 4 {
		t.Fatal(rx.Len())
	}
	mustRecv(t, rx, 10)
	mustSend(t, tx, 50)
	mustSend(t, tx, 60)
	if rx.Len() != 5 {
		t.Fatal(rx.Len())
	}
	mustLagged(t, rx, 1)
}

func TestResubscribeStartsAtTail(t *testing.T) {
	tx, rx := broadcast.New[int](3)
	mustSend(t, tx, 1)
	resub := rx.Resubscribe()
	mustEmpty(t, resub)
	mustRecv(t, rx, 1)
	mustSend(t, tx, 2)
	mustRecv(t, resub, 2)
	mustSend(t, tx, 3)
	mustRecv(t, rx, 2)
	mustRecv(t, rx, 3)
	mustEmpty(t, rx)
	mustRecv(t, resub, 3)
	mustEmpty(t, resub)
}

func TestResubscribeOfLaggedReceiverIsNotLagged(t *testing.T) {
	tx, rx := broadcast.New[int](1)
	mustSend(t, tx, 1)
	mustSend(t, tx, 2)
	resub := rx.Resubscribe()
	mustLagged(t, rx, 1)
	mustEmpty(t, resub)
	mustRecv(t, rx, 2)
	mustEmpty(t, rx)
	mustEmpty(t, resub)
}

func TestResubscribeToClosedChannelIsClosed(t *testing.T) {
	tx, rx := broadcast.New[uint32](2)
	tx.Close()
	mustClosed(t, rx.Resubscribe())
}

func TestSenderLen(t *testing.T) {
	tx, rx1 := broadcast.New[int](4)
	rx2 := tx.Subscribe()
	if tx.Len() != 0 || !tx.IsEmpty() {
		t.Fatal("not empty")
	}
	for v := 1; v <= 3; v++ {
		mustSend(t, tx, v)
	}
	if tx.Len() != 3 || tx.IsEmpty() {
		t.Fatal(tx.Len())
	}
	mustRecv(t, rx1, 1)
	mustRecv(t, rx1, 2)
	if tx.Len() != 3 {
		t.Fatal(tx.Len())
	}
	mustRecv(t, rx2, 1)
	if tx.Len() != 2 || tx.IsEmpty() {
		t.Fatal(tx.Len())
	}
	for v := 4; v <= 6; v++ {
		mustSend(t, tx, v)
	}
	if tx.Len() != 4 {
		t.Fatal(tx.Len())
	}
}

func TestSenderLenMatchesSlowestReceiver(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tx, rx1 := broadcast.New[int](16)
	rx2 := tx.Subscribe()
	for range 1000 {
		switch rng.IntN(4) {
		case 0:
			_, _ = rx1.TryRecv()
		case 1:
			_, _ = rx2.TryRecv()
		default:
			mustSend(t, tx, 0)
		}
		want := min(max(rx1.Len(), rx2.Len()), 16)
		if tx.Len() != want {
			t.Fatalf("Sender.Len = %d, want %d", tx.Len(), want)
		}
	}
}

func TestSenderClosedCompletesWhenLastReceiverCloses(t *testing.T) {
	tx, rx := broadcast.New[struct{}](1)
	rx2 := tx.Subscribe()
	task := spawn[struct{}](tx.Closed())
	mustPending(t, task)
	rx.Close()
	if task.IsWoken() {
		t.Fatal("woken with a receiver left")
	}
	mustPending(t, task)
	rx2.Close()
	if !task.IsWoken() {
		t.Fatal("not woken")
	}
	if _, ok := task.Poll(); !ok {
		t.Fatal("not ready")
	}
}

func TestSenderClosedWaitsAgainAfterSubscribe(t *testing.T) {
	tx, rx := broadcast.New[struct{}](1)
	rx2 := tx.Subscribe()
	task := spawn[struct{}](tx.Closed())
	mustPending(t, task)
	rx.Close()
	mustPending(t, task)
	rx2.Close()
	if !task.IsWoken() {
		t.Fatal("not woken")
	}
	rx3 := tx.Subscribe()
	mustPending(t, task)
	rx3.Close()
	if !task.IsWoken() {
		t.Fatal("not woken")
	}
	if _, ok := task.Poll(); !ok {
		t.Fatal("not ready")
	}
	if _, ok := spawn[struct{}](tx.Closed()).Poll(); !ok {
		t.Fatal("Closed not ready on a closed channel")
	}
	rx4 := tx.Subscribe()
	task3 := spawn[struct{}](tx.Closed())
	mustPending(t, task3)
	rx4.Close()
	if !task3.IsWoken() {
		t.Fatal("not woken")
	}
	if _, ok := task3.Poll(); !ok {
		t.Fatal("not ready")
	}
}

func TestNewSenderStartsClosed(t *testing.T) {
	tx := broadcast.NewSender[struct{}](1)
	if _, ok := spawn[struct{}](tx.Closed()).Poll(); !ok {
		t.Fatal("Closed of a channel without receivers must be ready")
	}
	if _, err := tx.Send(struct{}{}); !errors.Is(err, broadcast.ErrNoReceivers) {
		t.Fatal(err)
	}
	rx := tx.Subscribe()
	mustPending(t, spawn[struct{}](tx.Closed()))
	if tx.ReceiverCount() != 1 {
		t.Fatal(tx.ReceiverCount())
	}
	rx2 := rx.Resubscribe()
	rx3 := tx.Subscribe()
	if tx.ReceiverCount() != 3 {
		t.Fatal(tx.ReceiverCount())
	}
	rx3.Close()
	rx.Close()
	if tx.ReceiverCount() != 1 {
		t.Fatal(tx.ReceiverCount())
	}
	rx2.Close()
	if tx.ReceiverCount() != 0 {
		t.Fatal(tx.ReceiverCount())
	}
}

// The lagging cases at the end of sync_broadcast.rs.

func TestSlowReceiverWithinCapacityDoesNotLag(t *testing.T) {
	tx, slow := broadcast.New[int](2)
	fast := tx.Subscribe()
	mustSend(t, tx, 1)
	mustSend(t, tx, 2)
	mustRecv(t, fast, 1)
	mustRecv(t, fast, 2)
	mustEmpty(t, fast)
	mustRecv(t, slow, 1)
	mustRecv(t, slow, 2)
	mustEmpty(t, slow)
}

func TestOverflowReportsLaggedThenOldestRetained(t *testing.T) {
	tx, rx := broadcast.New[int](2)
	for _, v := range []int{10, 20, 30} {
		mustSend(t, tx, v)
	}
	mustLagged(t, rx, 1)
	mustRecv(t, rx, 20)
	mustRecv(t, rx, 30)
	mustEmpty(t, rx)
}

func TestLaggedCountMatchesOverwrittenValues(t *testing.T) {
	tx, rx := broadcast.New[int](4)
	for v := 1; v <= 4; v++ {
		mustSend(t, tx, v)
	}
	mustRecv(t, rx, 1)
	for v := 5; v <= 8; v++ {
		mustSend(t, tx, v)
	}
	mustLagged(t, rx, 3)
	for v := 5; v <= 8; v++ {
		mustRecv(t, rx, v)
	}
	mustEmpty(t, rx)
}

func TestCapacityRoundsUpToPowerOfTwo(t *testing.T) {
	tx, rx := broadcast.New[int](3)
	for v := 1; v <= 4; v++ {
		mustSend(t, tx, v)
	}
	if rx.Len() != 4 {
		t.Fatal(rx.Len())
	}
	mustRecv(t, rx, 1)
	mustSend(t, tx, 5)
	if rx.Len() != 4 {
		t.Fatal(rx.Len())
	}
	mustSend(t, tx, 6)
	if rx.Len() != 5 {
		t.Fatal(rx.Len())
	}
	mustLagged(t, rx, 1)
	for v := 3; v <= 6; v++ {
		mustRecv(t, rx, v)
	}
	mustEmpty(t, rx)
}

func TestRecvFutureReportsLagLikeTryRecv(t *testing.T) {
	tx, rx := broadcast.New[int](2)
	for _, v := range []int{10, 20, 30} {
		mustSend(t, tx, v)
	}
	r, _ := future.Block[future.Result[int]](context.Background(), rx.Recv())
	var lag *broadcast.LaggedError
	if !errors.As(r.Err, &lag) || lag.Skipped != 1 {
		t.Fatalf("Recv = %+v, want lagged by 1", r)
	}
	for _, want := range []int{20, 30} {
		if v, err := rx.BlockingRecv(context.Background()); v != want || err != nil {
			t.Fatalf("BlockingRecv = %v, %v", v, err)
		}
	}
}

func TestLagCatchUpThenLagAgain(t *testing.T) {
	tx, rx := broadcast.New[int](2)
	for v := 1; v <= 3; v++ {
		mustSend(t, tx, v)
	}
	mustLagged(t, rx, 1)
	mustRecv(t, rx, 2)
	mustRecv(t, rx, 3)
	mustEmpty(t, rx)
	for v := 4; v <= 6; v++ {
		mustSend(t, tx, v)
	}
	mustLagged(t, rx, 1)
	mustRecv(t, rx, 5)
	mustRecv(t, rx, 6)
	mustEmpty(t, rx)
}

func TestLagIsPerReceiver(t *testing.T) {
	tx, slow := broadcast.New[int](2)
	fast := tx.Subscribe()
	mustSend(t, tx, 1)
	mustSend(t, tx, 2)
	mustRecv(t, fast, 1)
	mustRecv(t, fast, 2)
	mustSend(t, tx, 3)
	mustSend(t, tx, 4)
	mustRecv(t, fast, 3)
	mustRecv(t, fast, 4)
	mustLagged(t, slow, 2)
	mustRecv(t, slow, 3)
	mustRecv(t, slow, 4)
	mustEmpty(t, slow)
	mustEmpty(t, fast)
}

func TestLagAgainBeforeReadingRetainedValues(t *testing.T) {
	tx, rx := broadcast.New[int](2)
	for v := 1; v <= 3; v++ {
		mustSend(t, tx, v)
	}
	mustLagged(t, rx, 1)
	for v := 4; v <= 6; v++ {
		mustSend(t, tx, v)
	}
	mustLagged(t, rx, 3)
	mustRecv(t, rx, 5)
	mustRecv(t, rx, 6)
	mustEmpty(t, rx)
}

func TestSingleSlotLagsByOne(t *testing.T) {
	tx, rx := broadcast.New[int](1)
	mustSend(t, tx, 1)
	mustRecv(t, rx, 1)
	mustSend(t, tx, 2)
	mustSend(t, tx, 3)
	mustLagged(t, rx, 1)
	mustRecv(t, rx, 3)
	mustEmpty(t, rx)
}

func TestReceiverLenAfterLagCountsFromNewCursor(t *testing.T) {
	tx, rx := broadcast.New[int](2)
	for v := 1; v <= 4; v++ {
		mustSend(t, tx, v)
	}
	if rx.Len() != 4 {
		t.Fatal(rx.Len())
	}
	mustLagged(t, rx, 2)
	if rx.Len() != 2 {
		t.Fatal(rx.Len())
	}
	mustRecv(t, rx, 3)
	if rx.Len() != 1 {
		t.Fatal(rx.Len())
	}
	mustRecv(t, rx, 4)
	if rx.Len() != 0 || !rx.IsEmpty() {
		t.Fatal(rx.Len())
	}
}

// Go-specific cases.

func TestRecvConsumesBudgetAndYields(t *testing.T) {
	tx, rx := broadcast.New[int](8)
	sig := future.NewSignal()
	cx := future.NewContext(sig.Waker())
	futurecx.SetBudget(cx, 3)
	n := 0
	for {
		mustSend(t, tx, n)
		if _, ok := rx.Recv().Poll(cx); !ok {
			break
		}
		n++
	}
	if n != 3 {
		t.Fatalf("completed %d receives with a budget of 3", n)
	}
	select {
	case <-sig.C():
	default:
		t.Fatal("yielded for budget without waking")
	}
	if rx.Len() != 1 {
		t.Fatal("a refused poll consumed a value")
	}
	futurecx.SetBudget(cx, 1)
	if r, ok := rx.Recv().Poll(cx); !ok || r.Value != 3 {
		t.Fatalf("after a new budget: %+v, %v", r, ok)
	}
}

func TestDropWaitingFuturesUnlinksThem(t *testing.T) {
	tx, rx := broadcast.New[int](4)
	r := recv(rx)
	c := spawn[struct{}](tx.Closed())
	mustPending(t, r)
	mustPending(t, c)
	if n, m := broadcast.Waiters(tx); n != 1 || m != 1 {
		t.Fatal(n, m)
	}
	r.Drop()
	c.Drop()
	if n, m := broadcast.Waiters(tx); n != 0 || m != 0 {
		t.Fatalf("dropped futures still linked: %d, %d", n, m)
	}
	mustSend(t, tx, 1)
	rx.Close()
	if r.IsWoken() || c.IsWoken() {
		t.Fatal("a dropped future was woken")
	}
}

func TestReceiverCloseUnlinksWaitingFuture(t *testing.T) {
	tx, rx := broadcast.New[int](4)
	rx2 := tx.Subscribe()
	mustPending(t, recv(rx))
	rx.Close()
	if n, _ := broadcast.Waiters(tx); n != 0 {
		t.Fatal("closed receiver still linked")
	}
	rx2.Close()
}

func TestUseOfClosedHandlePanics(t *testing.T) {
	tx, rx := broadcast.New[int](4)
	tx2 := tx.Clone()
	rx2 := rx.Resubscribe()
	tx.Close()
	rx.Close()
	for name, f := range map[string]func(){
		"Sender.Send":          func() { _, _ = tx.Send(1) },
		"Sender.Subscribe":     func() { tx.Subscribe() },
		"Sender.Clone":         func() { tx.Clone() },
		"Receiver.Recv":        func() { rx.Recv() }, //weftvet:ignore panics: closed
		"Receiver.TryRecv":     func() { _, _ = rx.TryRecv() },
		"Receiver.Resubscribe": func() { rx.Resubscribe() },
	} {
		func() {
			defer func() {
				r, _ := recover().(string)
				if !strings.HasPrefix(r, "broadcast: ") {
					t.Errorf("%s after Close: recover() = %q", name, r)
				}
			}()
			f()
		}()
	}
	tx.Close()
	rx.Close()
	tx2.Close()
	rx2.Close()
}

func TestBlockingRecvWaitsForValueAndContext(t *testing.T) {
	tx, rx := broadcast.New[int](4)
	go func() { _, _ = tx.Send(9) }()
	if v, err := rx.BlockingRecv(context.Background()); v != 9 || err != nil {
		t.Fatal(v, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := rx.BlockingRecv(ctx); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if n, _ := broadcast.Waiters(tx); n != 0 {
		t.Fatal("cancelled BlockingRecv left its waiter")
	}
	tx.Close()
	if _, err := rx.BlockingRecv(context.Background()); !errors.Is(err, broadcast.ErrClosed) {
		t.Fatal(err)
	}
}

func TestReceiverIsClosedAfterLastSender(t *testing.T) {
	tx, rx := broadcast.New[int](4)
	tx2 := tx.Clone()
	tx.Close()
	if rx.IsClosed() {
		t.Fatal("closed with a sender left")
	}
	tx2.Close()
	if !rx.IsClosed() || !rx.SameChannel(rx) || tx.SameChannel(broadcast.NewSender[int](1)) {
		t.Fatal("IsClosed/SameChannel")
	}
}

func TestSendAndRecvDoNotAllocate(t *testing.T) {
	tx, rx := broadcast.New[int](8)
	rx2 := tx.Subscribe()
	cx := future.NewContext(future.Noop())
	cx2 := future.NewContext(future.NewSignal().Waker())
	n := testing.AllocsPerRun(100, func() {
		rx.Recv().Poll(cx)
		rx.Recv().Poll(cx2)
		_, _ = tx.Send(1)
		rx.Recv().Poll(cx)
		_, _ = rx2.TryRecv()
	})
	if n != 0 {
		t.Fatalf("allocates %v times", n)
	}
	recv, closed := rx.Recv(), tx.Closed()
	if got := recv.String(); got != "broadcast.Recv" {
		t.Fatal(got)
	}
	if got := closed.String(); got != "broadcast.Closed" {
		t.Fatal(got)
	}
	recv.Drop()
	closed.Drop()
}

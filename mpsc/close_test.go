package mpsc_test

import (
	"context"
	"errors"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpsc"
)

// Closing cases of tokio/tests/sync_mpsc.rs: how Receiver.Close interacts
// with reservations that are granted, waiting, used and dropped.

type unitReserve = future.Result[*mpsc.Permit[struct{}]]

func TestReceiverCloseOnIdleChannelEndsRecvAndFailsSend(t *testing.T) {
	tx, rx := mpsc.New[int](10)
	rx.Close()
	mustRecvClosed(t, rx)
	err, ok := pollOnce[error](tx.Send(1))
	if !ok || !errors.Is(err, mpsc.ErrClosed) {
		t.Fatalf("Send after Close = %v, %v", err, ok)
	}
}

func TestReceiverCloseFailsWaitingReservationButGrantedPermitStillSends(t *testing.T) {
	tx1, rx := mpsc.New[int](1)
	tx2 := tx1.Clone()
	permit1 := mustReserve(t, tx1, 1)
	permit2 := spawn[future.Result[*mpsc.Permit[int]]](tx2.Reserve())
	mustPending(t, permit2)
	rx.Close()
	if !permit2.IsWoken() {
		t.Fatal("waiting reservation not woken by Close")
	}
	if r := mustReady(t, permit2); !errors.Is(r.Err, mpsc.ErrClosed) {
		t.Fatalf("waiting reservation = %+v, want ErrClosed", r)
	}
	recv := spawn[future.Result[int]](rx.Recv())
	mustPending(t, recv)
	permit1.Send(123)
	if !recv.IsWoken() {
		t.Fatal("receiver not woken by a permit send after Close")
	}
	if r := mustReady(t, recv); r.Value != 123 || r.Err != nil {
		t.Fatalf("got %+v, want 123", r)
	}
	mustRecvClosed(t, rx)
}

func TestFailedReserveManyWakesClosedReceiver(t *testing.T) {
	tx, rx := mpsc.New[struct{}](2)
	permit, err := tx.TryReserve()
	if err != nil {
		t.Fatal(err)
	}
	reserve := spawn[unitReserve](tx.ReserveMany(2))
	mustPending(t, reserve)
	rx.Close()
	recv := spawn[future.Result[struct{}]](rx.Recv())
	mustPending(t, recv)
	permit.Release()
	if recv.IsWoken() {
		t.Fatal("receiver woken while the reservation still holds a slot")
	}
	if r := mustReady(t, reserve); r.Err == nil {
		t.Fatal("reservation succeeded on a closed channel")
	}
	if !recv.IsWoken() {
		t.Fatal("the failing reservation returned the last slot but did not wake the receiver")
	}
	mustReady(t, recv)
}

func TestCancelledReserveManyWakesClosedReceiver(t *testing.T) {
	tx, rx := mpsc.New[struct{}](2)
	permit, err := tx.TryReserve()
	if err != nil {
		t.Fatal(err)
	}
	reserve := spawn[unitReserve](tx.ReserveMany(2))
	mustPending(t, reserve)
	rx.Close()
	recv := spawn[future.Result[struct{}]](rx.Recv())
	mustPending(t, recv)
	permit.Release()
	if recv.IsWoken() {
		t.Fatal("receiver woken while the reservation still holds a slot")
	}
	reserve.Drop()
	if !recv.IsWoken() {
		t.Fatal("dropping the reservation returned the last slot but did not wake the receiver")
	}
	mustReady(t, recv)
}

func TestFailedGrantedReserveWakesClosedReceiver(t *testing.T) {
	tx, rx := mpsc.New[struct{}](1)
	permit, err := tx.TryReserve()
	if err != nil {
		t.Fatal(err)
	}
	reserve := spawn[unitReserve](tx.Reserve())
	mustPending(t, reserve)
	permit.Release()
	if !reserve.IsWoken() {
		t.Fatal("reservation not granted the released slot")
	}
	rx.Close()
	recv := spawn[future.Result[struct{}]](rx.Recv())
	mustPending(t, recv)
	if r := mustReady(t, reserve); r.Err == nil {
		t.Fatal("granted reservation succeeded after Close")
	}
	if !recv.IsWoken() {
		t.Fatal("receiver not woken when the granted slot came back")
	}
	mustReady(t, recv)
}

func TestCancelledGrantedReserveWakesClosedReceiver(t *testing.T) {
	tx, rx := mpsc.New[struct{}](1)
	permit, err := tx.TryReserve()
	if err != nil {
		t.Fatal(err)
	}
	reserve := spawn[unitReserve](tx.Reserve())
	mustPending(t, reserve)
	permit.Release()
	if !reserve.IsWoken() {
		t.Fatal("reservation not granted the released slot")
	}
	rx.Close()
	recv := spawn[future.Result[struct{}]](rx.Recv())
	mustPending(t, recv)
	reserve.Drop()
	if !recv.IsWoken() {
		t.Fatal("receiver not woken when the dropped reservation gave its slot back")
	}
	mustReady(t, recv)
}

func TestLastPermitWakesClosedReceiver(t *testing.T) {
	cases := map[string]func(p *mpsc.Permit[struct{}]){
		"released":     func(p *mpsc.Permit[struct{}]) { p.Release() },
		"used to send": func(p *mpsc.Permit[struct{}]) { p.Send(struct{}{}) },
	}
	for name, finish := range cases {
		for _, n := range []int{1, 3} {
			tx, rx := mpsc.New[struct{}](100)
			permit, err := tx.TryReserveMany(n)
			if err != nil {
				t.Fatal(err)
			}
			rx.Close()
			recv := spawn[future.Result[struct{}]](rx.Recv())
			mustPending(t, recv)
			for permit.Len() > 1 {
				permit.Send(struct{}{})
				mustReady(t, recv)
				recv = spawn[future.Result[struct{}]](rx.Recv())
				mustPending(t, recv)
			}
			finish(permit)
			if !recv.IsWoken() {
				t.Fatalf("%s (n=%d): receiver not woken", name, n)
			}
			mustReady(t, recv)
		}
	}
}

func TestClosedReceiverWaitsForPermitThenEnds(t *testing.T) {
	tx, rx := mpsc.New[struct{}](100)
	tx2 := tx.Clone()
	permit := mustReserve(t, tx, 1)
	rx.Close()
	recv := spawn[future.Result[struct{}]](rx.Recv())
	mustPending(t, recv)
	permit.Release()
	if !recv.IsWoken() {
		t.Fatal("not woken")
	}
	if r := mustReady(t, recv); !errors.Is(r.Err, mpsc.ErrClosed) {
		t.Fatalf("got %+v", r)
	}
	tx2.Close()
}

func TestGrantedButUnpolledReservationDroppedAfterCloseEndsChannel(t *testing.T) {
	tx1, rx := mpsc.New[struct{}](1)
	tx2 := tx1.Clone()
	permit1 := mustReserve(t, tx1, 1)
	permit2 := spawn[unitReserve](tx2.Reserve())
	mustPending(t, permit2)
	rx.Close()
	permit1.Release()
	if !permit2.IsWoken() {
		t.Fatal("not woken")
	}
	permit2.Drop()
	mustRecvClosed(t, rx)
	noLeftovers(t, rx)
}

func TestTryRecvAfterReceiverClose(t *testing.T) {
	_, rx := mpsc.New[struct{}](5)
	if _, err := rx.TryRecv(); !errors.Is(err, mpsc.ErrEmpty) {
		t.Fatal(err)
	}
	rx.Close()
	if _, err := rx.TryRecv(); !errors.Is(err, mpsc.ErrClosed) {
		t.Fatalf("TryRecv after Close = %v, want ErrClosed", err)
	}
}

func TestTryRecvAfterReceiverCloseWaitsForPermit(t *testing.T) {
	tx, rx := mpsc.New[struct{}](5)
	permit, err := tx.TryReserve()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rx.TryRecv(); !errors.Is(err, mpsc.ErrEmpty) {
		t.Fatal(err)
	}
	rx.Close()
	if _, err := rx.TryRecv(); !errors.Is(err, mpsc.ErrEmpty) {
		t.Fatalf("TryRecv with a permit outstanding = %v, want ErrEmpty", err)
	}
	permit.Release()
	if _, err := rx.TryRecv(); !errors.Is(err, mpsc.ErrClosed) {
		t.Fatalf("TryRecv = %v, want ErrClosed", err)
	}
}

func TestTryRecvDisconnectedWhenSenderClosesWhileEmpty(t *testing.T) {
	tx, rx := mpsc.New[struct{}](5)
	if _, err := rx.TryRecv(); !errors.Is(err, mpsc.ErrEmpty) {
		t.Fatal(err)
	}
	tx.Close()
	if _, err := rx.TryRecv(); !errors.Is(err, mpsc.ErrClosed) {
		t.Fatal(err)
	}
	utx, urx := mpsc.NewUnbounded[struct{}]()
	if _, err := urx.TryRecv(); !errors.Is(err, mpsc.ErrEmpty) {
		t.Fatal(err)
	}
	utx.Close()
	if _, err := urx.TryRecv(); !errors.Is(err, mpsc.ErrClosed) {
		t.Fatal(err)
	}
}

func TestReceiverCloseFailsSendsAndReservations(t *testing.T) {
	tx, rx := mpsc.New[int](100)
	if err := tx.TrySend(1); err != nil {
		t.Fatal(err)
	}
	rx.Close()
	r, _ := pollOnce[future.Result[*mpsc.Permit[int]]](tx.Reserve())
	if !errors.Is(r.Err, mpsc.ErrClosed) {
		t.Fatal(r.Err)
	}
	r, _ = pollOnce[future.Result[*mpsc.Permit[int]]](tx.ReserveMany(10))
	if !errors.Is(r.Err, mpsc.ErrClosed) {
		t.Fatal(r.Err)
	}
	if err := tx.TrySend(2); !errors.Is(err, mpsc.ErrClosed) {
		t.Fatal(err)
	}
	if _, err := tx.TryReserve(); !errors.Is(err, mpsc.ErrClosed) {
		t.Fatal(err)
	}
	if v := mustRecv(t, rx); v != 1 {
		t.Fatal(v)
	}
	mustRecvClosed(t, rx)
}

func TestSenderClosedCompletesOnReceiverClose(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	utx, urx := mpsc.NewUnbounded[int]()
	c1 := spawn[struct{}](tx.Closed())
	c2 := spawn[struct{}](tx.Closed())
	c3 := spawn[struct{}](utx.Closed())
	mustPending(t, c1)
	mustPending(t, c2)
	mustPending(t, c3)
	if tx.IsClosed() || utx.IsClosed() {
		t.Fatal("IsClosed before Close")
	}
	rx.Close()
	urx.Close()
	if !c1.IsWoken() || !c2.IsWoken() || !c3.IsWoken() {
		t.Fatal("Closed futures not woken")
	}
	mustReady(t, c1)
	mustReady(t, c2)
	mustReady(t, c3)
	if !tx.IsClosed() || !utx.IsClosed() {
		t.Fatal("IsClosed false after Close")
	}
	if _, err := future.Block[struct{}](context.Background(), tx.Closed()); err != nil {
		t.Fatal(err)
	}
}

func TestSenderClosedCompletesWhenReceiverClosedByOtherGoroutine(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	go rx.Close()
	if _, err := future.Block[struct{}](context.Background(), tx.Closed()); err != nil {
		t.Fatal(err)
	}
}

func TestSendUnboundedAndRecvThenClosed(t *testing.T) {
	tx, rx := mpsc.NewUnbounded[int]()
	if err := tx.Send(1); err != nil {
		t.Fatal(err)
	}
	if err := tx.Send(2); err != nil {
		t.Fatal(err)
	}
	if mustRecv(t, rx) != 1 || mustRecv(t, rx) != 2 {
		t.Fatal("order")
	}
	tx.Close()
	mustRecvClosed(t, rx)
	utx, urx := mpsc.NewUnbounded[int]()
	urx.Close()
	if err := utx.Send(1); !errors.Is(err, mpsc.ErrClosed) {
		t.Fatalf("Send after Close = %v", err)
	}
}

func TestTryRecvUnboundedDeliversInOrder(t *testing.T) {
	for num := range 100 {
		tx, rx := mpsc.NewUnbounded[int]()
		for i := range num {
			if err := tx.Send(i); err != nil {
				t.Fatal(err)
			}
		}
		for i := range num {
			if v, err := rx.TryRecv(); v != i || err != nil {
				t.Fatal(v, err)
			}
		}
		if _, err := rx.TryRecv(); !errors.Is(err, mpsc.ErrEmpty) {
			t.Fatal(err)
		}
		tx.Close()
		if _, err := rx.TryRecv(); !errors.Is(err, mpsc.ErrClosed) {
			t.Fatal(err)
		}
	}
}

func TestRecvManyUnboundedReusesBuffer(t *testing.T) {
	tx, rx := mpsc.NewUnbounded[int]()
	var buf []int
	if out, _ := pollOnce[[]int](rx.RecvMany(buf, 0)); len(out) != 0 {
		t.Fatal(out)
	}
	for _, v := range []int{7, 13, 100, 1002} {
		_ = tx.Send(v)
	}
	if out, _ := pollOnce[[]int](rx.RecvMany(buf, 0)); len(out) != 0 {
		t.Fatal(out)
	}
	for len(buf) < 4 {
		buf, _ = pollOnce[[]int](rx.RecvMany(buf, 1))
	}
	if len(buf) != 4 || buf[0] != 7 || buf[3] != 1002 {
		t.Fatal(buf)
	}
	c := cap(buf)
	buf = buf[:0]
	for _, v := range []int{5, 6, 7, 2} {
		_ = tx.Send(v)
	}
	buf, _ = pollOnce[[]int](rx.RecvMany(buf, 32))
	if cap(buf) != c || len(buf) != 4 || buf[0] != 5 || buf[3] != 2 {
		t.Fatalf("got %v (cap %d, want %d)", buf, cap(buf), c)
	}
	tx.Close()
	if out, _ := pollOnce[[]int](rx.RecvMany(buf, 4)); len(out) != 4 {
		t.Fatal("closed channel appended values")
	}
	mustRecvClosed(t, rx)
}

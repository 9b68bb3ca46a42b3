package mpsc_test

import (
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpsc"
)

// Every waiting future, dropped while it waits (an aborted task), must leave
// nothing behind: no waiter linked, no slot held, no waker registered, and the
// next sender in line must get what the dropped one would have had.

func TestDropWaitingSendLeavesNothingAndSendsNothing(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	mustSend(t, tx, 1)
	s := spawn[sendRes](tx.Send(2))
	mustPending(t, s)
	s.Drop()
	noLeftovers(t, rx)
	mustRecv(t, rx)
	if _, err := rx.TryRecv(); err == nil {
		t.Fatal("a dropped Send delivered its value")
	}
	noLeftovers(t, rx)
}

func TestDropGrantedButUnpolledSendPassesSlotOn(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	mustSend(t, tx, 1)
	s1 := spawn[sendRes](tx.Send(2))
	s2 := spawn[sendRes](tx.Send(3))
	mustPending(t, s1)
	mustPending(t, s2)
	mustRecv(t, rx)
	if !s1.IsWoken() || s2.IsWoken() {
		t.Fatal("the slot must go to the first sender")
	}
	s1.Drop()
	if !s2.IsWoken() {
		t.Fatal("the dropped sender's slot must go to the next one")
	}
	if err := mustReady(t, s2); err != nil {
		t.Fatal(err)
	}
	if v := mustRecv(t, rx); v != 3 {
		t.Fatalf("got %d, want 3", v)
	}
	noLeftovers(t, rx)
}

func TestDropPartlyGrantedReserveManyReturnsItsSlots(t *testing.T) {
	tx, rx := mpsc.New[int](4)
	mustSend(t, tx, 1)
	mustSend(t, tx, 2)
	r := spawn[reserveRes](tx.ReserveMany(4)) // takes the 2 free slots, waits for 2
	mustPending(t, r)
	mustRecv(t, rx) // a third slot goes to r
	next := spawn[reserveRes](tx.ReserveMany(3))
	mustPending(t, next)
	r.Drop()
	if !next.IsWoken() {
		t.Fatal("the three slots r held must complete the next reservation")
	}
	p := mustReady(t, next).Value
	if p.Len() != 3 || tx.Capacity() != 0 {
		t.Fatalf("permit %d slots, capacity %d", p.Len(), tx.Capacity())
	}
	p.Release()
	mustRecv(t, rx)
	noLeftovers(t, rx)
	if tx.Capacity() != 4 {
		t.Fatalf("Capacity = %d, want 4", tx.Capacity())
	}
}

func TestDropWaitingReserveKeepsOthersInOrder(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	mustSend(t, tx, 0)
	a := spawn[reserveRes](tx.Reserve())
	b := spawn[reserveRes](tx.Reserve())
	c := spawn[reserveRes](tx.Reserve())
	mustPending(t, a)
	mustPending(t, b)
	mustPending(t, c)
	b.Drop()
	mustRecv(t, rx)
	if !a.IsWoken() || c.IsWoken() {
		t.Fatal("first slot must go to a")
	}
	mustReady(t, a).Value.Release()
	if !c.IsWoken() {
		t.Fatal("released slot must skip the dropped b and reach c")
	}
	mustReady(t, c).Value.Release()
	noLeftovers(t, rx)
}

func TestDropWaitingRecvWithdrawsWaker(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	recv := spawn[recvRes](rx.Recv())
	mustPending(t, recv)
	if mpsc.StatsOf(rx).RxWaker.IsZero() {
		t.Fatal("pending Recv registered no waker")
	}
	recv.Drop()
	noLeftovers(t, rx)
	if err := tx.TrySend(1); err != nil {
		t.Fatal(err)
	}
	if recv.IsWoken() {
		t.Fatal("a dropped Recv was woken")
	}
	if v := mustRecv(t, rx); v != 1 {
		t.Fatal(v)
	}
}

func TestDropWaitingRecvManyWithdrawsWaker(t *testing.T) {
	tx, rx := mpsc.NewUnbounded[int]()
	recv := spawn[[]int](rx.RecvMany(make([]int, 0, 4), 4))
	mustPending(t, recv)
	recv.Drop()
	noLeftovers(t, rx)
	_ = tx.Send(1)
	if recv.IsWoken() {
		t.Fatal("a dropped RecvMany was woken")
	}
}

func TestDropWaitingClosedUnlinksIt(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	c1 := spawn[struct{}](tx.Closed())
	c2 := spawn[struct{}](tx.Closed())
	mustPending(t, c1)
	mustPending(t, c2)
	if mpsc.StatsOf(rx).ClosedWaiters != 2 {
		t.Fatal("Closed futures not queued")
	}
	c1.Drop()
	if mpsc.StatsOf(rx).ClosedWaiters != 1 {
		t.Fatal("dropped Closed future still queued")
	}
	rx.Close()
	if c1.IsWoken() || !c2.IsWoken() {
		t.Fatal("wake went to the wrong Closed future")
	}
	mustReady(t, c2)
	noLeftovers(t, rx)
}

func TestDropAfterCompletionIsHarmless(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	s := tx.Send(1)
	if err, ok := s.Poll(future.NewContext(future.Noop())); !ok || err != nil {
		t.Fatal(err, ok)
	}
	s.Drop()
	s.Drop()
	r := tx.Reserve()
	r.Drop() // dropped before its first poll
	noLeftovers(t, rx)
	if rx.Len() != 1 {
		t.Fatal(rx.Len())
	}
}

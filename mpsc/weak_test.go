package mpsc_test

import (
	"context"
	"errors"
	"testing"

	"github.com/weftrt/weft/mpsc"
	"github.com/weftrt/weft/oneshot"
)

// Ports of tokio/tests/sync_mpsc_weak.rs. Weak handles are not counted here
// (the garbage collector frees them), so the weak_count cases have no
// counterpart.

func TestWeakSenderDoesNotKeepChannelOpen(t *testing.T) {
	tx, rx := mpsc.New[int](11)
	weak := tx.Downgrade()
	for i := range 10 {
		mustSend(t, tx, i)
	}
	tx2, ok := weak.Upgrade()
	if !ok {
		t.Fatal("upgrade failed")
	}
	mustSend(t, tx2, 20)
	weak = tx2.Downgrade()
	tx2.Close()
	tx.Close()
	for i := range 11 {
		v := mustRecv(t, rx)
		if i == 10 && v != 20 {
			t.Fatalf("got %d, want 20", v)
		}
	}
	mustRecvClosed(t, rx)
	if _, ok := weak.Upgrade(); ok {
		t.Fatal("upgrade succeeded after the channel closed")
	}
	if !rx.IsClosed() {
		t.Fatal("a weak sender kept the channel open")
	}
}

func TestWeakUnboundedSenderDoesNotKeepChannelOpen(t *testing.T) {
	tx, rx := mpsc.NewUnbounded[int]()
	weak := tx.Downgrade()
	for i := range 10 {
		if err := tx.Send(i); err != nil {
			t.Fatal(err)
		}
	}
	tx2, ok := weak.Upgrade()
	if !ok {
		t.Fatal("upgrade failed")
	}
	_ = tx2.Send(20)
	tx2.Close()
	tx.Close()
	for range 11 {
		mustRecv(t, rx)
	}
	mustRecvClosed(t, rx)
	if _, ok := weak.Upgrade(); ok {
		t.Fatal("upgrade succeeded after the channel closed")
	}
}

func TestDowngradeUpgrade(t *testing.T) {
	t.Run("succeeds while a sender is open", func(t *testing.T) {
		tx, _ := mpsc.New[int](1)
		up, ok := tx.Downgrade().Upgrade()
		if !ok {
			t.Fatal("upgrade failed")
		}
		up.Close()
		utx, _ := mpsc.NewUnbounded[int]()
		uup, ok := utx.Downgrade().Upgrade()
		if !ok {
			t.Fatal("unbounded upgrade failed")
		}
		uup.Close()
	})
	t.Run("fails once the last sender closed", func(t *testing.T) {
		tx, _ := mpsc.New[int](1)
		weak := tx.Downgrade()
		tx.Close()
		if _, ok := weak.Upgrade(); ok {
			t.Fatal("upgrade succeeded")
		}
		utx, _ := mpsc.NewUnbounded[int]()
		uweak := utx.Downgrade()
		utx.Close()
		if _, ok := uweak.Upgrade(); ok {
			t.Fatal("unbounded upgrade succeeded")
		}
	})
	t.Run("fails after the downgraded clone and the original closed", func(t *testing.T) {
		tx, _ := mpsc.New[int](1)
		clone := tx.Clone()
		weak := clone.Downgrade()
		clone.Close()
		tx.Close()
		if _, ok := weak.Upgrade(); ok {
			t.Fatal("upgrade succeeded")
		}
	})
	t.Run("two weak senders both fail after close", func(t *testing.T) {
		tx, _ := mpsc.New[int](1)
		w1, w2 := tx.Downgrade(), tx.Downgrade()
		tx.Close()
		_, ok1 := w1.Upgrade()
		_, ok2 := w2.Upgrade()
		if ok1 || ok2 {
			t.Fatal("upgrade succeeded")
		}
	})
}

func TestWeakSenderUpgradesWhileAPermitOutlivesTheSenders(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	weak := tx.Downgrade()
	p := mustReserve(t, tx, 1)
	tx.Close()
	up, ok := weak.Upgrade()
	if !ok {
		t.Fatal("upgrade failed while a permit holds a slot")
	}
	p.Release()
	up.Close()
	mustRecvClosed(t, rx)

	tx, rx = mpsc.New[int](1)
	tx2 := tx.Clone()
	p = mustReserve(t, tx, 1)
	weak = tx2.Downgrade()
	tx2.Close()
	tx.Close()
	up, ok = weak.Upgrade()
	if !ok {
		t.Fatal("upgrade failed while a permit holds a slot")
	}
	p.Send(1)
	up.Close()
	mustRecv(t, rx)
	mustRecvClosed(t, rx)
}

func TestReceiverIsClosedWithOnlyWeakSendersLeft(t *testing.T) {
	tx, rx := mpsc.New[struct{}](10)
	_ = tx.Clone().Downgrade()
	tx.Close()
	// The clone was never closed: the channel stays open through it.
	if rx.IsClosed() {
		t.Fatal("closed while a clone is open")
	}
	tx, rx = mpsc.New[struct{}](10)
	_ = tx.Downgrade()
	tx.Close()
	if !rx.IsClosed() {
		t.Fatal("a weak sender kept the channel open")
	}
	utx, urx := mpsc.NewUnbounded[struct{}]()
	_ = utx.Downgrade()
	utx.Close()
	if !urx.IsClosed() {
		t.Fatal("a weak sender kept the unbounded channel open")
	}
}

func TestStrongCountSeenFromEveryHandle(t *testing.T) {
	tx, rx := mpsc.New[struct{}](1)
	tx2 := tx.Clone()
	weak, weak2 := tx.Downgrade(), tx2.Downgrade()
	for _, n := range []int{tx.StrongCount(), tx2.StrongCount(), weak.StrongCount(), weak2.StrongCount(), rx.SenderStrongCount()} {
		if n != 2 {
			t.Fatalf("strong count %d, want 2", n)
		}
	}
	tx2.Close()
	for _, n := range []int{tx.StrongCount(), weak.StrongCount(), rx.SenderStrongCount()} {
		if n != 1 {
			t.Fatalf("strong count %d, want 1", n)
		}
	}
	utx, urx := mpsc.NewUnbounded[struct{}]()
	utx2 := utx.Clone()
	uweak := utx.Downgrade()
	if utx.StrongCount() != 2 || uweak.StrongCount() != 2 || urx.SenderStrongCount() != 2 {
		t.Fatal("unbounded strong count")
	}
	utx2.Close()
	if utx.StrongCount() != 1 || uweak.StrongCount() != 1 || urx.SenderStrongCount() != 1 {
		t.Fatal("unbounded strong count after close")
	}
	if !utx.SameChannel(utx) {
		t.Fatal("SameChannel")
	}
}

// An actor keeps a weak sender to itself: it can message itself while
// clients hold senders, and it stops once the last client sender is closed.
func TestActorWithWeakSelfSenderStopsWithItsClients(t *testing.T) {
	type message struct {
		respondTo *oneshot.Sender[int] // nil for the self message
	}
	tx, rx := mpsc.New[message](8)
	self := tx.Downgrade()
	actorDone := make(chan bool)
	go func() {
		nextID, gotSelf := 0, false
		for i := 0; ; i++ {
			msg, err := rx.BlockingRecv(context.Background())
			if errors.Is(err, mpsc.ErrClosed) {
				actorDone <- gotSelf
				return
			}
			if msg.respondTo == nil {
				gotSelf = true
			} else {
				nextID++
				_ = msg.respondTo.Send(nextID)
			}
			if i == 0 {
				if s, ok := self.Upgrade(); ok {
					_ = s.BlockingSend(context.Background(), message{})
					s.Close()
				}
			}
		}
	}()
	reply, answer := oneshot.New[int]()
	if err := tx.BlockingSend(context.Background(), message{respondTo: reply}); err != nil {
		t.Fatal(err)
	}
	if id, err := answer.BlockingRecv(context.Background()); id != 1 || err != nil {
		t.Fatalf("id = %v, %v", id, err)
	}
	tx.Close()
	if !<-actorDone {
		t.Fatal("the actor never received its own message")
	}
}

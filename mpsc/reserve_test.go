package mpsc_test

import (
	"errors"
	"math"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpsc"
)

// Permit and reservation cases of tokio/tests/sync_mpsc.rs.

func TestReserveManyAboveCapacityFails(t *testing.T) {
	tx, _ := mpsc.New[struct{}](1)
	for _, n := range []int{2, math.MaxInt, -1} {
		r, ok := pollOnce[future.Result[*mpsc.Permit[struct{}]]](tx.ReserveMany(n))
		if !ok || !errors.Is(r.Err, mpsc.ErrReserveCount) {
			t.Fatalf("ReserveMany(%d) = %+v, %v; want ErrReserveCount", n, r, ok)
		}
		if _, err := tx.TryReserveMany(n); !errors.Is(err, mpsc.ErrReserveCount) {
			t.Fatalf("TryReserveMany(%d) = %v; want ErrReserveCount", n, err)
		}
	}
}

func TestReserveManyZeroSucceedsEvenWhenFullButNotWhenClosed(t *testing.T) {
	tx, rx := mpsc.New[struct{}](1)
	if p, err := tx.TryReserveMany(0); err != nil || p.Len() != 0 {
		t.Fatal(p, err)
	}
	if p := mustReserve(t, tx, 0); p.Len() != 0 {
		t.Fatal(p.Len())
	}
	if err := tx.TrySend(struct{}{}); err != nil {
		t.Fatal(err)
	}
	waiting := spawn[future.Result[*mpsc.Permit[struct{}]]](tx.Reserve())
	mustPending(t, waiting)
	if p, err := tx.TryReserveMany(0); err != nil || p.Len() != 0 {
		t.Fatal(p, err)
	}
	if p := mustReserve(t, tx, 0); p.Len() != 0 {
		t.Fatal(p.Len())
	}
	waiting.Drop()
	rx.Close()
	if _, err := tx.TryReserveMany(0); !errors.Is(err, mpsc.ErrClosed) {
		t.Fatalf("TryReserveMany(0) on a closed channel = %v", err)
	}
	r, _ := pollOnce[future.Result[*mpsc.Permit[struct{}]]](tx.ReserveMany(0))
	if !errors.Is(r.Err, mpsc.ErrClosed) {
		t.Fatalf("ReserveMany(0) on a closed channel = %v", r.Err)
	}
}

func TestTryReserveFailsWhenFullAndReleaseFreesTheSlot(t *testing.T) {
	tx, rx := mpsc.New[string](1)
	p, err := tx.TryReserve()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.TryReserve(); !errors.Is(err, mpsc.ErrFull) {
		t.Fatalf("TryReserve = %v, want ErrFull", err)
	}
	p.Send("foo")
	if v := mustRecv(t, rx); v != "foo" {
		t.Fatal(v)
	}
	p, err = tx.TryReserve()
	if err != nil {
		t.Fatal(err)
	}
	p.Release()
	if _, err := tx.TryReserve(); err != nil {
		t.Fatalf("released slot not free: %v", err)
	}
}

func TestReserveManyAndSendDeliversEachValue(t *testing.T) {
	for _, try := range []bool{false, true} {
		tx, rx := mpsc.New[string](100)
		for i := range 100 {
			var p *mpsc.Permit[string]
			if try {
				var err error
				if p, err = tx.TryReserveMany(i); err != nil {
					t.Fatal(err)
				}
			} else {
				p = mustReserve(t, tx, i)
			}
			for p.Len() > 0 {
				p.Send("foo")
				if v := mustRecv(t, rx); v != "foo" {
					t.Fatal(v)
				}
			}
			if _, err := rx.TryRecv(); !errors.Is(err, mpsc.ErrEmpty) {
				t.Fatal(err)
			}
		}
	}
}

func TestReserveOnClosedChannelFails(t *testing.T) {
	tx, rx := mpsc.New[int](100)
	rx.Close()
	r, _ := pollOnce[future.Result[*mpsc.Permit[int]]](tx.ReserveMany(10))
	if !errors.Is(r.Err, mpsc.ErrClosed) {
		t.Fatalf("ReserveMany = %v", r.Err)
	}
	if _, err := tx.TryReserveMany(10); !errors.Is(err, mpsc.ErrClosed) {
		t.Fatalf("TryReserveMany = %v", err)
	}
	if _, err := tx.TryReserve(); !errors.Is(err, mpsc.ErrClosed) {
		t.Fatalf("TryReserve = %v", err)
	}
	if err := tx.TrySend(1); !errors.Is(err, mpsc.ErrClosed) {
		t.Fatalf("TrySend = %v", err)
	}
}

func TestTryReserveManyTracksCapacity(t *testing.T) {
	maxN := 60
	if testing.Short() {
		maxN = 20
	}
	for n := 1; n < maxN; n++ {
		for k := range n {
			tx, rx := mpsc.New[int](n)
			permits, err := tx.TryReserveMany(n)
			if err != nil || permits.Len() != n || tx.Capacity() != 0 {
				t.Fatal(err, permits.Len(), tx.Capacity())
			}
			if _, err := tx.TryReserveMany(1); !errors.Is(err, mpsc.ErrFull) {
				t.Fatal(err)
			}
			for range k {
				permits.Send(0)
			}
			if tx.Capacity() != 0 {
				t.Fatalf("sending through permits changed capacity: %d", tx.Capacity())
			}
			permits.Release()
			if tx.Capacity() != n-k {
				t.Fatalf("Capacity = %d, want %d", tx.Capacity(), n-k)
			}
			want := mpsc.ErrFull
			if n-k+1 > n {
				want = mpsc.ErrReserveCount
			}
			if _, err := tx.TryReserveMany(n - k + 1); !errors.Is(err, want) {
				t.Fatalf("TryReserveMany(%d) = %v, want %v", n-k+1, err, want)
			}
			one, err := tx.TryReserveMany(1)
			if err != nil {
				t.Fatal(err)
			}
			one.Release()
			for range k {
				mustRecv(t, rx)
			}
			if tx.Capacity() != n {
				t.Fatalf("Capacity = %d after draining, want %d", tx.Capacity(), n)
			}
		}
	}
}

func TestReleasedPermitWakesWaitingReservation(t *testing.T) {
	tx1, rx := mpsc.New[int](1)
	tx2 := tx1.Clone()
	p := mustReserve(t, tx1, 1)
	r2 := spawn[future.Result[*mpsc.Permit[int]]](tx2.Reserve())
	mustPending(t, r2)
	p.Release()
	if !r2.IsWoken() {
		t.Fatal("releasing a permit did not wake the waiting reservation")
	}
	mustReady(t, r2).Value.Release()
	noLeftovers(t, rx)
}

func TestReleasedManyPermitServesWaitingReserveMany(t *testing.T) {
	for n := 1; n < 40; n++ {
		tx1, rx := mpsc.New[int](n)
		tx2 := tx1.Clone()
		permits := mustReserve(t, tx1, n)
		r2 := spawn[future.Result[*mpsc.Permit[int]]](tx2.ReserveMany(n))
		mustPending(t, r2)
		permits.Release()
		if !r2.IsWoken() {
			t.Fatal("not woken")
		}
		mustReady(t, r2).Value.Release()
		if tx1.Capacity() != n {
			t.Fatalf("Capacity = %d, want %d", tx1.Capacity(), n)
		}
		noLeftovers(t, rx)
	}
}

func TestReserveManyIsGrantedPartiallyAndCompletesInOrder(t *testing.T) {
	tx, rx := mpsc.New[int](3)
	mustSend(t, tx, 1)
	mustSend(t, tx, 2)
	// One slot is free: the reservation takes it and waits for two more.
	big := spawn[future.Result[*mpsc.Permit[int]]](tx.ReserveMany(3))
	mustPending(t, big)
	if tx.Capacity() != 0 {
		t.Fatalf("Capacity = %d: the free slot must go to the waiting reservation", tx.Capacity())
	}
	small := spawn[future.Result[*mpsc.Permit[int]]](tx.Reserve())
	mustPending(t, small)
	mustRecv(t, rx)
	if big.IsWoken() || small.IsWoken() {
		t.Fatal("woken with two of three slots granted")
	}
	mustRecv(t, rx)
	if !big.IsWoken() || small.IsWoken() {
		t.Fatal("the third slot must complete the big reservation, not the later small one")
	}
	if p := mustReady(t, big).Value; p.Len() != 3 {
		t.Fatal(p.Len())
	} else {
		p.Send(7)
		p.Release()
	}
	if !small.IsWoken() {
		t.Fatal("the released slots must reach the small reservation")
	}
	mustReady(t, small).Value.Release()
	if v := mustRecv(t, rx); v != 7 {
		t.Fatal(v)
	}
	noLeftovers(t, rx)
}

func TestPermitSendAfterExhaustedPanics(t *testing.T) {
	tx, _ := mpsc.New[int](2)
	p := mustReserve(t, tx, 1)
	p.Send(1)
	mustPanic(t, func() { p.Send(2) })
	p.Release() // no-op on an empty permit
	q := mustReserve(t, tx, 1)
	q.Release()
	mustPanic(t, func() { q.Send(2) })
}

func TestPermitKeepsChannelOpenAfterLastSenderCloses(t *testing.T) {
	tx, rx := mpsc.New[int](4)
	p := mustReserve(t, tx, 2)
	tx.Close()
	recv := spawn[future.Result[int]](rx.Recv())
	mustPending(t, recv)
	p.Send(1)
	if r := mustReady(t, recv); r.Value != 1 {
		t.Fatalf("got %+v", r)
	}
	recv = spawn[future.Result[int]](rx.Recv())
	mustPending(t, recv)
	p.Release()
	if !recv.IsWoken() {
		t.Fatal("releasing the last permit must wake the receiver")
	}
	if r := mustReady(t, recv); !errors.Is(r.Err, mpsc.ErrClosed) {
		t.Fatalf("got %+v, want ErrClosed", r)
	}
}

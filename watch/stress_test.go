package watch_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/watch"
)

// Stress tests under -race: a lost wakeup hangs; a torn read or a version
// going backwards fails.

func rounds(t *testing.T) int {
	if testing.Short() {
		return 2000
	}
	return 20000
}

type pair struct{ a, b int } // written together; a torn read would split them

func TestStressReceiversSeeMonotonicValuesAndTheFinalOne(t *testing.T) {
	n := rounds(t)
	tx, rx := watch.New(pair{})
	var wg sync.WaitGroup
	for i := range 8 {
		r := rx.Clone()
		wg.Go(func() {
			defer r.Close()
			last := 0
			for {
				var err error
				switch i % 3 {
				case 0:
					err = r.BlockingChanged(context.Background())
				case 1:
					err, _ = future.Block[error](context.Background(), r.Changed())
				case 2:
					want := last + 1 + i
					var res future.Result[pair]
					res, _ = future.Block[future.Result[pair]](context.Background(),
						r.WaitFor(func(p pair) bool { return p.a >= want }))
					err = res.Err
				}
				if errors.Is(err, watch.ErrClosed) {
					break
				}
				v, _ := r.BorrowAndUpdate()
				if v.a != v.b {
					t.Errorf("torn value %+v", v)
					return
				}
				if v.a < last {
					t.Errorf("receiver %d went back from %d to %d", i, last, v.a)
					return
				}
				last = v.a
			}
			if final, _ := r.BorrowAndUpdate(); final.a != n || last > n {
				t.Errorf("receiver %d ended at %d (final %d), want %d", i, last, final.a, n)
			}
		})
	}
	rx.Close()
	for v := 1; v <= n; v++ {
		if v%2 == 0 {
			tx.SendReplace(pair{v, v})
		} else {
			tx.SendModify(func(p *pair) { p.a, p.b = v, v })
		}
	}
	tx.Close()
	wg.Wait()
}

// Lockstep: the sender waits until every receiver acknowledged each value,
// so every value must wake every receiver; a lost wakeup hangs.
func TestStressEveryReceiverWokenForEveryValue(t *testing.T) {
	n := rounds(t) / 10
	const receivers = 6
	tx, rx := watch.New(0)
	acks := make(chan int, receivers)
	var wg sync.WaitGroup
	for i := range receivers {
		r := rx.Clone()
		wg.Go(func() {
			defer r.Close()
			last := 0
			for {
				var err error
				if i%2 == 0 {
					err = r.BlockingChanged(context.Background())
				} else {
					var res future.Result[int]
					res, _ = future.Block[future.Result[int]](context.Background(),
						r.WaitFor(func(v int) bool { return v > last }))
					err = res.Err
				}
				if errors.Is(err, watch.ErrClosed) {
					return
				}
				v, _ := r.BorrowAndUpdate()
				if v != last+1 {
					t.Errorf("receiver %d: got %d after %d", i, v, last)
				}
				last = v
				acks <- v
			}
		})
	}
	rx.Close()
	for v := 1; v <= n; v++ {
		_ = tx.Send(v)
		for range receivers {
			if a := <-acks; a != v {
				t.Fatalf("ack %d for value %d", a, v)
			}
		}
	}
	tx.Close()
	wg.Wait()
}

// Waits are abandoned at random moments; the receiver still reaches the
// final value and no waiter stays linked.
func TestStressCancelledWaitsLeaveNothingAndMissNothing(t *testing.T) {
	n := rounds(t) / 4
	tx, rx := watch.New(0)
	var wg sync.WaitGroup
	for range 4 {
		r := rx.Clone()
		wg.Go(func() {
			defer r.Close()
			for {
				ctx, cancel := context.WithCancel(context.Background())
				go cancel()
				err := r.BlockingChanged(ctx)
				cancel()
				if errors.Is(err, watch.ErrClosed) {
					break
				}
			}
			if v, _ := r.BorrowAndUpdate(); v != n {
				t.Errorf("ended at %d, want %d", v, n)
			}
		})
	}
	rx.Close()
	for v := 1; v <= n; v++ {
		_ = tx.Send(v)
	}
	tx.Close()
	wg.Wait()
	if ch, cl := watch.Waiters(tx); ch != 0 || cl != 0 {
		t.Fatalf("waiters left: %d, %d", ch, cl)
	}
}

func TestStressSenderClosedRacingReceiverCloses(t *testing.T) {
	for range rounds(t) / 20 {
		tx, rx := watch.New(0)
		rxs := []*watch.Receiver[int]{rx, rx.Clone(), rx.Clone()}
		for _, r := range rxs {
			go r.Close()
		}
		if _, err := future.Block[struct{}](context.Background(), tx.Closed()); err != nil {
			t.Fatal(err)
		}
		if !tx.IsClosed() {
			t.Fatal("Closed completed while receivers are open")
		}
	}
}

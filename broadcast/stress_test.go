package broadcast_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/weftrt/weft/broadcast"
	"github.com/weftrt/weft/future"
)

// Stress tests under -race. A lost wakeup hangs; a lost, duplicated or
// reordered value, or a lag count that does not add up, fails.

func rounds(t *testing.T) int {
	if testing.Short() {
		return 1000
	}
	return 10000
}

// Lockstep: the sender waits until every receiver has the value, so every
// value must wake every receiver.
func TestStressEveryReceiverWokenForEveryValue(t *testing.T) {
	n := rounds(t) / 2
	const receivers = 6
	tx := broadcast.NewSender[int](4)
	acks := make(chan int, receivers)
	var wg sync.WaitGroup
	for i := range receivers {
		r := tx.Subscribe()
		wg.Go(func() {
			defer r.Close()
			want := 0
			for {
				var v int
				var err error
				if i%2 == 0 {
					v, err = r.BlockingRecv(context.Background())
				} else {
					var res future.Result[int]
					res, _ = future.Block[future.Result[int]](context.Background(), r.Recv())
					v, err = res.Get()
				}
				if errors.Is(err, broadcast.ErrClosed) {
					return
				}
				if err != nil || v != want {
					t.Errorf("receiver %d: got %v, %v; want %d", i, v, err, want)
					return
				}
				want++
				acks <- v
			}
		})
	}
	for v := range n {
		if k, err := tx.Send(v); err != nil || k != receivers {
			t.Fatalf("Send = %d, %v", k, err)
		}
		for range receivers {
			<-acks
		}
	}
	tx.Close()
	wg.Wait()
	if h := broadcast.HeldValues(tx); h != 0 {
		t.Fatalf("%d values still held", h)
	}
}

// Free running with a tiny ring: receivers lag. For every receiver, the
// values it got plus the values it was told it skipped must equal what was
// sent, and each sender's values must arrive in order.
func TestStressLagAccountingAddsUp(t *testing.T) {
	n := rounds(t)
	const senders, receivers = 2, 4
	tx, rx := broadcast.New[[2]int](4)
	var rwg sync.WaitGroup
	for i := range receivers {
		r := rx.Resubscribe()
		rwg.Go(func() {
			defer r.Close()
			var got, skipped uint64
			last := [senders]int{-1, -1}
			for {
				v, err := r.BlockingRecv(context.Background())
				var lag *broadcast.LaggedError
				switch {
				case errors.Is(err, broadcast.ErrClosed):
					if got+skipped != senders*uint64(n) {
						t.Errorf("receiver %d: got %d + skipped %d != sent %d", i, got, skipped, senders*n)
					}
					return
				case errors.As(err, &lag):
					skipped += lag.Skipped
					continue
				case err != nil:
					t.Error(err)
					return
				}
				if v[1] <= last[v[0]] {
					t.Errorf("receiver %d: sender %d went from %d to %d", i, v[0], last[v[0]], v[1])
					return
				}
				last[v[0]] = v[1]
				got++
			}
		})
	}
	rx.Close()
	var swg sync.WaitGroup
	for s := range senders {
		tx := tx.Clone()
		swg.Go(func() {
			defer tx.Close()
			for i := range n {
				if _, err := tx.Send([2]int{s, i}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	swg.Wait()
	tx.Close()
	rwg.Wait()
	if h := broadcast.HeldValues(tx); h != 0 {
		t.Fatalf("%d values still held after every receiver closed", h)
	}
}

// Receivers come and go while values flow; aborted waits and closes must
// leave no waiter and no held value, and the Closed future must fire.
func TestStressReceiversComingAndGoingLeakNothing(t *testing.T) {
	n := rounds(t) / 10
	tx := broadcast.NewSender[int](8)
	keep := tx.Subscribe() // never reads: lags, and holds values until closed
	var wg sync.WaitGroup
	for i := range 4 {
		s := tx.Clone()
		wg.Go(func() {
			defer s.Close()
			for j := range n {
				r := s.Subscribe()
				ctx, cancel := context.WithCancel(context.Background())
				if j%2 == 0 {
					// Wait with nothing sent yet by us: woken by another
					// worker's send, or aborted by the racing cancel.
					go cancel()
				} else {
					_, _ = s.Send(j)
				}
				_, _ = r.BlockingRecv(ctx)
				cancel()
				if j%3 == i%3 {
					_, _ = s.Send(j)
					_, _ = r.TryRecv()
				}
				r.Close()
			}
		})
	}
	wg.Wait()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		_, _ = future.Block[struct{}](context.Background(), tx.Closed())
	}()
	keep.Close()
	<-closed
	if r, c := broadcast.Waiters(tx); r != 0 || c != 0 {
		t.Fatalf("waiters left: %d, %d", r, c)
	}
	if h := broadcast.HeldValues(tx); h != 0 {
		t.Fatalf("%d values still held", h)
	}
	tx.Close()
}

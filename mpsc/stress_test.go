package mpsc_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpsc"
)

// Stress tests: many goroutines race senders, the receiver, closes and
// aborted waits on one channel. They check that no value is lost or
// duplicated, that each producer's values arrive in order, that every wait
// ends (a lost wakeup hangs the test), and that nothing is left behind.

type item struct{ producer, seq int }

func perProducer(t *testing.T) int {
	if testing.Short() {
		return 300
	}
	return 3000
}

const producers = 8

// checkStream verifies FIFO per producer and returns how many values each
// producer delivered.
type streamCheck struct {
	next []int
}

func newStreamCheck() *streamCheck { return &streamCheck{next: make([]int, producers)} }

func (s *streamCheck) see(t *testing.T, it item) {
	t.Helper()
	if it.seq != s.next[it.producer] {
		t.Fatalf("producer %d: got seq %d, want %d (lost, duplicated or reordered)", it.producer, it.seq, s.next[it.producer])
	}
	s.next[it.producer]++
}

func TestStressBoundedManyProducersNoLossNoDuplicateFIFO(t *testing.T) {
	n := perProducer(t)
	tx, rx := mpsc.New[item](4)
	var wg sync.WaitGroup
	for p := range producers {
		s := tx.Clone()
		wg.Go(func() {
			defer s.Close()
			for i := range n {
				var err error
				switch i % 3 {
				case 0:
					err = s.BlockingSend(context.Background(), item{p, i})
				case 1:
					err, _ = future.Block[error](context.Background(), s.Send(item{p, i}))
				case 2:
					var r future.Result[*mpsc.Permit[item]]
					r, _ = future.Block[future.Result[*mpsc.Permit[item]]](context.Background(), s.Reserve())
					if err = r.Err; err == nil {
						r.Value.Send(item{p, i})
					}
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	tx.Close()
	check := newStreamCheck()
	total := 0
	buf := make([]item, 0, 8)
	for {
		if total%2 == 0 {
			it, err := rx.BlockingRecv(context.Background())
			if errors.Is(err, mpsc.ErrClosed) {
				break
			}
			check.see(t, it)
			total++
			continue
		}
		out, _ := future.Block[[]item](context.Background(), rx.RecvMany(buf[:0], 8))
		if len(out) == 0 {
			break
		}
		for _, it := range out {
			check.see(t, it)
		}
		total += len(out)
	}
	wg.Wait()
	if total != producers*n {
		t.Fatalf("received %d values, want %d", total, producers*n)
	}
	noLeftovers(t, rx)
}

func TestStressUnboundedManyProducersNoLossNoDuplicateFIFO(t *testing.T) {
	n := perProducer(t)
	tx, rx := mpsc.NewUnbounded[item]()
	var wg sync.WaitGroup
	for p := range producers {
		s := tx.Clone()
		wg.Go(func() {
			defer s.Close()
			for i := range n {
				if err := s.Send(item{p, i}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	tx.Close()
	check := newStreamCheck()
	total := 0
	for {
		it, err := rx.BlockingRecv(context.Background())
		if errors.Is(err, mpsc.ErrClosed) {
			break
		}
		check.see(t, it)
		total++
	}
	wg.Wait()
	if total != producers*n {
		t.Fatalf("received %d values, want %d", total, producers*n)
	}
	noLeftovers(t, rx)
}

// Sends are aborted at random moments (their context is cancelled by a
// racing goroutine). A send that reports success must be delivered exactly
// once and in order; an aborted one must not be delivered at all, and must
// give back its slot and its place in line.
func TestStressAbortedSendsDeliverNothingAndLeakNothing(t *testing.T) {
	n := perProducer(t) / 2
	tx, rx := mpsc.New[item](2)
	var wg sync.WaitGroup
	delivered := make([][]int, producers) // seqs whose send succeeded, per producer
	for p := range producers {
		s := tx.Clone()
		wg.Go(func() {
			defer s.Close()
			seq := 0
			for i := range n {
				ctx, cancel := context.WithCancel(context.Background())
				if i%2 == 0 {
					go cancel()
				}
				var err error
				if i%4 < 2 {
					err = s.BlockingSend(ctx, item{p, seq})
				} else {
					var serr error
					serr, err = future.Block[error](ctx, s.Send(item{p, seq}))
					if err == nil {
						err = serr
					}
				}
				cancel()
				switch {
				case err == nil:
					delivered[p] = append(delivered[p], seq)
					seq++
				case errors.Is(err, context.Canceled):
				default:
					t.Error(err)
					return
				}
			}
		})
	}
	tx.Close()
	check := newStreamCheck()
	for {
		it, err := rx.BlockingRecv(context.Background())
		if errors.Is(err, mpsc.ErrClosed) {
			break
		}
		check.see(t, it)
	}
	wg.Wait()
	for p := range producers {
		if check.next[p] != len(delivered[p]) {
			t.Fatalf("producer %d: %d values received, %d sends succeeded", p, check.next[p], len(delivered[p]))
		}
	}
	noLeftovers(t, rx)
}

// The receiver closes in the middle of the traffic and drains. Every send
// that succeeded must be received; every send after the close must fail;
// every waiting sender must be woken.
func TestStressReceiverCloseRacingSendersLosesNothing(t *testing.T) {
	rounds := 20
	if testing.Short() {
		rounds = 5
	}
	for range rounds {
		tx, rx := mpsc.New[item](3)
		var wg sync.WaitGroup
		sent := make([]int, producers)
		for p := range producers {
			s := tx.Clone()
			wg.Go(func() {
				defer s.Close()
				for i := 0; ; i++ {
					if err := s.BlockingSend(context.Background(), item{p, i}); err != nil {
						if !errors.Is(err, mpsc.ErrClosed) {
							t.Error(err)
						}
						return
					}
					sent[p]++
				}
			})
		}
		tx.Close()
		check := newStreamCheck()
		for range 200 {
			it, err := rx.BlockingRecv(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			check.see(t, it)
		}
		rx.Close()
		for {
			it, err := rx.BlockingRecv(context.Background())
			if errors.Is(err, mpsc.ErrClosed) {
				break
			}
			check.see(t, it)
		}
		wg.Wait()
		for p := range producers {
			if check.next[p] != sent[p] {
				t.Fatalf("producer %d: sent %d, received %d", p, sent[p], check.next[p])
			}
		}
		noLeftovers(t, rx)
	}
}

// Reservations of several slots at once, some used, some released, some
// aborted, racing each other and the receiver.
func TestStressReserveManyPermitsAccountForEverySlot(t *testing.T) {
	n := perProducer(t) / 3
	tx, rx := mpsc.New[item](5)
	var wg sync.WaitGroup
	sent := make([]int, producers)
	for p := range producers {
		s := tx.Clone()
		wg.Go(func() {
			defer s.Close()
			for i := range n {
				k := 1 + i%3
				ctx, cancel := context.WithCancel(context.Background())
				if i%5 == 0 {
					go cancel()
				}
				r, err := future.Block[future.Result[*mpsc.Permit[item]]](ctx, s.ReserveMany(k))
				cancel()
				if err != nil {
					continue // aborted
				}
				if r.Err != nil {
					t.Error(r.Err)
					return
				}
				use := k
				if i%4 == 0 {
					use = k - 1
				}
				for range use {
					r.Value.Send(item{p, sent[p]})
					sent[p]++
				}
				r.Value.Release()
			}
		})
	}
	tx.Close()
	check := newStreamCheck()
	for {
		it, err := rx.BlockingRecv(context.Background())
		if errors.Is(err, mpsc.ErrClosed) {
			break
		}
		check.see(t, it)
	}
	wg.Wait()
	for p := range producers {
		if check.next[p] != sent[p] {
			t.Fatalf("producer %d: sent %d, received %d", p, sent[p], check.next[p])
		}
	}
	noLeftovers(t, rx)
	if c := rx.Capacity(); c != 5 {
		t.Fatalf("Capacity = %d after the storm, want 5", c)
	}
}

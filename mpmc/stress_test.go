package mpmc_test

// Stress tests on goroutines (run them under -race): many senders and
// receivers race on one small channel, with cancelled waits and a racing
// Close. They check that every value is received exactly once (none lost,
// none duplicated), that each receiver sees each sender's values in order,
// that every wait ends (a lost wake-up hangs the test), and that nothing is
// left waiting or held.

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpmc"
)

// item is one value: who sent it and its place in that sender's sequence.
type item struct{ producer, seq int }

const (
	stressProducers = 8
	stressConsumers = 8
)

func stressPerProducer() int {
	if testing.Short() {
		return 200
	}
	return 2000
}

// ledger collects what the consumers received and checks it at the end.
type ledger struct {
	mu   sync.Mutex
	seen map[item]int
}

func newLedger() *ledger { return &ledger{seen: map[item]int{}} }

// add records the values one consumer received, after checking that each
// producer's values came to it in increasing order.
func (l *ledger) add(t *testing.T, got []item) {
	last := make(map[int]int)
	for _, it := range got {
		if prev, ok := last[it.producer]; ok && it.seq <= prev {
			t.Errorf("producer %d: seq %d received after %d by one consumer", it.producer, it.seq, prev)
			return
		}
		last[it.producer] = it.seq
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, it := range got {
		l.seen[it]++
	}
}

// exactlyOnce checks that want(it) items were each received once, and
// nothing else.
func (l *ledger) exactlyOnce(t *testing.T, sent map[item]bool) {
	t.Helper()
	for it, n := range l.seen {
		if n != 1 || !sent[it] {
			t.Fatalf("%+v received %d times (sent: %v)", it, n, sent[it])
		}
	}
	if len(l.seen) != len(sent) {
		t.Fatalf("%d distinct values received, %d sent", len(l.seen), len(sent))
	}
}

// send sends it one of three ways, by i.
func stressSend(tx *mpmc.Sender[item], it item, i int) error {
	switch i % 3 {
	case 0:
		return tx.BlockingSend(context.Background(), it)
	case 1:
		err, _ := future.Block[error](context.Background(), tx.Send(it))
		return err
	default:
		for {
			switch err := tx.TrySend(it); err {
			case mpmc.ErrFull:
				return tx.BlockingSend(context.Background(), it)
			default:
				return err
			}
		}
	}
}

// recv receives one of three ways, by i.
func stressRecv(rx *mpmc.Receiver[item], i int) (item, error) {
	switch i % 3 {
	case 0:
		return rx.BlockingRecv(context.Background())
	case 1:
		r, _ := future.Block[future.Result[item]](context.Background(), rx.Recv())
		return r.Get()
	default:
		if v, err := rx.TryRecv(); err != mpmc.ErrEmpty {
			return v, err
		}
		return rx.BlockingRecv(context.Background())
	}
}

// stressRun runs stressProducers goroutines that send n items each with
// send, and stressConsumers goroutines that receive with recv until
// ErrClosed, on a channel of the given capacity that is closed once the
// producers are done; then it checks that every item arrived exactly once
// and nothing was left behind. send and recv get the goroutine's random
// source and the number of its call; either may return context.Canceled,
// and the operation is then tried again (with the same item).
func stressRun(t *testing.T, capacity, n int, send func(tx *mpmc.Sender[item], it item, r *rand.Rand, i int) error, recv func(rx *mpmc.Receiver[item], r *rand.Rand, i int) (item, error)) {
	tx, rx := mpmc.New[item](capacity)
	var producers, consumers sync.WaitGroup
	sent := map[item]bool{}
	for p := range stressProducers {
		for i := range n {
			sent[item{p, i}] = true
		}
		producers.Go(func() {
			r := rand.New(rand.NewPCG(uint64(p), 1))
			for i, call := 0, p; i < n; call++ {
				switch err := send(tx, item{p, i}, r, call); {
				case err == nil:
					i++
				case !errors.Is(err, context.Canceled):
					t.Error(err)
					return
				}
			}
		})
	}
	l := newLedger()
	for c := range stressConsumers {
		consumers.Go(func() {
			r := rand.New(rand.NewPCG(uint64(c), 2))
			var got []item
			for call := c; ; call++ {
				it, err := recv(rx, r, call)
				if errors.Is(err, mpmc.ErrClosed) {
					break
				}
				if errors.Is(err, context.Canceled) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				got = append(got, it)
			}
			l.add(t, got)
		})
	}
	producers.Wait()
	tx.Close()
	consumers.Wait()
	l.exactlyOnce(t, sent)
	clean(t, rx)
}

// Every way to send and to receive, mixed, on a channel of 4.
func TestStressManyProducersManyConsumersEachValueOnce(t *testing.T) {
	stressRun(t, 4, stressPerProducer(),
		func(tx *mpmc.Sender[item], it item, _ *rand.Rand, i int) error { return stressSend(tx, it, i) },
		func(rx *mpmc.Receiver[item], _ *rand.Rand, i int) (item, error) { return stressRecv(rx, i) })
}

// maybeCancelled returns a context that is cancelled soon, by another
// goroutine, one time in three: a wait that it cancels may have been handed
// room or a value already, which must then pass to the next waiter.
func maybeCancelled(r *rand.Rand) (context.Context, func()) {
	if r.IntN(3) != 0 {
		return context.Background(), func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range r.IntN(3) {
			runtime.Gosched()
		}
		cancel()
	}()
	return ctx, func() { <-done }
}

// Senders and receivers whose waits are cancelled at random (the goroutine
// form of an aborted task): a cancelled send is retried with the same value,
// a cancelled receive is retried, and still every value arrives once.
func TestStressCancelledWaitsLoseNoValue(t *testing.T) {
	stressRun(t, 2, stressPerProducer()/2,
		func(tx *mpmc.Sender[item], it item, r *rand.Rand, _ int) error {
			ctx, wait := maybeCancelled(r)
			defer wait()
			return tx.BlockingSend(ctx, it)
		},
		func(rx *mpmc.Receiver[item], r *rand.Rand, _ int) (item, error) {
			ctx, wait := maybeCancelled(r)
			defer wait()
			return rx.BlockingRecv(ctx)
		})
}

// Close races senders that wait on a full channel and receivers: every send
// that succeeded is received exactly once, every send that failed got its
// value back and that value is never received, and every goroutine ends.
func TestStressCloseRacingWaitersAccountsForEveryValue(t *testing.T) {
	rounds := 50
	if testing.Short() {
		rounds = 10
	}
	for round := range rounds {
		tx, rx := mpmc.New[item](2)
		var wg sync.WaitGroup
		var mu sync.Mutex
		sent := map[item]bool{}
		for p := range stressProducers {
			wg.Go(func() {
				for i := 0; ; i++ {
					it := item{p, i}
					var err error
					if i%2 == 0 {
						err = tx.BlockingSend(context.Background(), it)
					} else {
						err, _ = future.Block[error](context.Background(), tx.Send(it))
						var se *mpmc.SendError[item]
						if err != nil && (!errors.As(err, &se) || se.Value != it) {
							t.Errorf("failed Send returned %v, want its value %+v", err, it)
						}
					}
					if err != nil {
						if !errors.Is(err, mpmc.ErrClosed) {
							t.Error(err)
						}
						return
					}
					mu.Lock()
					sent[it] = true
					mu.Unlock()
				}
			})
		}
		l := newLedger()
		received := make(chan int, stressConsumers)
		for c := range stressConsumers {
			wg.Go(func() {
				var got []item
				for i := c; ; i++ {
					it, err := stressRecv(rx, i)
					if err != nil {
						if !errors.Is(err, mpmc.ErrClosed) {
							t.Error(err)
						}
						break
					}
					got = append(got, it)
					if len(got) == 20 {
						received <- c
					}
				}
				l.add(t, got)
			})
		}
		<-received // close while values flow and senders wait
		if round%2 == 0 {
			runtime.Gosched()
		}
		tx.Close()
		wg.Wait()
		l.exactlyOnce(t, sent)
		clean(t, rx)
		if t.Failed() {
			return
		}
	}
}

// patience bounds the waits that must end; reaching it means a lost wake-up.
const patience = 60 * time.Second

// waitFor spins (yielding) until cond holds: the waiters it waits for are
// parked on the channel, a state with no event to wait on.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s never happened", what)
		}
		runtime.Gosched()
	}
}

// Waiters all parked, then room or values are handed to them while half of
// them are cancelled: a cancelled waiter that was already handed room or a
// value passes it to a waiter behind it. There is exactly enough for the
// waiters that are not cancelled (more is made for each cancelled one that
// completed anyway), so a hand-over that is lost leaves one of them parked
// until patience runs out; and no value is lost or sent twice.
func TestStressWaitersCancelledAfterTheirHandOverPassItOn(t *testing.T) {
	const k = 8
	rounds := 200
	if testing.Short() {
		rounds = 40
	}
	for round := range rounds {
		t.Run("recv", func(t *testing.T) { handOverRecvRound(t, k, round) })
		t.Run("send", func(t *testing.T) { handOverSendRound(t, k, round) })
		if t.Failed() {
			return
		}
	}
}

// waiters runs k goroutines, wait(i, ctx) each; the odd or even ones (by
// round) get a context that is cancelled by cancelAll. It returns a wait
// for the cancellable ones, then one for the others.
func waiters(k, round int, wait func(i int, ctx context.Context)) (cancelAll func(), cancellable, live *sync.WaitGroup, stop func()) {
	ctx, stop := context.WithTimeout(context.Background(), patience)
	cctx, cancel := context.WithCancel(ctx)
	cancellable, live = &sync.WaitGroup{}, &sync.WaitGroup{}
	for i := range k {
		if i%2 == round%2 {
			cancellable.Go(func() { wait(i, cctx) })
		} else {
			live.Go(func() { wait(i, ctx) })
		}
	}
	return cancel, cancellable, live, stop
}

func handOverRecvRound(t *testing.T, k, round int) {
	tx, rx := mpmc.New[int](k)
	got := make(chan int, k)
	cancel, cancellable, live, stop := waiters(k, round, func(i int, ctx context.Context) {
		v, err := rx.BlockingRecv(ctx)
		switch {
		case err == nil:
			got <- v
		case !errors.Is(err, context.Canceled):
			t.Errorf("receiver %d: %v", i, err)
		}
	})
	defer stop()
	waitFor(t, "every receiver to wait", func() bool { return mpmc.StatsOf(rx).RecvWaiters == k })
	var sender sync.WaitGroup
	sender.Go(func() {
		for v := range k / 2 {
			if err := tx.TrySend(v); err != nil {
				t.Error(err)
			}
		}
	})
	cancel()
	sender.Wait()
	cancellable.Wait()
	// Each cancellable receiver that got a value anyway took one meant
	// for a live one: send a value more for each.
	total := k/2 + len(got)
	for v := k / 2; v < total; v++ {
		mustTrySend(t, tx, v, nil)
	}
	live.Wait()
	close(got)
	seen := map[int]bool{}
	for v := range got {
		if seen[v] {
			t.Fatalf("value %d received twice", v)
		}
		seen[v] = true
	}
	for v, err := rx.TryRecv(); err == nil; v, err = rx.TryRecv() {
		if seen[v] {
			t.Fatalf("value %d received and still buffered", v)
		}
		seen[v] = true
	}
	if len(seen) != total {
		t.Fatalf("%d of %d values accounted for", len(seen), total)
	}
	clean(t, rx)
}

func handOverSendRound(t *testing.T, k, round int) {
	tx, rx := mpmc.New[int](k)
	for v := range k {
		mustTrySend(t, tx, -1-v, nil)
	}
	var mu sync.Mutex
	sent := map[int]bool{}
	cancel, cancellable, live, stop := waiters(k, round, func(i int, ctx context.Context) {
		err := tx.BlockingSend(ctx, i)
		switch {
		case err == nil:
			mu.Lock()
			sent[i] = true
			mu.Unlock()
		case !errors.Is(err, context.Canceled):
			t.Errorf("sender %d: %v", i, err)
		}
	})
	defer stop()
	waitFor(t, "every sender to wait", func() bool { return mpmc.StatsOf(rx).SendWaiters == k })
	var receiver sync.WaitGroup
	receiver.Go(func() {
		for range k / 2 {
			if _, err := rx.TryRecv(); err != nil {
				t.Error(err)
			}
		}
	})
	cancel()
	receiver.Wait()
	cancellable.Wait()
	// Each cancellable sender that sent anyway took room meant for a live
	// one: make room once more for each.
	mu.Lock()
	more := len(sent)
	mu.Unlock()
	for range more {
		if _, err := rx.TryRecv(); err != nil {
			t.Fatal(err)
		}
	}
	live.Wait()
	// At most k of the initial values were received, so what is left is
	// the rest of them and the value of every send that succeeded, once.
	for v, err := rx.TryRecv(); err == nil; v, err = rx.TryRecv() {
		if v < 0 {
			continue
		}
		if !sent[v] {
			t.Fatalf("value %d buffered, but its send did not succeed or was seen twice", v)
		}
		delete(sent, v)
	}
	if len(sent) != 0 {
		t.Fatalf("sends %v succeeded but their values are gone", sent)
	}
	clean(t, rx)
}

package broadcast_test

// Tests of broadcast channels on a real weft runtime (issue #4): Recv and
// Closed futures aborted while they wait are unlinked and lose no value,
// and receiver tasks that fall behind a busy sender account for every value
// as received or skipped.

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/broadcast"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/task"
)

const rtWaiters = 8

func TestRuntimeAbortWhileWaitingLeaksNothing(t *testing.T) {
	rttest.RunAbortCases(t, []rttest.Case{
		{Name: "Recv", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			tx := broadcast.NewSender[int](4)
			rxs := make([]*broadcast.Receiver[int], rtWaiters)
			for i := range rxs {
				rxs[i] = tx.Subscribe()
			}
			done := make([]atomic.Bool, rtWaiters)
			return &rttest.Env{
				N: rtWaiters,
				Wait: func(i int) future.Future[struct{}] {
					return rttest.Unit(rxs[i].Recv(), func(r future.Result[int]) {
						if r.Err == nil && r.Value == 1 {
							done[i].Store(true)
						}
					})
				},
				Waiters: func() int {
					n, _ := broadcast.Waiters(tx)
					return n
				},
				Release: func() { _, _ = tx.Send(1) },
				Check: func(t testing.TB, o rttest.Outcome) {
					if n, c := broadcast.Waiters(tx); n != 0 || c != 0 {
						t.Fatalf("%d Recv and %d Closed futures left linked", n, c)
					}
					for i, rx := range rxs {
						// The value an aborted receive did not take is still
						// there for its receiver.
						v, err := rx.TryRecv()
						switch {
						case o.Released && !done[i].Load():
							if err != nil || v != 1 {
								t.Fatalf("receiver %d: got %d %v, want the value its aborted Recv left", i, v, err)
							}
						case !errors.Is(err, broadcast.ErrEmpty):
							t.Fatalf("receiver %d: got %d %v, want nothing", i, v, err)
						}
						rx.Close()
					}
					if h := broadcast.HeldValues(tx); h != 0 {
						t.Fatalf("%d slots still hold a value after every receiver closed", h)
					}
					tx.Close()
				},
			}
		}},
		{Name: "Closed", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			tx, rx := broadcast.New[int](4)
			return &rttest.Env{
				N:    rtWaiters,
				Wait: func(int) future.Future[struct{}] { return tx.Closed() },
				Waiters: func() int {
					_, c := broadcast.Waiters(tx)
					return c
				},
				Release: rx.Close,
				Check: func(t testing.TB, o rttest.Outcome) {
					if n, c := broadcast.Waiters(tx); n != 0 || c != 0 {
						t.Fatalf("%d Recv and %d Closed futures left linked", n, c)
					}
					if got := tx.ReceiverCount() == 0; got != o.Released {
						t.Fatalf("no receiver %v, released %v", got, o.Released)
					}
					rx.Close()
					tx.Close()
				},
			}
		}},
	})
}

// rtLagStats is what one receiver task saw.
type rtLagStats struct {
	received, skipped, lags int
	err                     error
}

// rtFollower reads a broadcast channel to its end, after start completes.
// Each value must be the one after the last (or after the skipped ones
// reported by a lag), and slow followers yield after every value.
func rtFollower(rx *broadcast.Receiver[int], start future.Future[struct{}], slow bool) *weft.AsyncFuture[rtLagStats] {
	return weft.Async(func(a *weft.A) rtLagStats {
		defer rx.Close()
		var st rtLagStats
		weft.Await(a, start)
		next := 0
		for {
			r := weft.Await(a, rx.Recv())
			var lag *broadcast.LaggedError
			switch {
			case errors.Is(r.Err, broadcast.ErrClosed):
				return st
			case errors.As(r.Err, &lag):
				st.skipped += int(lag.Skipped)
				st.lags++
				next += int(lag.Skipped)
				continue
			case r.Err != nil:
				st.err = r.Err
				return st
			}
			if r.Value != next {
				st.err = errors.New("value out of sequence")
				return st
			}
			next++
			st.received++
			if slow {
				weft.Await(a, weft.YieldNow())
			}
		}
	})
}

// Receiver tasks on a 4-worker runtime follow a sender task that sends in
// bursts larger than the channel: every receiver accounts for every value
// exactly once, as received or as skipped in a lag report, sees values in
// order, and reads to the end. Slow receivers start only after the first
// burst has overwritten the start of the channel, so they lag for certain.
func TestRuntimeStressLagAccounting(t *testing.T) {
	receivers, values := 32, 20000
	if testing.Short() {
		receivers, values = 8, 4000
	}
	const capacity, burst = 16, 64
	rt := rttest.NewRuntime(t, weft.WithWorkers(4))
	tx := broadcast.NewSender[int](capacity)
	go1 := weft.NewNotify()
	hs := make([]*task.JoinHandle[rtLagStats], receivers)
	for i := range hs {
		slow := i%2 == 1
		var start future.Future[struct{}] = future.Ready(struct{}{})
		if slow {
			start = go1.Notified()
		}
		hs[i] = weft.Spawn(rt, rtFollower(tx.Subscribe(), start, slow))
	}
	sender := weft.Spawn(rt, weft.Async(func(a *weft.A) error {
		defer tx.Close()
		for v := range values {
			if _, err := tx.Send(v); err != nil {
				return err
			}
			if v == burst {
				go1.NotifyWaiters()
			}
			if v%burst == 0 {
				weft.Await(a, weft.YieldNow())
			}
		}
		return nil
	}))
	if err := rttest.MustSucceed(t, rt, []*task.JoinHandle[error]{sender})[0]; err != nil {
		t.Fatal(err)
	}
	totalLags := 0
	for i, st := range rttest.MustSucceed(t, rt, hs) {
		if st.err != nil {
			t.Fatalf("receiver %d: %v", i, st.err)
		}
		if st.received+st.skipped != values {
			t.Fatalf("receiver %d: %d received + %d skipped != %d sent", i, st.received, st.skipped, values)
		}
		if i%2 == 1 && st.lags == 0 {
			t.Fatalf("slow receiver %d never lagged, though it started after %d values on a channel of %d", i, burst, capacity)
		}
		totalLags += st.lags
	}
	if h := broadcast.HeldValues(tx); h != 0 {
		t.Fatalf("%d slots still hold a value", h)
	}
	t.Logf("%d receivers, %d values, %d lag reports", receivers, values, totalLags)
}

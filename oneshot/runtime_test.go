package oneshot_test

// Tests of oneshot channels on a real weft runtime (issue #4): a Receiver
// or Closed future aborted while it waits leaves no waker behind and gets
// the channel to the state its Drop promises; request/response round trips
// between many tasks all complete.

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/mpsc"
	"github.com/weftrt/weft/oneshot"
	"github.com/weftrt/weft/task"
)

const rtWaiters = 8

func TestRuntimeAbortWhileWaitingLeaksNothing(t *testing.T) {
	rttest.RunAbortCases(t, []rttest.Case{
		{Name: "Recv", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			txs := make([]*oneshot.Sender[int], rtWaiters)
			rxs := make([]*oneshot.Receiver[int], rtWaiters)
			for i := range txs {
				txs[i], rxs[i] = oneshot.New[int]()
			}
			var got, bad atomic.Int64
			var accepted atomic.Int64 // sends the receiver side took
			// An Async body aborted before it started never built its
			// future, so its Receiver was never owned by a task.
			built := make([]atomic.Bool, rtWaiters)
			return &rttest.Env{
				N: rtWaiters,
				Wait: func(i int) future.Future[struct{}] {
					built[i].Store(true)
					return rttest.Unit(rxs[i], func(r future.Result[int]) {
						if r.Err != nil || r.Value != i {
							bad.Add(1)
						}
						got.Add(1)
					})
				},
				Release: func() {
					for i, tx := range txs {
						if tx.Send(i) == nil {
							accepted.Add(1)
						}
					}
				},
				Check: func(t testing.TB, o rttest.Outcome) {
					if bad.Load() != 0 {
						t.Fatal("a receive completed without its value")
					}
					if got.Load() != int64(o.Completed) || accepted.Load() < got.Load() {
						t.Fatalf("%d received, %d accepted, %d completed", got.Load(), accepted.Load(), o.Completed)
					}
					for i, tx := range txs {
						if !built[i].Load() {
							continue
						}
						// A dropped Receiver closes the channel (Tokio's
						// drop), so the sender learns nobody listens.
						if !tx.IsClosed() && !o.Released {
							t.Fatalf("channel %d: sender not told its receiver was dropped", i)
						}
						if rxw, _ := oneshot.StoredWakers(tx); !o.Released && !rxw.IsZero() {
							t.Fatalf("channel %d: receiver's waker left in the channel", i)
						}
						if !o.Released {
							var se *oneshot.SendError[int]
							if err := tx.Send(i); !errors.As(err, &se) || se.Value != i {
								t.Fatalf("channel %d: send after the receiver's drop returned %v", i, err)
							}
						}
					}
				},
			}
		}},
		{Name: "Closed", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			txs := make([]*oneshot.Sender[int], rtWaiters)
			rxs := make([]*oneshot.Receiver[int], rtWaiters)
			for i := range txs {
				txs[i], rxs[i] = oneshot.New[int]()
			}
			return &rttest.Env{
				N:    rtWaiters,
				Wait: func(i int) future.Future[struct{}] { return txs[i].Closed() },
				Release: func() {
					for _, rx := range rxs {
						rx.Close()
					}
				},
				Check: func(t testing.TB, o rttest.Outcome) {
					for i, tx := range txs {
						if _, txw := oneshot.StoredWakers(tx); !o.Released && !txw.IsZero() {
							t.Fatalf("channel %d: Closed's waker left in the channel", i)
						}
						// Dropping Closed closes nothing: the channel still
						// works.
						if tx.IsClosed() != o.Released {
							t.Fatalf("channel %d: closed %v, released %v", i, tx.IsClosed(), o.Released)
						}
						if !o.Released {
							if err := tx.Send(i); err != nil {
								t.Fatal(err)
							}
							if v, err := rxs[i].TryRecv(); err != nil || v != i {
								t.Fatalf("channel %d: got %d %v", i, v, err)
							}
						}
					}
				},
			}
		}},
	})
}

// rtRequest is a request to the server task; it carries its reply channel.
type rtRequest struct {
	n     int
	reply *oneshot.Sender[int]
}

// Many client tasks each send requests to one server task and await the
// oneshot reply; every round trip completes with the right answer on a
// 4-worker runtime. Some clients are aborted while they wait: the server
// still answers their last request (the reply finds the receiver dropped)
// and nobody stalls.
func TestRuntimeStressRequestReply(t *testing.T) {
	clients, rounds := 64, 200
	if testing.Short() {
		clients, rounds = 16, 50
	}
	rt := rttest.NewRuntime(t, weft.WithWorkers(4))
	reqTx, reqRx := mpsc.NewUnbounded[rtRequest]()
	var started, pushed, refused atomic.Int64
	server := weft.Spawn(rt, weft.Async(func(a *weft.A) int {
		served := 0
		for {
			r := weft.Await(a, reqRx.Recv())
			if r.Err != nil {
				return served
			}
			if r.Value.reply.Send(r.Value.n*2) != nil {
				refused.Add(1)
			}
			served++
		}
	}))
	hs := make([]*task.JoinHandle[int], clients)
	for c := range hs {
		tx := reqTx.Clone()
		hs[c] = weft.Spawn(rt, weft.Async(func(a *weft.A) int {
			defer tx.Close()
			started.Add(1)
			sum := 0
			for i := range rounds {
				reply, rx := oneshot.New[int]()
				if tx.Send(rtRequest{n: i, reply: reply}) != nil {
					return -1
				}
				pushed.Add(1)
				r := weft.Await(a, rx)
				if r.Err != nil || r.Value != 2*i {
					return -1
				}
				sum += r.Value
			}
			return sum
		}))
	}
	reqTx.Close()
	// A body aborted before its first poll never runs, so its deferred
	// Close would not run either and the server would wait forever: abort
	// only clients that have started.
	rttest.Until(t, rt, "every client to start", func() bool { return started.Load() == int64(clients) })
	for c := 7; c < clients; c += 8 {
		hs[c].Abort()
	}
	want := rounds * (rounds - 1)
	vals, errs := rttest.JoinAll(t, rt, hs)
	for c := range hs {
		switch {
		case errs[c] == nil && vals[c] == want:
		case errs[c] != nil && c%8 == 7 && rttest.IsCancelled(errs[c]):
		default:
			t.Fatalf("client %d: sum %d, err %v; want %d", c, vals[c], errs[c], want)
		}
	}
	served := rttest.MustSucceed(t, rt, []*task.JoinHandle[int]{server})[0]
	if int64(served) != pushed.Load() {
		t.Fatalf("served %d requests of %d", served, pushed.Load())
	}
	if refused.Load() > int64(clients/8) {
		t.Fatalf("%d replies refused, but only %d clients were aborted", refused.Load(), clients/8)
	}
}

package mpsc_test

// Tests of the channel on a real weft runtime (issue #4): every waiting
// future aborted while it waits leaves the channel as it was, and pipelines
// of many tasks lose, duplicate and reorder nothing under a multi-thread
// runtime.

import (
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/mpsc"
	"github.com/weftrt/weft/task"
)

const rtWaiters = 8

// rtCheckStats fails t unless the channel holds no reservation, waiter or
// waker, and every slot is free or buffered.
func rtCheckStats[T any](t testing.TB, rx *mpsc.Receiver[T]) mpsc.Stats {
	t.Helper()
	s := mpsc.StatsOf(rx)
	if s.Held != 0 || s.SendWaiters != 0 || s.ClosedWaiters != 0 || !s.RxWaker.IsZero() {
		t.Fatalf("left behind: %+v", s)
	}
	if rx.MaxCapacity() > 0 && s.Free+s.Buffered != rx.MaxCapacity() {
		t.Fatalf("slots lost: %+v of %d", s, rx.MaxCapacity())
	}
	return s
}

// rtFullChannel makes a bounded channel whose capacity is all buffered
// (values -1, -2, ...), with rtWaiters tasks to park on it. Release receives
// what was buffered, freeing every slot, which grants waiting sends and
// reservations that may then be aborted before they run: their slots must
// pass on.
func rtFullChannel(t testing.TB, capacity int, wait func(tx *mpsc.Sender[int], i int, sent func(int)) future.Future[struct{}]) *rttest.Env {
	tx, rx := mpsc.New[int](capacity)
	for k := range capacity {
		if err := tx.TrySend(-1 - k); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var sent []int // values of the waits that completed
	record := func(v int) {
		mu.Lock()
		sent = append(sent, v)
		mu.Unlock()
	}
	var bad atomic.Int64
	return &rttest.Env{
		N:       rtWaiters,
		Wait:    func(i int) future.Future[struct{}] { return wait(tx, i, record) },
		Waiters: func() int { return mpsc.StatsOf(rx).SendWaiters },
		Release: func() {
			for range capacity {
				if _, err := rx.TryRecv(); err != nil {
					bad.Add(1)
				}
			}
		},
		Check: func(t testing.TB, o rttest.Outcome) {
			if bad.Load() != 0 {
				t.Fatal("release found the buffer not full")
			}
			s := rtCheckStats(t, rx)
			want := capacity
			if o.Released {
				want = o.Completed
			}
			if s.Buffered != want || tx.Capacity() != capacity-want {
				t.Fatalf("%d buffered, Capacity %d; want %d buffered (%d completed)", s.Buffered, tx.Capacity(), want, o.Completed)
			}
			if !o.Released {
				return
			}
			// The values in the buffer are exactly those of the waits that
			// completed (their order depends on which worker ran first).
			mu.Lock()
			defer mu.Unlock()
			got := make([]int, 0, want)
			for range want {
				v, err := rx.TryRecv()
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, v)
			}
			slices.Sort(got)
			slices.Sort(sent)
			if !slices.Equal(got, sent) {
				t.Fatalf("buffered %v, completed waits sent %v", got, sent)
			}
			if tx.Capacity() != capacity {
				t.Fatalf("Capacity %d after draining, want %d", tx.Capacity(), capacity)
			}
		},
	}
}

// rtRecvEnv parks one task on the receiver; Release sends one value.
func rtRecvEnv(t testing.TB, tx func(int) error, rx *mpsc.Receiver[int], wait func(got func(int)) future.Future[struct{}]) *rttest.Env {
	var got atomic.Int64
	return &rttest.Env{
		N:       1,
		Wait:    func(int) future.Future[struct{}] { return wait(func(n int) { got.Add(int64(n)) }) },
		Waiters: func() int { return rtNonZero(mpsc.StatsOf(rx).RxWaker) },
		Release: func() { _ = tx(7) },
		Check: func(t testing.TB, o rttest.Outcome) {
			rtCheckStats(t, rx)
			if got.Load() != int64(o.Completed) {
				t.Fatalf("%d values received by %d completed waits", got.Load(), o.Completed)
			}
			// A value nobody received is still there, and the receiver
			// still works.
			if want := rtB2i(o.Released) - o.Completed; rx.Len() != want {
				t.Fatalf("%d values buffered, want %d", rx.Len(), want)
			}
			if err := tx(8); err != nil {
				t.Fatal(err)
			}
			if rx.Len() == 0 {
				t.Fatal("send after the aborted receive did not arrive")
			}
		},
	}
}

func rtNonZero(w future.Waker) int {
	if w.IsZero() {
		return 0
	}
	return 1
}

func rtB2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestRuntimeAbortWhileWaitingLeaksNothing(t *testing.T) {
	rttest.RunAbortCases(t, []rttest.Case{
		{Name: "Send", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			return rtFullChannel(t, 2, func(tx *mpsc.Sender[int], i int, sent func(int)) future.Future[struct{}] {
				return rttest.Unit(tx.Send(i), func(err error) {
					if err == nil {
						sent(i)
					}
				})
			})
		}},
		{Name: "Reserve", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			return rtFullChannel(t, 2, func(tx *mpsc.Sender[int], i int, sent func(int)) future.Future[struct{}] {
				return rttest.Unit(tx.Reserve(), func(r future.Result[*mpsc.Permit[int]]) {
					if r.Err == nil {
						sent(i)
						r.Value.Send(i)
					}
				})
			})
		}},
		{Name: "ReserveMany", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			env := rtFullChannel(t, 4, func(tx *mpsc.Sender[int], i int, sent func(int)) future.Future[struct{}] {
				return rttest.Unit(tx.ReserveMany(2), func(r future.Result[*mpsc.Permit[int]]) {
					if r.Err == nil {
						sent(i)
						r.Value.Send(i)
						r.Value.Release() // the second slot goes back unused
					}
				})
			})
			return env
		}},
		{Name: "Recv", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			tx, rx := mpsc.New[int](4)
			return rtRecvEnv(t, tx.TrySend, rx, func(got func(int)) future.Future[struct{}] {
				return rttest.Unit(rx.Recv(), func(r future.Result[int]) {
					if r.Err == nil {
						got(1)
					}
				})
			})
		}},
		{Name: "RecvMany", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			tx, rx := mpsc.New[int](4)
			return rtRecvEnv(t, tx.TrySend, rx, func(got func(int)) future.Future[struct{}] {
				return rttest.Unit(rx.RecvMany(nil, 4), func(vs []int) { got(len(vs)) })
			})
		}},
		{Name: "unbounded/Recv", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			tx, rx := mpsc.NewUnbounded[int]()
			return rtRecvEnv(t, tx.Send, rx, func(got func(int)) future.Future[struct{}] {
				return rttest.Unit(rx.Recv(), func(r future.Result[int]) {
					if r.Err == nil {
						got(1)
					}
				})
			})
		}},
		{Name: "unbounded/RecvMany", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			tx, rx := mpsc.NewUnbounded[int]()
			return rtRecvEnv(t, tx.Send, rx, func(got func(int)) future.Future[struct{}] {
				return rttest.Unit(rx.RecvMany(make([]int, 0, 4), 4), func(vs []int) { got(len(vs)) })
			})
		}},
		{Name: "Closed", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			tx, rx := mpsc.New[int](2)
			return rtClosedEnv(rx, func(int) future.Future[struct{}] { return tx.Closed() })
		}},
		{Name: "unbounded/Closed", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			tx, rx := mpsc.NewUnbounded[int]()
			return rtClosedEnv(rx, func(int) future.Future[struct{}] { return tx.Closed() })
		}},
	})
}

// rtClosedEnv parks tasks on Closed futures; Release closes the receiver.
func rtClosedEnv(rx *mpsc.Receiver[int], wait func(i int) future.Future[struct{}]) *rttest.Env {
	return &rttest.Env{
		N:       rtWaiters,
		Wait:    wait,
		Waiters: func() int { return mpsc.StatsOf(rx).ClosedWaiters },
		Release: rx.Close,
		Check: func(t testing.TB, o rttest.Outcome) {
			rtCheckStats(t, rx)
			if rx.IsClosed() != o.Released {
				t.Fatalf("receiver closed %v, released %v", rx.IsClosed(), o.Released)
			}
		},
	}
}

// rtItem is one value of a pipeline: who sent it and its place in that
// producer's sequence.
type rtItem struct{ producer, seq int }

// rtProducer is a hand-written task that sends n items with Send futures
// and then closes its sender.
type rtProducer struct {
	tx   *mpsc.Sender[rtItem]
	p, n int
	j    int
	send *mpsc.SendFuture[rtItem]
}

func (f *rtProducer) Poll(cx *future.Context) (error, bool) {
	for f.j < f.n {
		if f.send == nil {
			f.send = f.tx.Send(rtItem{f.p, f.j})
		}
		err, ok := f.send.Poll(cx)
		if !ok {
			return nil, false
		}
		f.send.Drop()
		f.send = nil
		if err != nil {
			return err, true
		}
		f.j++
	}
	f.tx.Close()
	return nil, true
}

func (f *rtProducer) Drop() {
	if f.send != nil {
		f.send.Drop()
	}
	if !f.tx.IsClosed() {
		f.tx.Close()
	}
}

// rtUnboundedProducer sends n items on an unbounded channel, yielding every
// few so that producers interleave.
type rtUnboundedProducer struct {
	tx   *mpsc.UnboundedSender[rtItem]
	p, n int
	j    int
}

func (f *rtUnboundedProducer) Poll(cx *future.Context) (error, bool) {
	for f.j < f.n {
		if err := f.tx.Send(rtItem{f.p, f.j}); err != nil {
			return err, true
		}
		f.j++
		if f.j%16 == 0 && f.j < f.n {
			cx.Waker().Wake()
			return nil, false
		}
	}
	f.tx.Close()
	return nil, true
}

// rtConsume receives until the channel ends and checks that each producer's
// items arrive once each and in order. It returns how many arrived.
func rtConsume(rx *mpsc.Receiver[rtItem], producers int, many bool) *weft.AsyncFuture[error] {
	return weft.Async(func(a *weft.A) error {
		next := make([]int, producers)
		see := func(it rtItem) error {
			if it.seq != next[it.producer] {
				return errors.New("lost, duplicated or reordered item")
			}
			next[it.producer]++
			return nil
		}
		var buf []rtItem
		for {
			if many {
				buf = weft.Await(a, rx.RecvMany(buf[:0], 32))
				if len(buf) == 0 {
					break
				}
				for _, it := range buf {
					if err := see(it); err != nil {
						return err
					}
				}
				continue
			}
			r := weft.Await(a, rx.Recv())
			if errors.Is(r.Err, mpsc.ErrClosed) {
				break
			}
			if err := see(r.Value); err != nil {
				return err
			}
		}
		return nil
	})
}

// rtRelay forwards every item from rx to tx (a second bounded channel) with
// Reserve and Permit.Send, then closes tx.
func rtRelay(rx *mpsc.Receiver[rtItem], tx *mpsc.Sender[rtItem]) *weft.AsyncFuture[error] {
	return weft.Async(func(a *weft.A) error {
		defer tx.Close()
		for {
			r := weft.Await(a, rx.Recv())
			if r.Err != nil {
				return nil
			}
			p := weft.Await(a, tx.Reserve())
			if p.Err != nil {
				return p.Err
			}
			p.Value.Send(r.Value)
		}
	})
}

func rtPipelineSize() (producers, items int) {
	if testing.Short() {
		return 16, 200
	}
	return 64, 500
}

// A pipeline of many producer tasks, a relay and a consumer over two small
// bounded channels on a 4-worker runtime delivers every item exactly once,
// in order per producer, and every task ends (no lost wake-up).
func TestRuntimeStressBoundedPipeline(t *testing.T) {
	producers, items := rtPipelineSize()
	rt := rttest.NewRuntime(t, weft.WithWorkers(4))
	tx1, rx1 := mpsc.New[rtItem](8)
	tx2, rx2 := mpsc.New[rtItem](4)
	consumer := weft.Spawn(rt, rtConsume(rx2, producers, false))
	relay := weft.Spawn(rt, rtRelay(rx1, tx2))
	hs := make([]*task.JoinHandle[error], producers)
	for p := range hs {
		hs[p] = weft.Spawn(rt, &rtProducer{tx: tx1.Clone(), p: p, n: items})
	}
	tx1.Close()
	for p, err := range rttest.MustSucceed(t, rt, hs) {
		if err != nil {
			t.Fatalf("producer %d: %v", p, err)
		}
	}
	for _, err := range rttest.MustSucceed(t, rt, []*task.JoinHandle[error]{relay, consumer}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	rtCheckStats(t, rx1)
	rtCheckStats(t, rx2)
}

// The same with unbounded channels: a consumer with RecvMany behind a relay
// with Recv, and producers that never wait.
func TestRuntimeStressUnboundedPipeline(t *testing.T) {
	producers, items := rtPipelineSize()
	rt := rttest.NewRuntime(t, weft.WithWorkers(4))
	tx1, rx1 := mpsc.NewUnbounded[rtItem]()
	tx2, rx2 := mpsc.NewUnbounded[rtItem]()
	consumer := weft.Spawn(rt, rtConsume(rx2, producers, true))
	relay := weft.Spawn(rt, weft.Async(func(a *weft.A) error {
		defer tx2.Close()
		for {
			r := weft.Await(a, rx1.Recv())
			if r.Err != nil {
				return nil
			}
			if err := tx2.Send(r.Value); err != nil {
				return err
			}
		}
	}))
	hs := make([]*task.JoinHandle[error], producers)
	for p := range hs {
		hs[p] = weft.Spawn(rt, &rtUnboundedProducer{tx: tx1.Clone(), p: p, n: items})
	}
	tx1.Close()
	for p, err := range rttest.MustSucceed(t, rt, hs) {
		if err != nil {
			t.Fatalf("producer %d: %v", p, err)
		}
	}
	for _, err := range rttest.MustSucceed(t, rt, []*task.JoinHandle[error]{relay, consumer}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	rtCheckStats(t, rx1)
	rtCheckStats(t, rx2)
}

// Producers aborted while they wait on a full channel, racing a consumer
// that keeps receiving, leave every slot accounted for: what the consumer
// got is a prefix of each producer's sequence, and the channel ends with
// nothing held.
func TestRuntimeStressAbortedProducersRacingConsumer(t *testing.T) {
	producers, items := rtPipelineSize()
	rt := rttest.NewRuntime(t, weft.WithWorkers(4))
	tx, rx := mpsc.New[rtItem](4)
	consumer := weft.Spawn(rt, rtConsume(rx, producers, false))
	hs := make([]*task.JoinHandle[error], producers)
	for p := range hs {
		hs[p] = weft.Spawn(rt, &rtProducer{tx: tx.Clone(), p: p, n: items})
	}
	tx.Close()
	for p := 0; p < producers; p += 2 {
		hs[p].Abort()
	}
	_, errs := rttest.JoinAll(t, rt, hs)
	for p, err := range errs {
		if err != nil && (p%2 == 1 || !rttest.IsCancelled(err)) {
			t.Fatalf("producer %d: %v", p, err)
		}
	}
	if err := rttest.MustSucceed(t, rt, []*task.JoinHandle[error]{consumer})[0]; err != nil {
		t.Fatal(err)
	}
	rtCheckStats(t, rx)
}

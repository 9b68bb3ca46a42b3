package mpsc_test

import (
	"errors"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/mpsc"
	"github.com/weftrt/weft/task"
)

// resetProducer is a hand-written task body that sends next, next+1, ...
// below end through one SendFuture kept by value.
type resetProducer struct {
	tx        *mpsc.Sender[int]
	send      mpsc.SendFuture[int]
	next, end int
	busy      bool // send holds next and has not completed
}

func (p *resetProducer) Poll(cx *future.Context) (error, bool) {
	for p.next < p.end {
		if !p.busy {
			p.send.Reset(p.tx, p.next)
			p.busy = true
		}
		err, ok := p.send.Poll(cx)
		if !ok {
			return nil, false
		}
		p.busy = false
		if err != nil {
			return err, true
		}
		p.next++
	}
	return nil, true
}

func (p *resetProducer) Drop() { p.send.Drop() }

// A task that keeps one SendFuture by value sends without allocating, both
// when a slot is free and when it has to wait for one and is woken.
func TestReusedSendFutureDoesNotAllocate(t *testing.T) {
	tx, rx := mpsc.New[int](4)
	defer tx.Close()
	p := &resetProducer{tx: tx, end: 1 << 30}
	task := spawn[error](p)
	want := 0
	cycle := func() {
		if _, ok := task.Poll(); ok {
			t.Fatal("producer finished early")
		}
		if rx.Len() != 4 {
			t.Fatalf("producer waits with %d buffered, want 4", rx.Len())
		}
		for range 4 {
			v, err := rx.TryRecv()
			if err != nil || v != want {
				t.Fatalf("TryRecv = %d, %v; want %d", v, err, want)
			}
			want++
		}
		if !task.IsWoken() {
			t.Fatal("freeing slots did not wake the waiting send")
		}
	}
	cycle() // warm-up: the ring grows to the capacity
	if n := testing.AllocsPerRun(100, cycle); n != 0 {
		t.Fatalf("a cycle of 4 reused sends (one waiting) allocates %v times", n)
	}
	task.Drop()
	noLeftovers(t, rx)
}

// Reset of a send that waits for a slot panics: the send must be dropped (or
// complete) first. After Drop, the dropped value was not sent, and Reset
// makes a new send that works.
func TestSendFutureResetWhileWaitingPanics(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	defer tx.Close()
	mustSend(t, tx, 0)
	var f mpsc.SendFuture[int]
	f.Reset(tx, 1)
	if _, ok := f.Poll(future.NewContext(future.Noop())); ok {
		t.Fatal("send on a full channel completed")
	}
	mustPanic(t, func() { f.Reset(tx, 2) })
	f.Drop()
	f.Reset(tx, 2)
	if v := mustRecv(t, rx); v != 0 {
		t.Fatalf("got %d, want 0", v)
	}
	if err, ok := f.Poll(future.NewContext(future.Noop())); !ok || err != nil {
		t.Fatalf("reset send = %v, %v; want sent", err, ok)
	}
	if v := mustRecv(t, rx); v != 2 {
		t.Fatalf("got %d, want 2 (the dropped 1 must not be sent)", v)
	}
	noLeftovers(t, rx)
}

// A reset send behaves like a new one: after a completed send it sends
// again, after a closed Receiver it fails with its own value, and polling
// it after completion still panics.
func TestSendFutureResetActsAsNewSend(t *testing.T) {
	tx, rx := mpsc.New[string](2)
	defer tx.Close()
	cx := future.NewContext(future.Noop())
	var f mpsc.SendFuture[string]
	for _, v := range []string{"a", "b"} {
		f.Reset(tx, v)
		if err, ok := f.Poll(cx); !ok || err != nil {
			t.Fatalf("send %q = %v, %v", v, err, ok)
		}
	}
	mustPanic(t, func() { f.Poll(cx) })
	if a, b := mustRecv(t, rx), mustRecv(t, rx); a != "a" || b != "b" {
		t.Fatalf("received %q, %q", a, b)
	}
	// A reset future that is never polled sends nothing.
	f.Reset(tx, "never")
	f.Reset(tx, "c")
	f.Drop()
	if rx.Len() != 0 {
		t.Fatalf("a reset or dropped unpolled send buffered %d values", rx.Len())
	}
	rx.Close()
	f.Reset(tx, "lost")
	err, ok := f.Poll(cx)
	var se *mpsc.SendError[string]
	if !ok || !errors.As(err, &se) || se.Value != "lost" {
		t.Fatalf("reset send after Receiver.Close = %v, %v", err, ok)
	}
	mustPanic(t, func() { f.Reset(nil, "x") })
}

// The zero SendFuture can be dropped (a task that never got to its first
// send drops it) without touching any channel.
func TestZeroSendFutureDrops(t *testing.T) {
	var f mpsc.SendFuture[int]
	f.Drop()
	f.Drop()
}

// Producer tasks on a multi-thread runtime that reuse one SendFuture each
// deliver every value exactly once and in order per producer.
func TestRuntimeStressReusedSendFutures(t *testing.T) {
	producers, items := rtPipelineSize()
	rt := rttest.NewRuntime(t, weft.WithWorkers(4))
	tx, rx := mpsc.New[int](4)
	hs := make([]*task.JoinHandle[error], producers)
	for p := range hs {
		// Producer p sends p*items .. (p+1)*items-1.
		hs[p] = weft.Spawn(rt, &closingProducer{resetProducer{tx: tx.Clone(), next: p * items, end: (p + 1) * items}})
	}
	tx.Close()
	consumer := weft.Spawn(rt, weft.Async(func(a *weft.A) error {
		next := make([]int, producers)
		for p := range next {
			next[p] = p * items
		}
		for {
			r := weft.Await(a, rx.Recv())
			if errors.Is(r.Err, mpsc.ErrClosed) {
				break
			}
			p := r.Value / items
			if r.Value != next[p] {
				return errors.New("lost, duplicated or reordered value")
			}
			next[p]++
		}
		for p, n := range next {
			if n != (p+1)*items {
				return errors.New("values missing at the end")
			}
		}
		return nil
	}))
	for p, err := range rttest.MustSucceed(t, rt, hs) {
		if err != nil {
			t.Fatalf("producer %d: %v", p, err)
		}
	}
	for _, err := range rttest.MustSucceed(t, rt, []*task.JoinHandle[error]{consumer}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	rtCheckStats(t, rx)
}

// closingProducer is a resetProducer that closes its Sender when it ends or
// is dropped.
type closingProducer struct{ resetProducer }

func (p *closingProducer) Poll(cx *future.Context) (error, bool) {
	err, ok := p.resetProducer.Poll(cx)
	if ok {
		p.tx.Close()
	}
	return err, ok
}

func (p *closingProducer) Drop() {
	p.resetProducer.Drop()
	p.tx.Close()
}

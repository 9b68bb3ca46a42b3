package mpmc_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/mocktask"
	"github.com/weftrt/weft/mpmc"
)

type sendTask = mocktask.Task[error]
type recvTask = mocktask.Task[future.Result[int]]

func spawnSend(tx *mpmc.Sender[int], v int) *sendTask { return mocktask.Spawn[error](tx.Send(v)) }
func spawnRecv(rx *mpmc.Receiver[int]) *recvTask {
	return mocktask.Spawn[future.Result[int]](rx.Recv())
}

func mustPending[T any](t *testing.T, task *mocktask.Task[T], what string) {
	t.Helper()
	if v, ok := task.Poll(); ok {
		t.Fatalf("%s: ready with %v, want pending", what, v)
	}
}

// mustSent polls a Send that must complete now with nil.
func mustSent(t *testing.T, task *sendTask, what string) {
	t.Helper()
	err, ok := task.Poll()
	if !ok || err != nil {
		t.Fatalf("%s: Send = %v, %v; want nil, ready", what, err, ok)
	}
}

// mustSendFail polls a Send that must fail now with a SendError holding v.
func mustSendFail(t *testing.T, task *sendTask, v int, what string) {
	t.Helper()
	err, ok := task.Poll()
	var se *mpmc.SendError[int]
	if !ok || !errors.As(err, &se) || se.Value != v || !errors.Is(err, mpmc.ErrClosed) {
		t.Fatalf("%s: Send = %v, %v; want a SendError holding %d", what, err, ok, v)
	}
}

// mustGot polls a Recv that must complete now with v.
func mustGot(t *testing.T, task *recvTask, v int, what string) {
	t.Helper()
	r, ok := task.Poll()
	if !ok || r.Err != nil || r.Value != v {
		t.Fatalf("%s: Recv = %+v, %v; want %d", what, r, ok, v)
	}
}

// mustEnd polls a Recv that must complete now with ErrClosed.
func mustEnd(t *testing.T, task *recvTask, what string) {
	t.Helper()
	r, ok := task.Poll()
	if !ok || !errors.Is(r.Err, mpmc.ErrClosed) {
		t.Fatalf("%s: Recv = %+v, %v; want ErrClosed", what, r, ok)
	}
}

func mustTryRecv(t *testing.T, rx *mpmc.Receiver[int], v int) {
	t.Helper()
	if got, err := rx.TryRecv(); err != nil || got != v {
		t.Fatalf("TryRecv = %d, %v; want %d", got, err, v)
	}
}

func mustTryRecvErr(t *testing.T, rx *mpmc.Receiver[int], want error) {
	t.Helper()
	if got, err := rx.TryRecv(); err != want {
		t.Fatalf("TryRecv = %d, %v; want %v", got, err, want)
	}
}

func mustTrySend(t *testing.T, tx *mpmc.Sender[int], v int, want error) {
	t.Helper()
	if err := tx.TrySend(v); err != want {
		t.Fatalf("TrySend(%d) = %v, want %v", v, err, want)
	}
}

// mustStats compares the channel's accounting with want.
func mustStats(t testing.TB, rx *mpmc.Receiver[int], want mpmc.Stats) {
	t.Helper()
	if got := mpmc.StatsOf(rx); got != want {
		t.Fatalf("stats %+v, want %+v", got, want)
	}
}

// mustPanic runs f and checks that it panics with a message containing
// want and starting with "mpmc: ".
func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		s, _ := r.(string)
		if !strings.HasPrefix(s, "mpmc: ") || !strings.Contains(s, want) {
			t.Fatalf("recover() = %v, want an mpmc panic containing %q", r, want)
		}
	}()
	f()
}

// clean fails t unless nothing waits or is held, and every slot is free or
// buffered.
func clean[T any](t testing.TB, rx *mpmc.Receiver[T]) mpmc.Stats {
	t.Helper()
	s := mpmc.StatsOf(rx)
	if s.Held != 0 || s.Promised != 0 || s.SendWaiters != 0 || s.RecvWaiters != 0 || s.Free+s.Buffered != rx.Cap() {
		t.Fatalf("left behind: %+v (capacity %d)", s, rx.Cap())
	}
	return s
}

// worker is a hand-written task that receives until the channel ends, with
// one RecvFuture kept by value and Reset for each receive, and returns how
// many values it received. record, when set, is called with each value in
// the poll that received it (so that an abort cannot come in between).
type worker struct {
	rx      *mpmc.Receiver[int]
	recv    mpmc.RecvFuture[int]
	waiting bool
	n       int
	record  func(int)
}

func (w *worker) Poll(cx *future.Context) (int, bool) {
	for {
		if !w.waiting {
			w.recv.Reset(w.rx)
			w.waiting = true
		}
		r, ok := w.recv.Poll(cx)
		if !ok {
			return 0, false
		}
		w.waiting = false
		if r.Err != nil {
			return w.n, true
		}
		w.n++
		if w.record != nil {
			w.record(r.Value)
		}
	}
}

func (w *worker) Drop() { w.recv.Drop() }

// asyncWorker is worker as an Async body, with a new Recv future for each
// receive.
func asyncWorker(rx *mpmc.Receiver[int], record func(int)) *weft.AsyncFuture[int] {
	return weft.Async(func(a *weft.A) int {
		n := 0
		for {
			r := weft.Await(a, rx.Recv())
			if errors.Is(r.Err, mpmc.ErrClosed) {
				return n
			}
			n++
			if record != nil {
				record(r.Value)
			}
		}
	})
}

// producer is a hand-written task that sends next, next+step, ... below end
// with one SendFuture kept by value, then closes the channel if closeAfter.
type producer struct {
	tx              *mpmc.Sender[int]
	send            mpmc.SendFuture[int]
	waiting         bool
	next, step, end int
	closeAfter      bool
}

func (p *producer) Poll(cx *future.Context) (error, bool) {
	for p.next < p.end {
		if !p.waiting {
			p.send.Reset(p.tx, p.next)
			p.waiting = true
		}
		err, ok := p.send.Poll(cx)
		if !ok {
			return nil, false
		}
		p.waiting = false
		if err != nil {
			return err, true
		}
		p.next += p.step
	}
	if p.closeAfter {
		p.tx.Close()
	}
	return nil, true
}

func (p *producer) Drop() { p.send.Drop() }

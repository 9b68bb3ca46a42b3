package mpsc_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/gident"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/mpsc"
	"github.com/weftrt/weft/task"
)

// taskCx returns a Context as a scheduler sets it for the task with the
// given ID: its own waker and that ID.
func taskCx(id uint64) *future.Context {
	cx := future.NewContext(future.Noop())
	futurecx.SetWaker(cx, future.NewTaggedWaker(&countingWaker{}, id))
	futurecx.SetTaskID(cx, id)
	return cx
}

type countingWaker struct{ n int }

func (w *countingWaker) Wake(uint64) { w.n++ }

// mustPanicNamingMpmc runs f and checks that it panics with the
// second-receiver message, which names the fix.
func mustPanicNamingMpmc(t *testing.T, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		s, _ := recover().(string)
		if !strings.HasPrefix(s, "mpsc: a second task") || !strings.Contains(s, "mpmc") {
			t.Fatalf("recover() = %q, want the second-receiver panic naming mpmc", s)
		}
	}()
	f()
}

// Two tasks waiting on one Receiver overwrote each other's waker, and the
// first was never woken again: a fan-out of workers on one channel hung
// about one run in six. The second waiter's poll now panics, and the first
// keeps its place.
func TestSecondTaskWaitingOnOneReceiverPanics(t *testing.T) {
	tx, rx := mpsc.New[int](4)
	cx1, cx2 := taskCx(1), taskCx(2)
	if _, ok := rx.Recv().Poll(cx1); ok {
		t.Fatal("Recv on an empty channel is ready")
	}
	mustPanicNamingMpmc(t, func() { rx.Recv().Poll(cx2) })
	// The failing task's harness drops its future: the first waiter's
	// registration must survive that Drop, or it would never be woken.
	rx.Recv().Drop()
	if st := mpsc.StatsOf(rx); st.RxWaker != cx1.Waker() {
		t.Fatal("the failed task's Drop took the first waiter's registration")
	}
	mustPanicNamingMpmc(t, func() { rx.RecvMany(nil, 4).Poll(cx2) })
	rx.RecvMany(nil, 4).Drop()
	if st := mpsc.StatsOf(rx); st.RxWaker != cx1.Waker() {
		t.Fatal("the failed task's Drop took the first waiter's registration")
	}
	mustSend(t, tx, 7)
	if st := mpsc.StatsOf(rx); !st.RxWaker.IsZero() {
		t.Fatal("the send did not take the first waiter's waker")
	}
	if r, ok := rx.Recv().Poll(cx1); !ok || r.Value != 7 {
		t.Fatalf("first waiter: %+v, %v; want 7", r, ok)
	}
	tx.Close()
	mustRecvClosed(t, rx)
}

// The same task polling with a new waker replaces its registration (the
// Future contract), and the waiters of a handover are not mistaken for two:
// a waiter that was woken, or whose future was dropped, no longer waits.
func TestOneWaiterAtATimeIsNotASecondReceiver(t *testing.T) {
	tx, rx := mpsc.New[int](4)
	defer tx.Close()
	cx1 := taskCx(1)
	rx.Recv().Poll(cx1)
	other := future.NewTaggedWaker(&countingWaker{}, 1) // same task, new waker
	cx1b := future.NewContext(other)
	futurecx.SetTaskID(cx1b, 1)
	rx.Recv().Poll(cx1b)
	if st := mpsc.StatsOf(rx); st.RxWaker != other {
		t.Fatal("the task's new waker did not replace its old one")
	}
	// Dropped: task 2 may wait.
	rx.Recv().Drop()
	cx2 := taskCx(2)
	rx.Recv().Poll(cx2)
	// Woken by a send: task 3 may take the value, then wait.
	mustSend(t, tx, 1)
	cx3 := taskCx(3)
	if r, ok := rx.Recv().Poll(cx3); !ok || r.Value != 1 {
		t.Fatalf("task 3: %+v, %v", r, ok)
	}
	if _, ok := rx.Recv().Poll(cx3); ok {
		t.Fatal("empty channel ready")
	}
	rx.Recv().Drop()
}

// The Blocking form: a second goroutine in BlockingRecv while one waits
// there panics the same way.
func TestSecondGoroutineInBlockingRecvPanics(t *testing.T) {
	if !gident.Supported {
		t.Skip("goroutines outside tasks are told apart by goroutine identity (amd64, arm64)")
	}
	tx, rx := mpsc.New[int](4)
	got := make(chan int)
	go func() {
		v, _ := rx.BlockingRecv(context.Background())
		got <- v
	}()
	for mpsc.StatsOf(rx).RxWaker.IsZero() {
		runtime.Gosched() // until the first goroutine waits; it registers by itself
	}
	mustPanicNamingMpmc(t, func() { _, _ = rx.BlockingRecv(context.Background()) })
	mustSend(t, tx, 9)
	if v := <-got; v != 9 {
		t.Fatalf("first goroutine received %d, want 9", v)
	}
	tx.Close()
}

// recvAll receives until the channel ends and counts what it got.
type recvAll struct {
	rx *mpsc.Receiver[int]
	n  int
}

func (f *recvAll) Poll(cx *future.Context) (int, bool) {
	for {
		r, ok := f.rx.Recv().Poll(cx)
		if !ok {
			return 0, false
		}
		if r.Err != nil {
			return f.n, true
		}
		f.n++
	}
}

func (f *recvAll) Drop() { f.rx.Recv().Drop() }

// The program: eight worker tasks receiving from one channel until
// it ends. It hung about one run in six (a waiter whose waker was
// overwritten stayed parked after the close). Now every worker that starts
// waiting while another waits panics, naming mpmc; the one left receives
// the end of the channel. Deterministic: nothing is sent, so all eight
// wait.
func TestWorkersFanningOutOnOneReceiverPanicInsteadOfHanging(t *testing.T) {
	rttest.Flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := rttest.NewRuntime(t, opts...)
		tx, rx := mpsc.New[int](16)
		hs := make([]*task.JoinHandle[int], rtWaiters)
		for i := range hs {
			hs[i] = weft.Spawn(rt, &recvAll{rx: rx})
		}
		finished := func() int {
			n := 0
			for _, h := range hs {
				if h.IsFinished() {
					n++
				}
			}
			return n
		}
		rttest.Until(t, rt, "all but one worker to panic", func() bool { return finished() == rtWaiters-1 })
		tx.Close()
		_, errs := rttest.JoinAll(t, rt, hs)
		panics := 0
		for _, err := range errs {
			var je *task.JoinError
			switch {
			case err == nil:
			case errors.As(err, &je) && je.IsPanic():
				if s, _ := je.PanicValue().(string); !strings.Contains(s, "mpmc") {
					t.Fatalf("worker panicked with %v", je.PanicValue())
				}
				panics++
			default:
				t.Fatalf("worker: %v", err)
			}
		}
		if panics != rtWaiters-1 {
			t.Fatalf("%d workers panicked, want %d (all but the first to wait)", panics, rtWaiters-1)
		}
	})
}

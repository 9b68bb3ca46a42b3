package mpsc_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/mocktask"
	"github.com/weftrt/weft/mpsc"
)

func spawn[T any](f future.Future[T]) *mocktask.Task[T] { return mocktask.Spawn(f) }

func mustPending[T any](t *testing.T, task *mocktask.Task[T]) {
	t.Helper()
	if v, ok := task.Poll(); ok {
		t.Fatalf("expected pending, got ready %v", v)
	}
}

func mustReady[T any](t *testing.T, task *mocktask.Task[T]) T {
	t.Helper()
	v, ok := task.Poll()
	if !ok {
		t.Fatal("expected ready, got pending")
	}
	return v
}

// pollOnce polls f once with a waker nobody watches, dropping it afterwards.
func pollOnce[T any](f future.Future[T]) (T, bool) {
	v, ok := f.Poll(future.NewContext(future.Noop()))
	future.Drop(f)
	return v, ok
}

// mustRecv receives a value that must already be there.
func mustRecv[T any](t *testing.T, rx *mpsc.Receiver[T]) T {
	t.Helper()
	r, ok := pollOnce[future.Result[T]](rx.Recv())
	if !ok {
		t.Fatal("Recv pending, want a value")
	}
	if r.Err != nil {
		t.Fatalf("Recv error %v, want a value", r.Err)
	}
	return r.Value
}

// mustRecvClosed checks that the channel reports its end right now.
func mustRecvClosed[T any](t *testing.T, rx *mpsc.Receiver[T]) {
	t.Helper()
	r, ok := pollOnce[future.Result[T]](rx.Recv())
	if !ok || !errors.Is(r.Err, mpsc.ErrClosed) {
		t.Fatalf("Recv = %+v, %v; want ErrClosed", r, ok)
	}
}

// mustSend sends through the future, which must complete at once.
func mustSend[T any](t *testing.T, tx *mpsc.Sender[T], v T) {
	t.Helper()
	err, ok := pollOnce[error](tx.Send(v))
	if !ok || err != nil {
		t.Fatalf("Send = %v, %v; want nil, ready", err, ok)
	}
}

// mustReserve reserves n slots, which must be free.
func mustReserve[T any](t *testing.T, tx *mpsc.Sender[T], n int) *mpsc.Permit[T] {
	t.Helper()
	r, ok := pollOnce[future.Result[*mpsc.Permit[T]]](tx.ReserveMany(n))
	if !ok || r.Err != nil {
		t.Fatalf("ReserveMany(%d) = %+v, %v", n, r, ok)
	}
	return r.Value
}

// mustPanic runs f and checks that it panics with an "mpsc: " message.
func mustPanic(t *testing.T, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		s, _ := r.(string)
		if !strings.HasPrefix(s, "mpsc: ") {
			t.Fatalf("recover() = %v, want an mpsc panic", r)
		}
	}()
	f()
}

// noLeftovers checks that no reservation, waiter or waker is left.
func noLeftovers[T any](t *testing.T, rx *mpsc.Receiver[T]) {
	t.Helper()
	s := mpsc.StatsOf(rx)
	if s.Held != 0 || s.SendWaiters != 0 || s.ClosedWaiters != 0 || !s.RxWaker.IsZero() {
		t.Fatalf("leftovers: %+v", s)
	}
	if rx.MaxCapacity() > 0 && s.Free+s.Buffered != rx.MaxCapacity() {
		t.Fatalf("slots lost: %+v, capacity %d", s, rx.MaxCapacity())
	}
}

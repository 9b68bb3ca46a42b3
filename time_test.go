package weft_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/mocktask"
	"github.com/weftrt/weft/internal/timer"
)

// Timer futures find their driver through the executor in the Context. These
// tests use a fake executor that only provides a driver on a paused clock, so
// no runtime is needed and no test waits for real time.
//
// Root tests rely on the goleak TestMain in main_test.go (owned by the
// sync-primitives work); these tests start no goroutines that outlive them.

type fakeExec struct{ d *timer.Driver }

func (f *fakeExec) TimerDriver() *timer.Driver { return f.d }

// env is a paused clock, its driver and the fake executor.
type env struct {
	t    testing.TB
	d    *timer.Driver
	exec *fakeExec
}

func newEnv(t testing.TB) *env {
	d := timer.NewDriver(timer.NewPausedClock())
	return &env{t: t, d: d, exec: &fakeExec{d}}
}

// now is the paused clock's time.
func (e *env) now() time.Time { return e.d.Clock().Time(e.d.Now()) }

// advance moves the clock and fires what became due (tokio time::advance).
func (e *env) advance(d time.Duration) { e.d.Advance(d) }

// spawn wraps f in a mock task whose Context carries the fake executor.
func spawn[T any](e *env, f future.Future[T]) *mocktask.Task[T] {
	tk := mocktask.Spawn(f)
	tk.SetExecutor(e.exec)
	return tk
}

// block runs f to completion on the paused clock, jumping the clock to the
// next timer whenever f is pending and not woken (what a paused runtime does
// when all its tasks are idle). It fails the test on a deadlock.
func block[T any](e *env, f future.Future[T]) T {
	e.t.Helper()
	tk := spawn(e, f)
	for {
		if v, ok := tk.Poll(); ok {
			return v
		}
		for !tk.IsWoken() {
			if !e.d.AutoAdvance() {
				e.t.Fatal("deadlock: future pending with no timer left")
			}
		}
	}
}

// sleep blocks for d on the paused clock.
func (e *env) sleep(d time.Duration) {
	e.t.Helper()
	block[struct{}](e, weft.Sleep(d))
}

// assertElapsed checks that the clock moved by dur, or by at most one
// millisecond more (tokio_test's assert_elapsed).
func (e *env) assertElapsed(start time.Time, dur time.Duration) {
	e.t.Helper()
	got := e.now().Sub(start)
	if got < dur || got > dur+time.Millisecond {
		e.t.Fatalf("elapsed %v, want %v (+1ms)", got, dur)
	}
}

func (e *env) assertLen(n int) {
	e.t.Helper()
	if got := e.d.Len(); got != n {
		e.t.Fatalf("driver holds %d timers, want %d", got, n)
	}
}

func ms(n int64) time.Duration { return time.Duration(n) * time.Millisecond }

// manual polls futures by hand with one Context whose wakes it counts, for
// tests that poll a long-lived object (an interval) through many futures.
type manual struct {
	cx *future.Context
	n  *wakeCounter
}

type wakeCounter struct{ n atomic.Int64 }

func (w *wakeCounter) Wake(uint64) { w.n.Add(1) }

func (e *env) manual() *manual {
	w := &wakeCounter{}
	cx := future.NewContext(future.NewWaker(w))
	futurecx.SetExecutor(cx, e.exec)
	return &manual{cx: cx, n: w}
}

func (m *manual) wakes() int64 { return m.n.n.Load() }

// timeGate is a future that completes with 42 once opened (a oneshot stand-in);
// it counts its drops.
type timeGate struct {
	open  bool
	w     future.Waker
	drops int
}

func (g *timeGate) Poll(cx *future.Context) (int, bool) {
	if g.open {
		return 42, true
	}
	g.w = cx.Waker()
	return 0, false
}

func (g *timeGate) send() {
	g.open = true
	g.w.Wake()
}

func (g *timeGate) Drop() { g.drops++ }

func mustPanicWith(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want %q", want)
		}
		if s, _ := r.(string); s != want {
			t.Fatalf("panic %v, want %q", r, want)
		}
	}()
	f()
}

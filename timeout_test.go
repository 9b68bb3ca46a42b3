package weft_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
)

// The tests below port tokio/tests/time_timeout.rs; each names the Tokio
// test it mirrors.

func assertOK[T comparable](t *testing.T, r future.Result[T], ok bool, want T) {
	t.Helper()
	if !ok {
		t.Fatal("timeout pending, want its value")
	}
	if r.Err != nil || r.Value != want {
		t.Fatalf("result %v, %v; want %v", r.Value, r.Err, want)
	}
}

func assertElapsedErr[T any](t *testing.T, r future.Result[T], ok bool) {
	t.Helper()
	if !ok {
		t.Fatal("timeout pending, want ErrElapsed")
	}
	if !errors.Is(r.Err, weft.ErrElapsed) {
		t.Fatalf("error %v, want ErrElapsed", r.Err)
	}
}

// Reference: time_timeout.rs simultaneous_deadline_future_completion.
func TestTimeoutReadyFutureWinsOverSimultaneousDeadline(t *testing.T) {
	e := newEnv(t)
	tk := spawn(e, weft.TimeoutAt(e.now(), future.Ready(7)))
	r, ok := tk.Poll()
	assertOK(t, r, ok, 7)
}

// Reference: time_timeout.rs completed_future_past_deadline.
func TestTimeoutReadyFutureWinsOverPastDeadline(t *testing.T) {
	e := newEnv(t)
	tk := spawn(e, weft.TimeoutAt(e.now().Add(-time.Second), future.Ready(7)))
	r, ok := tk.Poll()
	assertOK(t, r, ok, 7)
}

// Reference: time_timeout.rs future_and_deadline_in_future.
func TestTimeoutAtFutureCompletesBeforeDeadline(t *testing.T) {
	e := newEnv(t)
	g := &timeGate{}
	tk := spawn(e, weft.TimeoutAt(e.now().Add(ms(100)), g))
	if _, ok := tk.Poll(); ok {
		t.Fatal("ready at once")
	}
	e.advance(ms(90))
	if _, ok := tk.Poll(); ok {
		t.Fatal("ready before either side")
	}
	g.send()
	if !tk.IsWoken() {
		t.Fatal("inner completion did not wake the task")
	}
	r, ok := tk.Poll()
	assertOK(t, r, ok, 42)
	e.assertLen(0)
}

// Reference: time_timeout.rs future_and_timeout_in_future.
func TestTimeoutFutureCompletesBeforeDuration(t *testing.T) {
	e := newEnv(t)
	g := &timeGate{}
	tk := spawn(e, weft.Timeout(ms(100), g))
	tk.Poll()
	e.advance(ms(90))
	if _, ok := tk.Poll(); ok {
		t.Fatal("ready early")
	}
	g.send()
	r, ok := tk.Poll()
	assertOK(t, r, ok, 42)
	if g.drops != 1 {
		t.Fatalf("inner future dropped %d times after completing, want 1", g.drops)
	}
	e.assertLen(0)
}

// Reference: time_timeout.rs very_large_timeout.
func TestTimeoutOfMaxDuration(t *testing.T) {
	e := newEnv(t)
	g := &timeGate{}
	tk := spawn(e, weft.Timeout(time.Duration(math.MaxInt64), g))
	tk.Poll()
	e.advance(10 * 365 * 24 * time.Hour)
	if _, ok := tk.Poll(); ok {
		t.Fatal("max timeout elapsed after ten years")
	}
	g.send()
	r, ok := tk.Poll()
	assertOK(t, r, ok, 42)
	e.assertLen(0)
}

// Reference: time_timeout.rs deadline_now_elapses. (weft needs no extra
// millisecond: a deadline of now is past at the first poll.)
func TestTimeoutAtNowElapses(t *testing.T) {
	e := newEnv(t)
	tk := spawn(e, weft.TimeoutAt(e.now(), future.Pending[int]()))
	r, ok := tk.Poll()
	assertElapsedErr(t, r, ok)
	e.assertLen(0)
}

// Reference: time_timeout.rs deadline_future_elapses.
func TestTimeoutAtFutureDeadlineElapses(t *testing.T) {
	e := newEnv(t)
	tk := spawn(e, weft.TimeoutAt(e.now().Add(ms(300)), future.Pending[int]()))
	if _, ok := tk.Poll(); ok {
		t.Fatal("ready at once")
	}
	e.advance(ms(299))
	if tk.IsWoken() {
		t.Fatal("woken before the deadline")
	}
	e.advance(ms(2))
	if !tk.IsWoken() {
		t.Fatal("deadline did not wake the task")
	}
	r, ok := tk.Poll()
	assertElapsedErr(t, r, ok)
}

// budgetHog spends the whole budget on every poll and wakes itself, like
// Tokio's read loop on io::empty().
type budgetHog struct{}

func (budgetHog) Poll(cx *future.Context) (int, bool) {
	for cx.ConsumeBudget() {
	}
	return 0, false
}

// Reference: time_timeout.rs timeout_is_not_exhausted_by_future.
func TestTimeoutIsNotExhaustedByItsFuture(t *testing.T) {
	e := newEnv(t)
	tk := spawn[future.Result[int]](e, weft.Timeout(ms(1), budgetHog{}))
	cx := tk.Context()
	for i := 0; ; i++ {
		futurecx.SetBudget(cx, future.DefaultBudget)
		if r, ok := tk.Poll(); ok {
			assertElapsedErr(t, r, ok)
			break
		}
		if i > 5 {
			t.Fatal("the timeout never elapsed")
		}
		e.advance(ms(1))
	}
	e.assertLen(0)
}

// When the deadline wins, the inner future is dropped at once, exactly once,
// and the timer is gone.
func TestTimeoutDropsTheInnerFutureWhenTheDeadlineWins(t *testing.T) {
	e := newEnv(t)
	g := &timeGate{}
	tk := spawn(e, weft.Timeout(ms(50), g))
	tk.Poll()
	e.advance(ms(50))
	r, ok := tk.Poll()
	assertElapsedErr(t, r, ok)
	if g.drops != 1 {
		t.Fatalf("inner future dropped %d times, want 1", g.drops)
	}
	e.assertLen(0)
}

// The inner future is polled first: when it is ready in the same poll the
// deadline passes, its value wins.
func TestTimeoutPollsTheInnerFutureFirst(t *testing.T) {
	e := newEnv(t)
	g := &timeGate{}
	tk := spawn(e, weft.Timeout(ms(50), g))
	tk.Poll()
	e.advance(ms(60))
	g.open = true
	r, ok := tk.Poll()
	assertOK(t, r, ok, 42)
	e.assertLen(0)
}

// An aborted task drops its timeout: both the inner future and the timer are
// released.
func TestTimeoutDroppedWhilePendingReleasesBoth(t *testing.T) {
	e := newEnv(t)
	g := &timeGate{}
	tk := spawn(e, weft.Timeout(time.Hour, g))
	tk.Poll()
	e.assertLen(1)
	tk.Drop()
	if g.drops != 1 {
		t.Fatalf("inner future dropped %d times, want 1", g.drops)
	}
	e.assertLen(0)
}

func TestTimeoutPolledAfterCompletionPanics(t *testing.T) {
	e := newEnv(t)
	to := weft.Timeout(time.Second, future.Ready(1))
	m := e.manual()
	to.Poll(m.cx)
	mustPanicWith(t, "weft: Timeout polled after completion", func() { to.Poll(m.cx) })
	mustPanicWith(t, "weft: Timeout of a nil future", func() { weft.Timeout[int](time.Second, nil) }) //weftvet:ignore panics before it returns a future
}

func TestTimeoutPollDoesNotAllocate(t *testing.T) {
	e := newEnv(t)
	to := weft.Timeout(time.Hour, future.Pending[int]())
	m := e.manual()
	to.Poll(m.cx)
	if n := testing.AllocsPerRun(1000, func() { to.Poll(m.cx) }); n != 0 {
		t.Fatalf("pending poll allocates %v times", n)
	}
	to.Drop()
	e.assertLen(0)
}

func TestTimeoutStringAndDeadline(t *testing.T) {
	e := newEnv(t)
	to := weft.Timeout(2*time.Second, future.Pending[int]())
	if _, ok := to.Deadline(); ok {
		t.Fatal("deadline known before the first poll")
	}
	spawn(e, to).Poll()
	if got := to.String(); got != "Timeout(2s left)" {
		t.Fatalf("String %q", got)
	}
	if d, ok := to.Deadline(); !ok || d.Sub(e.now()) != 2*time.Second {
		t.Fatalf("Deadline %v %v", d, ok)
	}
	to.Drop()
	if got := to.String(); got != "Timeout(done)" {
		t.Fatalf("String after Drop %q", got)
	}
}

// A TimeoutFuture kept by value and Reset limits one operation after another
// without allocating, whether the inner future wins or the deadline does.
func TestTimeoutResetReusesTheFutureWithoutAllocating(t *testing.T) {
	e := newEnv(t)
	m := e.manual()
	var tf weft.TimeoutFuture[int]
	open, closed := &timeGate{open: true}, &timeGate{}
	cycle := func() {
		tf.Reset(ms(10), open)
		r, ok := tf.Poll(m.cx)
		assertOK(t, r, ok, 42)
		tf.Reset(ms(10), closed)
		if _, ok := tf.Poll(m.cx); ok {
			t.Fatal("timeout of a closed gate ready at once")
		}
		if !e.d.AutoAdvance() {
			t.Fatal("no timer registered")
		}
		r, ok = tf.Poll(m.cx)
		assertElapsedErr(t, r, ok)
	}
	cycle()
	if a := testing.AllocsPerRun(100, cycle); a != 0 {
		t.Fatalf("a reset timeout allocates %v times per cycle", a)
	}
	if open.drops != 102 || closed.drops != 102 {
		t.Fatalf("inner futures dropped %d and %d times, want 102 each", open.drops, closed.drops)
	}
	e.assertLen(0)
}

// Reset of a pending timeout drops it (inner future and timer) first, and
// the new timeout counts its duration from its own first poll.
func TestTimeoutResetDropsAPendingTimeout(t *testing.T) {
	e := newEnv(t)
	m := e.manual()
	first, second := &timeGate{}, &timeGate{}
	var tf weft.TimeoutFuture[int]
	tf.Reset(ms(100), first)
	if _, ok := tf.Poll(m.cx); ok {
		t.Fatal("ready at once")
	}
	e.assertLen(1)
	e.advance(ms(50))
	tf.Reset(ms(100), second)
	if first.drops != 1 {
		t.Fatalf("the pending inner future was dropped %d times, want 1", first.drops)
	}
	e.assertLen(0)
	start := e.now()
	r := block[future.Result[int]](e, &tf)
	if !errors.Is(r.Err, weft.ErrElapsed) {
		t.Fatalf("reset timeout = %v, want ErrElapsed", r.Err)
	}
	e.assertElapsed(start, ms(100))
	if second.drops != 1 {
		t.Fatalf("the elapsed inner future was dropped %d times, want 1", second.drops)
	}
	e.assertLen(0)
}

func TestTimeoutResetOfNilFuturePanics(t *testing.T) {
	var tf weft.TimeoutFuture[int]
	mustPanicWith(t, "weft: TimeoutFuture.Reset with a nil future", func() { tf.Reset(ms(1), nil) })
}

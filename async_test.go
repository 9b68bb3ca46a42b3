package weft_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/mocktask"
	"github.com/weftrt/weft/task"
)

// asyncGate is a leaf future for the Async tests: pending until Open, then
// ready with its value. It keeps the waker of its last pending poll and
// counts its polls and drops.
type asyncGate struct {
	mu     sync.Mutex
	open   bool
	val    int
	waker  future.Waker
	polls  int
	drops  atomic.Int32
	onWait func(*asyncGate) // called (outside mu) on the first pending poll
	waited bool
}

func newAsyncGate(val int) *asyncGate { return &asyncGate{val: val} }

func (g *asyncGate) Poll(cx *future.Context) (int, bool) {
	g.mu.Lock()
	g.polls++
	if g.open {
		g.mu.Unlock()
		return g.val, true
	}
	g.waker = cx.Waker()
	first := !g.waited
	g.waited = true
	g.mu.Unlock()
	if first && g.onWait != nil {
		g.onWait(g)
	}
	return 0, false
}

func (g *asyncGate) Open() {
	g.mu.Lock()
	g.open = true
	w := g.waker
	g.mu.Unlock()
	w.Wake()
}

func (g *asyncGate) Drop() { g.drops.Add(1) }

// asyncCountWaker counts its wakes.
type asyncCountWaker struct{ n atomic.Int32 }

func (w *asyncCountWaker) Wake(uint64) { w.n.Add(1) }

// asyncMustPanic runs fn and returns the value it panicked with, failing the
// test when it did not panic.
func asyncMustPanic(t *testing.T, fn func()) (r any) {
	t.Helper()
	defer func() {
		r = recover()
		if r == nil {
			t.Fatalf("no panic")
		}
	}()
	fn()
	return nil
}

// asyncPanicText returns the string of a panic value.
func asyncPanicText(r any) string {
	if err, ok := r.(error); ok {
		return err.Error()
	}
	return fmt.Sprint(r)
}

func TestAsyncReadyFuturesCompleteInOnePollWithoutWake(t *testing.T) {
	f := weft.Async(func(a *weft.A) int {
		x := weft.Await(a, future.Ready(1))
		y := weft.Await(a, future.Map(future.Ready(2), func(v int) int { return v * 10 }))
		return x + y
	})
	mt := mocktask.Spawn[int](f)
	v, ok := mt.Poll()
	if !ok || v != 21 {
		t.Fatalf("Poll = %d, %v; want 21, true", v, ok)
	}
	if mt.WakeCount() != 0 {
		t.Fatalf("woken %d times; want 0", mt.WakeCount())
	}
}

func TestAsyncBodyDoesNotRunBeforeFirstPoll(t *testing.T) {
	ran := false
	f := weft.Async(func(a *weft.A) int { ran = true; return 0 })
	if ran {
		t.Fatal("body ran in Async")
	}
	f.Drop()
	if ran {
		t.Fatal("body ran in Drop of a never-polled future")
	}
	r := asyncMustPanic(t, func() { f.Poll(future.NewContext(future.Noop())) })
	if !strings.Contains(asyncPanicText(r), "weft: AsyncFuture polled after Drop") {
		t.Fatalf("panic %q", r)
	}
}

func TestAsyncSuspendsAtEachPendingAwaitAndResumesWhereItStopped(t *testing.T) {
	gates := []*asyncGate{newAsyncGate(1), newAsyncGate(2), newAsyncGate(3)}
	var steps []string
	f := weft.Async(func(a *weft.A) int {
		sum := 0
		for i, g := range gates {
			steps = append(steps, fmt.Sprintf("await %d", i))
			sum += weft.Await(a, g)
			steps = append(steps, fmt.Sprintf("got %d", i))
		}
		return sum
	})
	mt := mocktask.Spawn[int](f)
	for i, g := range gates {
		if _, ok := mt.Poll(); ok {
			t.Fatalf("ready before gate %d opened", i)
		}
		want := fmt.Sprintf("await %d", i)
		if last := steps[len(steps)-1]; last != want {
			t.Fatalf("after poll %d the body is at %q; want %q", i, last, want)
		}
		if mt.IsWoken() {
			t.Fatalf("woken before gate %d opened", i)
		}
		g.Open()
		if !mt.IsWoken() {
			t.Fatalf("opening gate %d did not wake the task", i)
		}
	}
	v, ok := mt.Poll()
	if !ok || v != 6 {
		t.Fatalf("final Poll = %d, %v; want 6, true", v, ok)
	}
	want := []string{"await 0", "got 0", "await 1", "got 1", "await 2", "got 2"}
	if !reflect.DeepEqual(steps, want) {
		t.Fatalf("steps %q; want %q", steps, want)
	}
	for i, g := range gates {
		if g.polls != 2 || g.drops.Load() != 1 {
			t.Fatalf("gate %d polled %d times, dropped %d times; want 2 and 1", i, g.polls, g.drops.Load())
		}
	}
	r := asyncMustPanic(t, func() { f.Poll(future.NewContext(future.Noop())) })
	if !strings.Contains(asyncPanicText(r), "after completion") {
		t.Fatalf("poll after completion panicked with %q", r)
	}
}

func TestAsyncAwaitRegistersTheWakerOfTheCurrentPoll(t *testing.T) {
	g := newAsyncGate(5)
	f := weft.Async(func(a *weft.A) int { return weft.Await(a, g) })
	w1, w2 := &asyncCountWaker{}, &asyncCountWaker{}
	if _, ok := f.Poll(future.NewContext(future.NewWaker(w1))); ok {
		t.Fatal("ready early")
	}
	// A spurious poll from a different waker (the future moved to another
	// task): the gate must now hold w2.
	if _, ok := f.Poll(future.NewContext(future.NewWaker(w2))); ok {
		t.Fatal("ready early")
	}
	g.Open()
	if w1.n.Load() != 0 || w2.n.Load() != 1 {
		t.Fatalf("wakes: first waker %d, second %d; want 0 and 1", w1.n.Load(), w2.n.Load())
	}
	if v, ok := f.Poll(future.NewContext(future.NewWaker(w2))); !ok || v != 5 {
		t.Fatalf("Poll = %d, %v", v, ok)
	}
}

func TestAsyncDropWhileSuspendedRunsDefersOnceAndLeaksNoGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t)
	g := newAsyncGate(1)
	var order []string
	after := false
	f := weft.Async(func(a *weft.A) int {
		defer func() { order = append(order, "outer defer") }()
		defer func() { order = append(order, "inner defer") }()
		weft.Await(a, g)
		after = true
		return 1
	})
	mt := mocktask.Spawn[int](f)
	if _, ok := mt.Poll(); ok {
		t.Fatal("ready early")
	}
	if len(order) != 0 {
		t.Fatalf("defers ran before Drop: %q", order)
	}
	mt.Drop()
	if want := []string{"inner defer", "outer defer"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("defers %q; want %q", order, want)
	}
	if after {
		t.Fatal("code after the Await ran")
	}
	if g.drops.Load() != 1 {
		t.Fatalf("awaited future dropped %d times; want 1", g.drops.Load())
	}
	f.Drop() // a second Drop does nothing
	if len(order) != 2 || g.drops.Load() != 1 {
		t.Fatalf("second Drop ran something: %q, gate drops %d", order, g.drops.Load())
	}
	r := asyncMustPanic(t, func() { f.Poll(future.NewContext(future.Noop())) })
	if !strings.Contains(asyncPanicText(r), "after Drop") {
		t.Fatalf("poll after drop panicked with %q", r)
	}
}

func TestAsyncDropAfterCompletionRunsNothing(t *testing.T) {
	defers := 0
	f := weft.Async(func(a *weft.A) int { defer func() { defers++ }(); return 3 })
	if v, ok := f.Poll(future.NewContext(future.Noop())); !ok || v != 3 {
		t.Fatalf("Poll = %d, %v", v, ok)
	}
	f.Drop()
	if defers != 1 {
		t.Fatalf("defers ran %d times; want 1", defers)
	}
}

func TestAsyncPanicPropagatesFromPollWithItsValue(t *testing.T) {
	defer goleak.VerifyNone(t)
	boom := errors.New("boom")
	g := newAsyncGate(1)
	deferred := false
	f := weft.Async(func(a *weft.A) int {
		defer func() { deferred = true }()
		weft.Await(a, g)
		panic(boom)
	})
	cx := future.NewContext(future.Noop())
	if _, ok := f.Poll(cx); ok {
		t.Fatal("ready early")
	}
	g.Open()
	r := asyncMustPanic(t, func() { f.Poll(cx) })
	if r != any(boom) {
		t.Fatalf("panic value %v; want %v", r, boom)
	}
	if !deferred {
		t.Fatal("the body's defer did not run")
	}
	r = asyncMustPanic(t, func() { f.Poll(cx) })
	if !strings.Contains(asyncPanicText(r), "after its body panicked") {
		t.Fatalf("poll after panic panicked with %q", r)
	}
	f.Drop() // the harness drops a future whose poll panicked: must not panic
}

// asyncHarnessSched is a one-goroutine Scheduler for running Async futures
// as real tasks through package task's harness.
type asyncHarnessSched struct {
	owned *task.OwnedTasks
	q     []task.Notified
}

func (s *asyncHarnessSched) Schedule(n task.Notified)       { s.q = append(s.q, n) }
func (s *asyncHarnessSched) Yield(n task.Notified)          { s.q = append(s.q, n) }
func (s *asyncHarnessSched) Release(t task.Task) bool       { return s.owned.Remove(t) }
func (s *asyncHarnessSched) Hooks() *task.Hooks             { return nil }
func (s *asyncHarnessSched) UnhandledPanic(*task.JoinError) {}

func (s *asyncHarnessSched) runAll() {
	cx := future.NewContext(future.Noop())
	for len(s.q) > 0 {
		n := s.q[0]
		s.q = s.q[1:]
		futurecx.SetBudget(cx, future.DefaultBudget)
		s.owned.AssertOwner(n).Run(cx)
	}
}

func asyncSpawn[T any](s *asyncHarnessSched, f *weft.AsyncFuture[T]) *task.JoinHandle[T] {
	jh, n, ok := task.Bind[*weft.AsyncFuture[T], T](s.owned, f, s, task.Options{})
	if !ok {
		panic("bind failed")
	}
	s.Schedule(n)
	return jh
}

func asyncJoinNow[T any](t *testing.T, jh *task.JoinHandle[T]) (T, error) {
	t.Helper()
	r, ok := jh.Poll(future.NewContext(future.Noop()))
	if !ok {
		t.Fatal("task has not finished")
	}
	return r.Get()
}

//go:noinline
func asyncPanickingHelper() { panic("kaboom") }

func TestAsyncPanicInTaskBecomesJoinErrorWithValueAndStack(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := &asyncHarnessSched{owned: task.NewOwnedTasks(1)}
	g := newAsyncGate(1)
	jh := asyncSpawn(s, weft.Async(func(a *weft.A) int {
		weft.Await(a, g)
		asyncPanickingHelper()
		return 0
	}))
	s.runAll()
	g.Open()
	s.runAll()
	_, err := asyncJoinNow(t, jh)
	var je *task.JoinError
	if !errors.As(err, &je) || !je.IsPanic() {
		t.Fatalf("err = %v; want a panic JoinError", err)
	}
	if je.PanicValue() != "kaboom" {
		t.Fatalf("panic value %v; want kaboom", je.PanicValue())
	}
	// The stack is the body's, taken where it panicked (on the coroutine),
	// not the polling goroutine's.
	if !strings.Contains(string(je.Stack()), "asyncPanickingHelper") {
		t.Fatalf("stack does not show the body's panicking function:\n%s", je.Stack())
	}
}

func TestAsyncAbortedTaskUnwindsItsBody(t *testing.T) {
	defer goleak.VerifyNone(t)
	s := &asyncHarnessSched{owned: task.NewOwnedTasks(1)}
	g := newAsyncGate(1)
	cleaned := 0
	jh := asyncSpawn(s, weft.Async(func(a *weft.A) int {
		defer func() { cleaned++ }()
		return weft.Await(a, g)
	}))
	s.runAll()
	jh.Abort()
	s.runAll()
	_, err := asyncJoinNow(t, jh)
	if !errors.Is(err, task.ErrCancelled) {
		t.Fatalf("err = %v; want cancelled", err)
	}
	if cleaned != 1 || g.drops.Load() != 1 {
		t.Fatalf("defer ran %d times, gate dropped %d times; want 1 and 1", cleaned, g.drops.Load())
	}
}

func TestAsyncNestedAsyncSuspendsAndUnwindsInnerFirst(t *testing.T) {
	defer goleak.VerifyNone(t)
	g1, g2 := newAsyncGate(10), newAsyncGate(20)
	var order []string
	inner := func(g *asyncGate, name string) *weft.AsyncFuture[int] {
		return weft.Async(func(b *weft.A) int {
			defer func() { order = append(order, name) }()
			return weft.Await(b, g) + 1
		})
	}
	f := weft.Async(func(a *weft.A) int {
		defer func() { order = append(order, "outer") }()
		x := weft.Await(a, inner(g1, "inner1"))
		y := weft.Await(a, inner(g2, "inner2"))
		return x + y
	})
	mt := mocktask.Spawn[int](f)
	if _, ok := mt.Poll(); ok {
		t.Fatal("ready early")
	}
	g1.Open()
	if !mt.IsWoken() {
		t.Fatal("inner wake did not reach the outer task")
	}
	if _, ok := mt.Poll(); ok {
		t.Fatal("ready before the second gate")
	}
	if want := []string{"inner1"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("order %q; want %q", order, want)
	}
	mt.Drop()
	if want := []string{"inner1", "inner2", "outer"}; !reflect.DeepEqual(order, want) {
		t.Fatalf("order %q; want %q", order, want)
	}
	if g2.drops.Load() != 1 {
		t.Fatalf("inner awaited future dropped %d times", g2.drops.Load())
	}
}

func TestAsyncLoserOfSelect2UnwindsWhenTheOtherSideWins(t *testing.T) {
	defer goleak.VerifyNone(t)
	g := newAsyncGate(1)
	unwound := false
	loser := weft.Async(func(a *weft.A) int {
		defer func() { unwound = true }()
		return weft.Await(a, g)
	})
	other := newAsyncGate(7)
	sel := future.Select2[int, int](loser, other)
	mt := mocktask.Spawn[future.Either[int, int]](sel)
	if _, ok := mt.Poll(); ok {
		t.Fatal("ready early")
	}
	if unwound {
		t.Fatal("loser unwound before the select finished")
	}
	other.Open()
	e, ok := mt.Poll()
	if !ok || e.Which != 1 || e.B != 7 {
		t.Fatalf("select = %+v, %v", e, ok)
	}
	if !unwound || g.drops.Load() != 1 {
		t.Fatalf("loser unwound %v, its awaited future dropped %d times", unwound, g.drops.Load())
	}
}

func TestAsyncWinsSelect2AndIsMappable(t *testing.T) {
	f := future.Map(weft.Async(func(a *weft.A) int { return weft.Await(a, future.Ready(4)) }),
		func(v int) string { return fmt.Sprint("got ", v) })
	sel := future.Select2[string, struct{}](f, future.Pending[struct{}]())
	e, ok := mocktask.Spawn[future.Either[string, struct{}]](sel).Poll()
	if !ok || e.Which != 0 || e.A != "got 4" {
		t.Fatalf("select = %+v, %v", e, ok)
	}
}

func TestAsyncAwaitMisusePanicsWithClearMessages(t *testing.T) {
	defer goleak.VerifyNone(t)
	cx := future.NewContext(future.Noop())
	t.Run("nil A", func(t *testing.T) {
		r := asyncMustPanic(t, func() { weft.Await[int](nil, future.Ready(1)) })
		if !strings.HasPrefix(asyncPanicText(r), "weft: Await with a nil *A") {
			t.Fatalf("panic %q", r)
		}
	})
	t.Run("nil future", func(t *testing.T) {
		var r any
		f := weft.Async(func(a *weft.A) int {
			defer func() { r = recover() }()
			return weft.Await[int](a, nil)
		})
		f.Poll(cx)
		f.Drop()
		if !strings.HasPrefix(asyncPanicText(r), "weft: Await of a nil future") {
			t.Fatalf("panic %q", r)
		}
	})
	t.Run("after the body returned", func(t *testing.T) {
		var kept *weft.A
		f := weft.Async(func(a *weft.A) int { kept = a; return 0 })
		f.Poll(cx)
		f.Drop()
		r := asyncMustPanic(t, func() { weft.Await(kept, future.Ready(1)) })
		if !strings.HasPrefix(asyncPanicText(r), "weft: Await outside its Async body") {
			t.Fatalf("panic %q", r)
		}
	})
	t.Run("while suspended, from outside", func(t *testing.T) {
		var kept *weft.A
		g := newAsyncGate(1)
		f := weft.Async(func(a *weft.A) int { kept = a; return weft.Await(a, g) })
		f.Poll(cx)
		r := asyncMustPanic(t, func() { weft.Await(kept, future.Ready(1)) })
		if !strings.HasPrefix(asyncPanicText(r), "weft: Await outside its Async body") {
			t.Fatalf("panic %q", r)
		}
		f.Drop()
	})
	t.Run("outer A in a nested body", func(t *testing.T) {
		var r any
		f := weft.Async(func(a *weft.A) int {
			return weft.Await(a, weft.Async(func(b *weft.A) int {
				defer func() { r = recover() }()
				return weft.Await(a, future.Ready(1))
			}))
		})
		f.Poll(cx)
		f.Drop()
		if !strings.HasPrefix(asyncPanicText(r), "weft: Await with an A that is awaiting") {
			t.Fatalf("panic %q", r)
		}
	})
	t.Run("inside a future's Poll", func(t *testing.T) {
		var r any
		f := weft.Async(func(a *weft.A) int {
			return weft.Await(a, future.PollFunc(func(*future.Context) (int, bool) {
				defer func() { r = recover() }()
				return weft.Await(a, future.Ready(1)), true
			}))
		})
		f.Poll(cx)
		f.Drop()
		if !strings.HasPrefix(asyncPanicText(r), "weft: Await with an A that is awaiting") {
			t.Fatalf("panic %q", r)
		}
	})
	t.Run("own future polled from its body", func(t *testing.T) {
		var r any
		var self *weft.AsyncFuture[int]
		self = weft.Async(func(a *weft.A) int {
			defer func() { r = recover() }()
			return weft.Await[int](a, self)
		})
		self.Poll(cx)
		self.Drop()
		if !strings.Contains(asyncPanicText(r), "polled from inside its own body") {
			t.Fatalf("panic %q", r)
		}
	})
	t.Run("nil body", func(t *testing.T) {
		r := asyncMustPanic(t, func() { weft.Async[int](nil) }) //weftvet:ignore panics before it returns a future
		if !strings.HasPrefix(asyncPanicText(r), "weft: Async of a nil function") {
			t.Fatalf("panic %q", r)
		}
	})
}

func TestAsyncBodyThatRecoversCancellationCannotAwaitAgain(t *testing.T) {
	defer goleak.VerifyNone(t)
	g := newAsyncGate(1)
	var later []*asyncGate
	attempts, panics := 0, 0
	f := weft.Async(func(a *weft.A) int {
		for attempts < 3 {
			func() {
				defer func() {
					if recover() != nil {
						panics++
					}
				}()
				attempts++
				if attempts == 1 {
					weft.Await(a, g)
					return
				}
				ng := newAsyncGate(1)
				later = append(later, ng)
				weft.Await(a, ng) // must panic at once, not suspend
			}()
		}
		return 9
	})
	cx := future.NewContext(future.Noop())
	if _, ok := f.Poll(cx); ok {
		t.Fatal("ready early")
	}
	f.Drop() // would hang if a recovered body could suspend again
	if attempts != 3 || panics != 3 {
		t.Fatalf("attempts %d, panics %d; want 3 and 3", attempts, panics)
	}
	for i, ng := range later {
		if ng.polls != 0 || ng.drops.Load() != 1 {
			t.Fatalf("future awaited after cancellation %d: polled %d, dropped %d; want 0 and 1", i, ng.polls, ng.drops.Load())
		}
	}
}

func TestAsyncPanicWhileUnwindingPropagatesOutOfDrop(t *testing.T) {
	defer goleak.VerifyNone(t)
	g := newAsyncGate(1)
	f := weft.Async(func(a *weft.A) int {
		defer panic("cleanup failed")
		return weft.Await(a, g)
	})
	f.Poll(future.NewContext(future.Noop()))
	r := asyncMustPanic(t, f.Drop)
	if r != "cleanup failed" {
		t.Fatalf("Drop panicked with %v", r)
	}
	f.Drop()
}

func TestAsyncPanicInAwaitedPollDropsItAndLetsDefersAwait(t *testing.T) {
	defer goleak.VerifyNone(t)
	drops := 0
	bad := &asyncDropCounter{Future: future.PollFunc(func(*future.Context) (int, bool) { panic("leaf broke") }), drops: &drops}
	deferAwaited := 0
	f := weft.Async(func(a *weft.A) int {
		defer func() { deferAwaited = weft.Await(a, future.Ready(5)) }()
		return weft.Await[int](a, bad)
	})
	r := asyncMustPanic(t, func() { f.Poll(future.NewContext(future.Noop())) })
	if r != "leaf broke" {
		t.Fatalf("panic %v", r)
	}
	if drops != 1 || deferAwaited != 5 {
		t.Fatalf("panicking future dropped %d times, defer awaited %d; want 1 and 5", drops, deferAwaited)
	}
}

// asyncDropCounter adds a Drop counter to a future.
type asyncDropCounter struct {
	future.Future[int]
	drops *int
}

func (d *asyncDropCounter) Drop() { *d.drops++ }

// asyncBudgetLeaf is ready at once but takes one unit of budget, as leaf
// futures do.
type asyncBudgetLeaf struct{}

func (asyncBudgetLeaf) Poll(cx *future.Context) (int, bool) {
	if !cx.ConsumeBudget() {
		return 0, false
	}
	return 1, true
}

func TestAsyncAwaitTakesNoBudgetOfItsOwn(t *testing.T) {
	f := weft.Async(func(a *weft.A) int {
		n := 0
		for range 3 {
			n += weft.Await[int](a, asyncBudgetLeaf{})
		}
		weft.Await(a, future.Ready(0)) // a future that takes no budget
		return n
	})
	mt := mocktask.Spawn[int](f)
	mt.SetBudget(10)
	if v, ok := mt.Poll(); !ok || v != 3 {
		t.Fatalf("Poll = %d, %v", v, ok)
	}
	if left, _ := mt.Context().Budget(); left != 7 {
		t.Fatalf("budget left %d; want 7 (3 leaves, nothing for Await)", left)
	}
}

func TestAsyncYieldsWhenTheBudgetRunsOut(t *testing.T) {
	f := weft.Async(func(a *weft.A) int {
		n := 0
		for range 5 {
			n += weft.Await[int](a, asyncBudgetLeaf{})
		}
		return n
	})
	mt := mocktask.Spawn[int](f)
	mt.SetBudget(2)
	if _, ok := mt.Poll(); ok {
		t.Fatal("completed past its budget")
	}
	if !mt.IsWoken() {
		t.Fatal("a budget-forced yield must wake the task")
	}
	mt.SetBudget(10)
	if v, ok := mt.Poll(); !ok || v != 5 {
		t.Fatalf("Poll = %d, %v", v, ok)
	}
}

func TestAsyncContextIsThePollsContextWhileRunning(t *testing.T) {
	var seen []*future.Context
	var kept *weft.A
	g := newAsyncGate(1)
	f := weft.Async(func(a *weft.A) int {
		kept = a
		seen = append(seen, a.Context())
		weft.Await(a, g)
		seen = append(seen, a.Context())
		return 0
	})
	cx1, cx2 := future.NewContext(future.Noop()), future.NewContext(future.Noop())
	f.Poll(cx1)
	if kept.Context() != nil {
		t.Fatal("Context is not nil while suspended")
	}
	g.Open()
	f.Poll(cx2)
	if len(seen) != 2 || seen[0] != cx1 || seen[1] != cx2 {
		t.Fatalf("contexts seen %v; want [%p %p]", seen, cx1, cx2)
	}
}

func TestAsyncPollsAfterTheFirstDoNotAllocate(t *testing.T) {
	g := newAsyncGate(1)
	f := weft.Async(func(a *weft.A) int { return weft.Await(a, g) })
	cx := future.NewContext(future.Noop())
	f.Poll(cx)
	allocs := testing.AllocsPerRun(1000, func() {
		if _, ok := f.Poll(cx); ok {
			t.Fatal("ready early")
		}
	})
	if allocs != 0 {
		t.Fatalf("a resume-and-suspend allocates %.1f times; want 0", allocs)
	}
	f.Drop()
}

// asyncStressTask is a task of the stress test's small executor: a future,
// its Context, and the scheduling flags of a real task (scheduled, running,
// notified, finished), guarded by mu.
type asyncStressTask struct {
	exec *asyncStressExec
	fut  *weft.AsyncFuture[int]
	cx   *future.Context // owned by the goroutine that polls

	mu        sync.Mutex
	scheduled bool
	running   bool
	notified  bool
	finished  bool
}

func (t *asyncStressTask) Wake(uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.finished:
	case t.running:
		t.notified = true
	case !t.scheduled:
		t.scheduled = true
		t.exec.runq <- t // capacity = task count; a task is queued at most once
	}
}

type asyncStressExec struct {
	runq      chan *asyncStressTask
	openq     chan *asyncGate
	remaining sync.WaitGroup
	completed atomic.Int64
	dropped   atomic.Int64
	wrong     atomic.Int64 // completed with an output other than 5
}

// run is one worker: it polls queued tasks and now and then drops one
// instead, as an abort or a lost select would.
func (e *asyncStressExec) run(seed uint64) {
	rng := rand.New(rand.NewPCG(seed, seed))
	for t := range e.runq {
		t.mu.Lock()
		t.scheduled, t.running = false, true
		t.mu.Unlock()
		finished := false
		if rng.IntN(8) == 0 {
			t.fut.Drop()
			e.dropped.Add(1)
			finished = true
		} else if v, ok := t.fut.Poll(t.cx); ok {
			if v != 5 {
				e.wrong.Add(1)
			}
			t.fut.Drop()
			e.completed.Add(1)
			finished = true
		}
		t.mu.Lock()
		t.running = false
		switch {
		case finished:
			t.finished = true
		case t.notified:
			t.notified, t.scheduled = false, true
			e.runq <- t
		}
		t.mu.Unlock()
		if finished {
			e.remaining.Done()
		}
	}
}

func TestAsyncStressManyFuturesPolledAcrossGoroutinesAndDropped(t *testing.T) {
	defer goleak.VerifyNone(t)
	tasks, workers, openers := 2000, 4, 2
	if testing.Short() {
		tasks = 300
	}
	e := &asyncStressExec{
		runq:  make(chan *asyncStressTask, tasks),
		openq: make(chan *asyncGate, 64),
	}
	var started, unwound, innerStarted, innerUnwound, gatesMade, gatesDropped atomic.Int64
	mkGate := func() future.Future[int] {
		gatesMade.Add(1)
		g := newAsyncGate(1)
		g.onWait = func(g *asyncGate) { e.openq <- g }
		return &asyncStressGate{asyncGate: g, drops: &gatesDropped}
	}
	body := func(a *weft.A) int {
		started.Add(1)
		defer unwound.Add(1)
		sum := 0
		for i := range 4 {
			if i == 2 {
				sum += weft.Await(a, weft.Async(func(b *weft.A) int {
					innerStarted.Add(1)
					defer innerUnwound.Add(1)
					return weft.Await(b, mkGate()) + weft.Await(b, mkGate())
				}))
				continue
			}
			sum += weft.Await(a, mkGate())
		}
		return sum
	}
	var openersDone sync.WaitGroup
	for range openers {
		openersDone.Add(1)
		go func() {
			defer openersDone.Done()
			for g := range e.openq {
				g.Open()
			}
		}()
	}
	var workersDone sync.WaitGroup
	for i := range workers {
		workersDone.Add(1)
		go func() {
			defer workersDone.Done()
			e.run(uint64(i + 1))
		}()
	}
	e.remaining.Add(tasks)
	for range tasks {
		tk := &asyncStressTask{exec: e, fut: weft.Async(body)}
		tk.cx = future.NewContext(future.NewWaker(tk))
		tk.Wake(0)
	}
	e.remaining.Wait()
	close(e.runq)
	workersDone.Wait()
	close(e.openq)
	openersDone.Wait()

	if c, d := e.completed.Load(), e.dropped.Load(); c+d != int64(tasks) || c == 0 || d == 0 {
		t.Fatalf("completed %d + dropped %d; want %d, both non-zero", c, d, tasks)
	}
	if w := e.wrong.Load(); w != 0 {
		t.Fatalf("%d tasks completed with a wrong output", w)
	}
	if s, u := started.Load(), unwound.Load(); s != u {
		t.Fatalf("%d bodies started, %d ran their defers", s, u)
	}
	if s, u := innerStarted.Load(), innerUnwound.Load(); s != u {
		t.Fatalf("%d nested bodies started, %d ran their defers", s, u)
	}
	if m, d := gatesMade.Load(), gatesDropped.Load(); m != d {
		t.Fatalf("%d awaited futures made, %d dropped", m, d)
	}
}

// asyncStressGate counts drops of a gate in a shared counter.
type asyncStressGate struct {
	*asyncGate
	drops *atomic.Int64
}

func (g *asyncStressGate) Drop() { g.drops.Add(1) }

func TestAsyncGoexitInBodyExitsThePollingGoroutine(t *testing.T) {
	defer goleak.VerifyNone(t)
	bodyDeferred, pollerDeferred := false, make(chan bool, 1)
	f := weft.Async(func(a *weft.A) int {
		defer func() { bodyDeferred = true }()
		runtime.Goexit()
		return 0
	})
	go func() {
		returned := false
		defer func() { pollerDeferred <- returned }()
		f.Poll(future.NewContext(future.Noop()))
		returned = true
	}()
	if returned := <-pollerDeferred; returned {
		t.Fatal("Poll returned after the body called runtime.Goexit")
	}
	if !bodyDeferred {
		t.Fatal("the body's defer did not run")
	}
	f.Drop() // as the harness does after a Goexit: must not panic
}

package future_test

import (
	"slices"
	"strconv"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/mocktask"
)

func TestReadyIsReadyOnFirstPoll(t *testing.T) {
	v, ok := future.Ready(42).Poll(future.NewContext(future.Noop()))
	if !ok || v != 42 {
		t.Fatalf("Ready(42).Poll = %v, %v; want 42, true", v, ok)
	}
}

func TestPendingNeverCompletesAndRegistersNothing(t *testing.T) {
	task := mocktask.Spawn[int](future.Pending[int]())
	for range 3 {
		if v, ok := task.Poll(); ok || v != 0 {
			t.Fatalf("Pending polled = %v, %v; want 0, false", v, ok)
		}
	}
	if task.WakeCount() != 0 {
		t.Fatalf("Pending woke its task %d times", task.WakeCount())
	}
}

func TestPollFuncCallsFunctionWithTheContext(t *testing.T) {
	calls := 0
	var seen *future.Context
	f := future.PollFunc(func(cx *future.Context) (string, bool) {
		calls++
		seen = cx
		return "done", calls == 2
	})
	task := mocktask.Spawn[string](f)
	if _, ok := task.Poll(); ok {
		t.Fatal("first poll ready, want pending")
	}
	if seen != task.Context() {
		t.Fatal("PollFunc did not pass the poller's Context through")
	}
	if v, ok := task.Poll(); !ok || v != "done" {
		t.Fatalf("second poll = %q, %v; want done, true", v, ok)
	}
	if calls != 2 {
		t.Fatalf("function called %d times, want 2", calls)
	}
}

func TestMapAppliesFunctionOnceWhenReady(t *testing.T) {
	inner := newProbe("inner", 20, 3)
	calls := 0
	m := future.Map[int, string](inner, func(v int) string {
		calls++
		return strconv.Itoa(v + 1)
	})
	task := mocktask.Spawn[string](m)
	for i := range 2 {
		if _, ok := task.Poll(); ok {
			t.Fatalf("poll %d ready before inner", i+1)
		}
	}
	if calls != 0 {
		t.Fatalf("fn called %d times before inner was ready", calls)
	}
	if v, ok := task.Poll(); !ok || v != "21" {
		t.Fatalf("Map poll = %q, %v; want 21, true", v, ok)
	}
	if calls != 1 {
		t.Fatalf("fn called %d times, want 1", calls)
	}
}

func TestMapPassesTheWakerToInner(t *testing.T) {
	inner := newProbe("inner", 1, 0)
	task := mocktask.Spawn[int](future.Map[int, int](inner, func(v int) int { return v }))
	task.Poll()
	if !inner.waker.WillWake(task.Waker()) {
		t.Fatal("inner future did not receive the task's waker")
	}
	inner.waker.Wake()
	if !task.IsWoken() {
		t.Fatal("waking the inner future's waker did not wake the task")
	}
}

func TestThenRunsSecondStageWithFirstOutput(t *testing.T) {
	first := newProbe("first", 5, 2)
	var second *probe[string]
	c := future.Then[int, string](first, func(v int) future.Future[string] {
		second = newProbe("second", "got "+strconv.Itoa(v), 2)
		return second
	})
	task := mocktask.Spawn[string](c)
	if _, ok := task.Poll(); ok || second != nil {
		t.Fatal("Then started the second stage before the first completed")
	}
	if _, ok := task.Poll(); ok {
		t.Fatal("Then ready while the second stage is pending")
	}
	if second == nil || second.polls != 1 {
		t.Fatal("Then did not poll the second stage in the poll where the first completed")
	}
	if v, ok := task.Poll(); !ok || v != "got 5" {
		t.Fatalf("Then = %q, %v; want %q, true", v, ok, "got 5")
	}
}

func TestThenCompletesInOnePollWhenBothStagesAreReady(t *testing.T) {
	c := future.Then[int, int](future.Ready(2), func(v int) future.Future[int] {
		return future.Ready(v * 10)
	})
	if v, ok := c.Poll(future.NewContext(future.Noop())); !ok || v != 20 {
		t.Fatalf("Then = %v, %v; want 20, true", v, ok)
	}
}

func TestJoin2WaitsForBothAndKeepsOrder(t *testing.T) {
	a := newProbe("a", "A", 3)
	b := newProbe("b", 7, 1)
	task := mocktask.Spawn[future.Pair[string, int]](future.Join2[string, int](a, b))
	for i := range 2 {
		if _, ok := task.Poll(); ok {
			t.Fatalf("poll %d: Join2 ready while a is pending", i+1)
		}
	}
	if b.polls != 1 {
		t.Fatalf("b polled %d times; a completed child must not be polled again", b.polls)
	}
	p, ok := task.Poll()
	if !ok || p.A != "A" || p.B != 7 {
		t.Fatalf("Join2 = %+v, %v; want {A B:7}, true", p, ok)
	}
}

func TestJoinAllOutputsInInputOrder(t *testing.T) {
	// Children complete in the order c, a, b; the output follows fs.
	a := newProbe("a", 1, 2)
	b := newProbe("b", 2, 3)
	c := newProbe("c", 3, 1)
	task := mocktask.Spawn[[]int](future.JoinAll([]future.Future[int]{a, b, c}))
	for i := range 2 {
		if _, ok := task.Poll(); ok {
			t.Fatalf("poll %d: JoinAll ready before every child", i+1)
		}
	}
	got, ok := task.Poll()
	if !ok || !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("JoinAll = %v, %v; want [1 2 3], true", got, ok)
	}
	if a.polls != 2 || b.polls != 3 || c.polls != 1 {
		t.Fatalf("polls a=%d b=%d c=%d, want 2 3 1: completed children must not be polled again",
			a.polls, b.polls, c.polls)
	}
}

func TestJoinAllOfNothingIsReadyAtOnce(t *testing.T) {
	got, ok := future.JoinAll[int](nil).Poll(future.NewContext(future.Noop()))
	if !ok || len(got) != 0 {
		t.Fatalf("JoinAll(nil) = %v, %v; want [], true", got, ok)
	}
}

func TestJoinAllCopiesItsInput(t *testing.T) {
	fs := []future.Future[int]{future.Ready(1), future.Ready(2)}
	j := future.JoinAll(fs)
	fs[0] = future.Ready(99) // the caller reuses its slice
	got, ok := j.Poll(future.NewContext(future.Noop()))
	if !ok || !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("JoinAll = %v, %v; want [1 2]: it must not alias the caller's slice", got, ok)
	}
}

func TestSelect2FirstReadyWins(t *testing.T) {
	a := newProbe("a", "a", 0)
	b := newProbe("b", 2, 2)
	task := mocktask.Spawn[future.Either[string, int]](future.Select2[string, int](a, b))
	if _, ok := task.Poll(); ok {
		t.Fatal("Select2 ready while both are pending")
	}
	e, ok := task.Poll()
	if !ok || e.Which != 1 || e.B != 2 || e.A != "" {
		t.Fatalf("Select2 = %+v, %v; want Which 1, B 2", e, ok)
	}
}

func TestSelect2IsBiasedTowardsFirst(t *testing.T) {
	a := newProbe("a", 1, 1)
	b := newProbe("b", 2, 1)
	e, ok := future.Select2[int, int](a, b).Poll(future.NewContext(future.Noop()))
	if !ok || e.Which != 0 || e.A != 1 {
		t.Fatalf("Select2 = %+v, %v; want a to win", e, ok)
	}
	if b.polls != 0 {
		t.Fatalf("b polled %d times after a was ready in the same poll", b.polls)
	}
}

func TestCombinatorsPanicOnPollAfterCompletion(t *testing.T) {
	cx := future.NewContext(future.Noop())
	m := future.Map[int, int](future.Ready(1), func(v int) int { return v })
	m.Poll(cx)
	mustPanic(t, "future:", func() { m.Poll(cx) })

	c := future.Then[int, int](future.Ready(1), func(v int) future.Future[int] { return future.Ready(v) })
	c.Poll(cx)
	mustPanic(t, "future:", func() { c.Poll(cx) })

	s := future.Select2[int, int](future.Ready(1), future.Pending[int]())
	s.Poll(cx)
	mustPanic(t, "future:", func() { s.Poll(cx) })
}

func TestNilArgumentsPanicWithPackagePrefix(t *testing.T) {
	ready := future.Ready(1)
	id := func(v int) int { return v }
	cases := map[string]func(){
		"Map nil future":     func() { future.Map[int, int](nil, id) },                                             //weftvet:ignore panics before it returns a future
		"Map nil function":   func() { future.Map[int, int](ready, nil) },                                          //weftvet:ignore panics before it returns a future
		"Then nil future":    func() { future.Then[int, int](nil, func(int) future.Future[int] { return ready }) }, //weftvet:ignore panics before it returns a future
		"Then nil function":  func() { future.Then[int, int](ready, nil) },                                         //weftvet:ignore panics before it returns a future
		"Join2 nil first":    func() { future.Join2[int, int](nil, ready) },                                        //weftvet:ignore panics before it returns a future
		"Join2 nil second":   func() { future.Join2[int, int](ready, nil) },                                        //weftvet:ignore panics before it returns a future
		"JoinAll nil member": func() { future.JoinAll([]future.Future[int]{ready, nil}) },                          //weftvet:ignore panics before it returns a future
		"Select2 nil first":  func() { future.Select2[int, int](nil, ready) },                                      //weftvet:ignore panics before it returns a future
		"Select2 nil second": func() { future.Select2[int, int](ready, nil) },                                      //weftvet:ignore panics before it returns a future
		"Then returns nil": func() {
			c := future.Then[int, int](ready, func(int) future.Future[int] { return nil })
			c.Poll(future.NewContext(future.Noop()))
		},
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) { mustPanic(t, "future:", f) })
	}
}

func TestDropCallsDropperOnly(t *testing.T) {
	p := newProbe("p", 0, 0)
	future.Drop(p)
	checkDrops(t, p, 1)
	// Values that are not Droppers, including nil, are ignored.
	future.Drop(future.Ready(1))
	future.Drop(nil)
}

func TestResultGet(t *testing.T) {
	err := strconv.ErrRange
	v, gotErr := future.Result[int]{Value: 3, Err: err}.Get()
	if v != 3 || gotErr != err {
		t.Fatalf("Get = %v, %v; want 3, %v", v, gotErr, err)
	}
}

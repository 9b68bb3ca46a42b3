package future_test

import (
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
)

// Building a future may allocate; polling one must not (package doc,
// "Combinators"). These tests build everything first and count only polls.

const allocRuns = 50

// pollAllocs builds allocRuns+1 futures with build (AllocsPerRun runs once
// more to warm up) and reports the average allocations of polling each of
// them once.
func pollAllocs[T any](build func() future.Future[T]) float64 {
	fs := make([]future.Future[T], allocRuns+1)
	for i := range fs {
		fs[i] = build()
	}
	cx := future.NewContext(future.Noop())
	i := 0
	return testing.AllocsPerRun(allocRuns, func() {
		fs[i].Poll(cx)
		i++
	})
}

// repollAllocs reports the average allocations of polling one pending future
// again and again.
func repollAllocs[T any](f future.Future[T]) float64 {
	cx := future.NewContext(future.Noop())
	return testing.AllocsPerRun(allocRuns, func() {
		if _, ok := f.Poll(cx); ok {
			panic("repollAllocs: future completed")
		}
	})
}

func pend() *probe[int]  { return newProbe("p", 1, 0) }
func ready() *probe[int] { return newProbe("r", 1, 1) }
func ident(v int) int    { return v }

func TestCombinatorPollsDoNotAllocate(t *testing.T) {
	pendingCases := map[string]func() future.Future[int]{
		"Pending": func() future.Future[int] { return future.Pending[int]() },
		"PollFunc": func() future.Future[int] {
			return future.PollFunc(func(*future.Context) (int, bool) { return 0, false })
		},
		"Map": func() future.Future[int] { return future.Map[int, int](pend(), ident) },
		"Then first stage": func() future.Future[int] {
			return future.Then[int, int](pend(), func(int) future.Future[int] { return pend() })
		},
		"Then second stage": func() future.Future[int] {
			second := pend()
			c := future.Then[int, int](ready(), func(int) future.Future[int] { return second })
			c.Poll(future.NewContext(future.Noop())) // now in the second stage
			return c
		},
		"Join2 one done": func() future.Future[int] {
			j := future.Join2[int, int](ready(), pend())
			return future.Map[future.Pair[int, int], int](j, func(p future.Pair[int, int]) int { return p.A })
		},
		"JoinAll": func() future.Future[int] {
			j := future.JoinAll([]future.Future[int]{ready(), pend(), pend()})
			return future.Map[[]int, int](j, func(v []int) int { return len(v) })
		},
		"Select2": func() future.Future[int] {
			s := future.Select2[int, int](pend(), pend())
			return future.Map[future.Either[int, int], int](s, func(e future.Either[int, int]) int { return e.Which })
		},
	}
	for name, build := range pendingCases {
		t.Run("pending/"+name, func(t *testing.T) {
			if n := repollAllocs(build()); n != 0 {
				t.Fatalf("pending poll allocates %v times", n)
			}
		})
	}

	readyCases := map[string]func() future.Future[int]{
		"Ready": func() future.Future[int] { return future.Ready(1000) },
		"PollFunc": func() future.Future[int] {
			return future.PollFunc(func(*future.Context) (int, bool) { return 1000, true })
		},
		"Map": func() future.Future[int] { return future.Map[int, int](ready(), ident) },
		"Then": func() future.Future[int] {
			second := ready()
			return future.Then[int, int](ready(), func(int) future.Future[int] { return second })
		},
		"Join2": func() future.Future[int] {
			j := future.Join2[int, int](ready(), ready())
			return future.Map[future.Pair[int, int], int](j, func(p future.Pair[int, int]) int { return p.B })
		},
		"JoinAll": func() future.Future[int] {
			j := future.JoinAll([]future.Future[int]{ready(), ready()})
			return future.Map[[]int, int](j, func(v []int) int { return len(v) })
		},
		"Select2 first": func() future.Future[int] {
			s := future.Select2[int, int](ready(), pend())
			return future.Map[future.Either[int, int], int](s, func(e future.Either[int, int]) int { return e.A })
		},
		"Select2 second": func() future.Future[int] {
			s := future.Select2[int, int](pend(), ready())
			return future.Map[future.Either[int, int], int](s, func(e future.Either[int, int]) int { return e.B })
		},
	}
	for name, build := range readyCases {
		t.Run("ready/"+name, func(t *testing.T) {
			if n := pollAllocs(build); n != 0 {
				t.Fatalf("completing poll allocates %v times", n)
			}
		})
	}
}

func TestDropDoesNotAllocate(t *testing.T) {
	builds := map[string]func() future.Dropper{
		"Map":     func() future.Dropper { return future.Map[int, int](pend(), ident) },
		"Join2":   func() future.Dropper { return future.Join2[int, int](pend(), pend()) },
		"JoinAll": func() future.Dropper { return future.JoinAll([]future.Future[int]{pend(), pend()}) },
		"Select2": func() future.Dropper { return future.Select2[int, int](pend(), pend()) },
		"Then": func() future.Dropper {
			return future.Then[int, int](pend(), func(int) future.Future[int] { return pend() })
		},
	}
	for name, build := range builds {
		t.Run(name, func(t *testing.T) {
			ds := make([]future.Dropper, allocRuns+1)
			for i := range ds {
				ds[i] = build()
			}
			i := 0
			if n := testing.AllocsPerRun(allocRuns, func() { ds[i].Drop(); i++ }); n != 0 {
				t.Fatalf("Drop allocates %v times", n)
			}
		})
	}
}

func TestWakeAndBudgetDoNotAllocate(t *testing.T) {
	s := future.NewSignal()
	c := &countWaker{}
	cx := future.NewContext(future.NewWaker(c))
	tc := &countTagWaker{}
	cases := map[string]func(){
		"Waker.Wake":     func() { future.NewWaker(c).Wake() },
		"tagged Wake":    func() { future.NewTaggedWaker(tc, 300).Wake() },
		"zero Waker":     func() { future.Waker{}.Wake() },
		"Noop":           func() { future.Noop().Wake() },
		"Signal wake":    func() { s.Waker().Wake(); <-s.C() },
		"WillWake":       func() { _ = s.Waker().WillWake(cx.Waker()) },
		"ConsumeBudget":  func() { futurecx.SetBudget(cx, 1); cx.ConsumeBudget(); cx.ConsumeBudget() },
		"RefundBudget":   func() { futurecx.SetBudget(cx, 0); cx.RefundBudget() },
		"Context setter": func() { futurecx.SetWaker(cx, s.Waker()); futurecx.SetTaskID(cx, 3) },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			if n := testing.AllocsPerRun(allocRuns, f); n != 0 {
				t.Fatalf("allocates %v times", n)
			}
		})
	}
}

// countTagWaker counts tagged wakes without allocating.
type countTagWaker struct{ n, last uint64 }

func (c *countTagWaker) Wake(tag uint64) { c.n++; c.last = tag }

package future_test

// These tests pin down the Drop contract of the combinators (package doc,
// "Dropping"): each child is dropped exactly once, either right after the
// poll in which it completed or when its parent is dropped, and a dropped
// child is never polled again (probe panics if it is).

import (
	"slices"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/mocktask"
)

func TestMapDropsInnerWhenItCompletes(t *testing.T) {
	inner := newProbe("inner", 1, 2)
	m := future.Map[int, int](inner, func(v int) int { return v })
	cx := future.NewContext(future.Noop())
	m.Poll(cx)
	checkDrops(t, inner, 0)
	if _, ok := m.Poll(cx); !ok {
		t.Fatal("Map not ready after inner")
	}
	checkDrops(t, inner, 1)
	m.Drop() // the owner's drop after completion must not drop inner again
	checkDrops(t, inner, 1)
}

func TestMapDropForwardsToPendingInner(t *testing.T) {
	inner := newProbe("inner", 1, 0)
	called := false
	m := future.Map[int, int](inner, func(v int) int { called = true; return v })
	task := mocktask.Spawn[int](m)
	task.Poll()
	task.Drop()
	checkDrops(t, inner, 1)
	m.Drop()
	checkDrops(t, inner, 1)
	if called {
		t.Fatal("Map called fn for an inner future that never completed")
	}
}

func TestThenDropsEachStageOnce(t *testing.T) {
	t.Run("both complete", func(t *testing.T) {
		first := newProbe("first", 1, 1)
		second := newProbe("second", 2, 2)
		c := future.Then[int, int](first, func(int) future.Future[int] { return second })
		cx := future.NewContext(future.Noop())
		c.Poll(cx)
		checkDrops(t, first, 1)
		checkDrops(t, second, 0)
		if _, ok := c.Poll(cx); !ok {
			t.Fatal("Then not ready after its second stage")
		}
		checkDrops(t, second, 1)
		c.Drop()
		checkDrops(t, first, 1)
		checkDrops(t, second, 1)
	})
	t.Run("dropped in first stage", func(t *testing.T) {
		first := newProbe("first", 1, 0)
		called := false
		c := future.Then[int, int](first, func(int) future.Future[int] { called = true; return future.Ready(0) })
		c.Poll(future.NewContext(future.Noop()))
		c.Drop()
		checkDrops(t, first, 1)
		c.Drop()
		checkDrops(t, first, 1)
		if called {
			t.Fatal("Then built a second stage after being dropped in the first")
		}
	})
	t.Run("dropped in second stage", func(t *testing.T) {
		first := newProbe("first", 1, 1)
		second := newProbe("second", 2, 0)
		c := future.Then[int, int](first, func(int) future.Future[int] { return second })
		c.Poll(future.NewContext(future.Noop()))
		c.Drop()
		checkDrops(t, first, 1)
		checkDrops(t, second, 1)
		c.Drop()
		checkDrops(t, second, 1)
	})
}

func TestJoin2DropsEachChildOnce(t *testing.T) {
	t.Run("completed child dropped at once, pending one with parent", func(t *testing.T) {
		a := newProbe("a", 1, 0)
		b := newProbe("b", 2, 1)
		j := future.Join2[int, int](a, b)
		j.Poll(future.NewContext(future.Noop()))
		checkDrops(t, b, 1) // completed in this poll
		checkDrops(t, a, 0)
		j.Drop()
		checkDrops(t, a, 1)
		checkDrops(t, b, 1)
		j.Drop()
		checkDrops(t, a, 1)
	})
	t.Run("both complete, drop after", func(t *testing.T) {
		a := newProbe("a", 1, 2)
		b := newProbe("b", 2, 1)
		j := future.Join2[int, int](a, b)
		cx := future.NewContext(future.Noop())
		j.Poll(cx)
		checkDrops(t, a, 0)
		if _, ok := j.Poll(cx); !ok {
			t.Fatal("Join2 not ready")
		}
		checkDrops(t, a, 1)
		checkDrops(t, b, 1)
		j.Drop()
		checkDrops(t, a, 1)
		checkDrops(t, b, 1)
	})
	t.Run("dropped before first poll", func(t *testing.T) {
		a := newProbe("a", 1, 1)
		b := newProbe("b", 2, 1)
		future.Join2[int, int](a, b).Drop()
		checkDrops(t, a, 1)
		checkDrops(t, b, 1)
	})
}

func TestJoinAllDropsEachChildOnce(t *testing.T) {
	a := newProbe("a", 1, 1)
	b := newProbe("b", 2, 0)
	c := newProbe("c", 3, 2)
	j := future.JoinAll([]future.Future[int]{a, b, c})
	cx := future.NewContext(future.Noop())
	j.Poll(cx)
	checkDrops(t, a, 1)
	checkDrops(t, c, 0)
	j.Poll(cx)
	checkDrops(t, c, 1)
	checkDrops(t, b, 0)
	j.Drop()
	checkDrops(t, a, 1)
	checkDrops(t, b, 1)
	checkDrops(t, c, 1)
	j.Drop()
	checkDrops(t, b, 1)
}

func TestSelect2DropsLoserWhenWinnerCompletes(t *testing.T) {
	for _, tc := range []struct {
		name           string
		aReady, bReady int
		winner         int
	}{
		{"a wins", 2, 0, 0},
		{"b wins", 0, 2, 1},
		{"both ready, a wins", 2, 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log []string
			a := newProbe("a", 1, tc.aReady)
			b := newProbe("b", 2, tc.bReady)
			a.log, b.log = &log, &log
			s := future.Select2[int, int](a, b)
			cx := future.NewContext(future.Noop())
			s.Poll(cx)
			checkDrops(t, a, 0)
			checkDrops(t, b, 0)
			log = nil
			e, ok := s.Poll(cx)
			if !ok || e.Which != tc.winner {
				t.Fatalf("Select2 = %+v, %v; want winner %d", e, ok, tc.winner)
			}
			// The loser is released inside the poll that completed the
			// winner, not later: its registrations must not outlive it.
			checkDrops(t, a, 1)
			checkDrops(t, b, 1)
			var want []string
			switch tc.winner {
			case 0:
				want = []string{"poll a", "drop a", "drop b"}
			case 1:
				want = []string{"poll a", "poll b", "drop a", "drop b"}
			}
			if !slices.Equal(log, want) {
				t.Fatalf("events %q, want %q", log, want)
			}
			s.Drop()
			checkDrops(t, a, 1)
			checkDrops(t, b, 1)
		})
	}
}

func TestSelect2DropForwardsToBothWhilePending(t *testing.T) {
	a := newProbe("a", 1, 0)
	b := newProbe("b", 2, 0)
	task := mocktask.Spawn[future.Either[int, int]](future.Select2[int, int](a, b))
	task.Poll()
	task.Drop()
	checkDrops(t, a, 1)
	checkDrops(t, b, 1)
}

func TestNestedCombinatorsForwardDrop(t *testing.T) {
	// Select2(Map(x), Join2(y, Then(z, ...))) dropped while everything is
	// pending reaches every leaf exactly once.
	x := newProbe("x", 1, 0)
	y := newProbe("y", 2, 0)
	z := newProbe("z", 3, 0)
	inner := future.Join2[int, int](y, future.Then[int, int](z, func(v int) future.Future[int] { return future.Ready(v) }))
	s := future.Select2[int, future.Pair[int, int]](future.Map[int, int](x, func(v int) int { return v }), inner)
	task := mocktask.Spawn[future.Either[int, future.Pair[int, int]]](s)
	task.Poll()
	task.Drop()
	for _, p := range []*probe[int]{x, y, z} {
		checkDrops(t, p, 1)
	}
}

func TestCombinatorsAcceptChildrenWithoutDrop(t *testing.T) {
	// Ready, Pending and PollFunc do not implement Dropper; dropping a
	// combinator over them must simply do nothing for them.
	cx := future.NewContext(future.Noop())
	j := future.Join2[int, int](future.Ready(1), future.Pending[int]())
	j.Poll(cx)
	j.Drop()
	s := future.Select2[int, int](future.Pending[int](), future.PollFunc(func(*future.Context) (int, bool) { return 0, false }))
	s.Poll(cx)
	s.Drop()
}

package waitq_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/weftrt/weft/internal/waitq"
	"go.uber.org/goleak"
	"pgregory.net/rapid"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fataler is what contents needs of a *testing.T or a *rapid.T.
type fataler interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// contents walks q from Front through Next and checks that Len, Back and
// every waiter's Linked agree with the walk.
func contents(t fataler, q *waitq.Queue) []*waitq.Waiter {
	t.Helper()
	var out []*waitq.Waiter
	for w := q.Front(); w != nil; w = w.Next() {
		if !w.Linked() {
			t.Fatalf("waiter %p in the queue reports Linked false", w)
		}
		out = append(out, w)
		if len(out) > q.Len()+1 {
			t.Fatal("queue walk longer than Len: cycle?")
		}
	}
	if len(out) != q.Len() {
		t.Fatalf("walk found %d waiters, Len says %d", len(out), q.Len())
	}
	var back *waitq.Waiter
	if len(out) > 0 {
		back = out[len(out)-1]
	}
	if q.Back() != back {
		t.Fatal("Back is not the last waiter of the walk")
	}
	return out
}

func mustPanic(t *testing.T, prefix string, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		s, _ := r.(string)
		if !strings.HasPrefix(s, prefix) {
			t.Fatalf("panic %v, want one starting with %q", r, prefix)
		}
	}()
	f()
}

func TestZeroQueueIsEmpty(t *testing.T) {
	var q waitq.Queue
	if q.Len() != 0 || q.Front() != nil || q.Back() != nil || q.PopFront() != nil {
		t.Fatal("zero Queue is not empty")
	}
	var w waitq.Waiter
	if w.Linked() || q.Remove(&w) {
		t.Fatal("zero Waiter must be unlinked and not removable")
	}
}

func TestPushBackIsFIFOAndPushFrontJumpsTheLine(t *testing.T) {
	var q waitq.Queue
	a, b, c := &waitq.Waiter{N: 1}, &waitq.Waiter{N: 2}, &waitq.Waiter{N: 3}
	q.PushBack(a)
	q.PushBack(b)
	q.PushFront(c)
	if got := contents(t, &q); !slices.Equal(got, []*waitq.Waiter{c, a, b}) {
		t.Fatalf("order %v, want c a b", got)
	}
	for _, want := range []*waitq.Waiter{c, a, b} {
		if w := q.PopFront(); w != want || w.Linked() {
			t.Fatalf("PopFront = %p (linked %v), want %p unlinked", w, w.Linked(), want)
		}
	}
	if q.PopFront() != nil {
		t.Fatal("PopFront of an emptied queue returned a waiter")
	}
}

func TestRemoveHeadMiddleTail(t *testing.T) {
	for i := range 3 {
		var q waitq.Queue
		ws := []*waitq.Waiter{{}, {}, {}}
		for _, w := range ws {
			q.PushBack(w)
		}
		if !q.Remove(ws[i]) {
			t.Fatalf("Remove of waiter %d reported false", i)
		}
		if ws[i].Linked() || ws[i].Next() != nil {
			t.Fatalf("removed waiter %d still linked", i)
		}
		want := slices.Delete(slices.Clone(ws), i, i+1)
		if got := contents(t, &q); !slices.Equal(got, want) {
			t.Fatalf("after removing %d: %v, want %v", i, got, want)
		}
		if q.Remove(ws[i]) {
			t.Fatal("second Remove reported true")
		}
	}
}

func TestRemoveFromOtherQueueIsRefused(t *testing.T) {
	var q1, q2 waitq.Queue
	w := &waitq.Waiter{}
	q1.PushBack(w)
	if q2.Remove(w) {
		t.Fatal("Remove from a queue the waiter is not in reported true")
	}
	if q1.Len() != 1 || !w.Linked() {
		t.Fatal("refused Remove changed the waiter's queue")
	}
}

func TestDoublePushPanics(t *testing.T) {
	var q, other waitq.Queue
	w := &waitq.Waiter{}
	q.PushBack(w)
	mustPanic(t, "waitq:", func() { q.PushBack(w) })
	mustPanic(t, "waitq:", func() { other.PushFront(w) })
	contents(t, &q)
}

func TestTakeAllMovesWaitersAndTheirQueue(t *testing.T) {
	var q waitq.Queue
	ws := []*waitq.Waiter{{}, {}, {}}
	for _, w := range ws {
		q.PushBack(w)
	}
	taken := q.TakeAll()
	if q.Len() != 0 || q.Front() != nil {
		t.Fatal("TakeAll left waiters behind")
	}
	if got := contents(t, taken); !slices.Equal(got, ws) {
		t.Fatalf("taken %v, want %v in order", got, ws)
	}
	// A waiter dropped after TakeAll must unlink from the new queue (its
	// queue pointer followed it), not from the old one.
	if q.Remove(ws[1]) {
		t.Fatal("Remove from the old queue succeeded after TakeAll")
	}
	if !taken.Remove(ws[1]) {
		t.Fatal("Remove from the taken queue failed")
	}
	contents(t, taken)
}

// TestQueueMatchesModel runs random operation sequences on a Queue of a few
// waiters and checks it against a slice after every step.
func TestQueueMatchesModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ws := make([]*waitq.Waiter, 6)
		for i := range ws {
			ws[i] = &waitq.Waiter{N: int64(i)}
		}
		var q waitq.Queue
		var model []*waitq.Waiter
		pick := rapid.IntRange(0, len(ws)-1)
		rt.Repeat(map[string]func(*rapid.T){
			"pushBack": func(rt *rapid.T) {
				w := ws[pick.Draw(rt, "w")]
				if w.Linked() {
					rt.Skip("already queued")
				}
				q.PushBack(w)
				model = append(model, w)
			},
			"pushFront": func(rt *rapid.T) {
				w := ws[pick.Draw(rt, "w")]
				if w.Linked() {
					rt.Skip("already queued")
				}
				q.PushFront(w)
				model = slices.Insert(model, 0, w)
			},
			"remove": func(rt *rapid.T) {
				w := ws[pick.Draw(rt, "w")]
				i := slices.Index(model, w)
				if got := q.Remove(w); got != (i >= 0) {
					rt.Fatalf("Remove = %v, model has it: %v", got, i >= 0)
				}
				if i >= 0 {
					model = slices.Delete(model, i, i+1)
				}
			},
			"popFront": func(rt *rapid.T) {
				var want *waitq.Waiter
				if len(model) > 0 {
					want, model = model[0], model[1:]
				}
				if got := q.PopFront(); got != want {
					rt.Fatalf("PopFront = %v, want %v", got, want)
				}
			},
			"position": func(rt *rapid.T) {
				w := ws[pick.Draw(rt, "w")]
				if got, want := q.Position(w), slices.Index(model, w); got != want {
					rt.Fatalf("Position = %d, want %d (its index in %v)", got, want, model)
				}
			},
			"takeAll": func(rt *rapid.T) {
				taken := q.TakeAll()
				if got := contents(rt, taken); !slices.Equal(got, model) {
					rt.Fatalf("TakeAll = %v, want %v", got, model)
				}
				if q.Len() != 0 {
					rt.Fatal("TakeAll left waiters behind")
				}
				// The moved waiters belong to the new queue now: only it
				// can unlink them.
				for _, w := range model {
					if q.Remove(w) || !taken.Remove(w) {
						rt.Fatal("waiter moved by TakeAll is still attached to the old queue")
					}
				}
				model = model[:0]
			},
			"": func(rt *rapid.T) {
				if got := contents(rt, &q); !slices.Equal(got, model) {
					rt.Fatalf("queue %v, model %v", got, model)
				}
				for _, w := range ws {
					if w.Linked() != slices.Contains(model, w) {
						rt.Fatalf("waiter %d Linked %v disagrees with model", w.N, w.Linked())
					}
				}
			},
		})
	})
}

// Position is what a dump asks of every waiter of a primitive: it must be
// exact after pushes at both ends and removals anywhere, and stay O(1) per
// waiter once numbered (the old walk per waiter made dumps quadratic).
func TestPositionCountsTheWaitersAhead(t *testing.T) {
	var q waitq.Queue
	ws := make([]*waitq.Waiter, 10)
	for i := range ws {
		ws[i] = &waitq.Waiter{}
		q.PushBack(ws[i])
	}
	front := &waitq.Waiter{}
	q.PushFront(front)
	q.Remove(ws[4]) // from the middle: renumbered at the next Position
	q.PopFront()    // front
	q.Remove(ws[9]) // tail
	want := []*waitq.Waiter{ws[0], ws[1], ws[2], ws[3], ws[5], ws[6], ws[7], ws[8]}
	for i, w := range want {
		if got := q.Position(w); got != i {
			t.Fatalf("Position of waiter %d = %d, want %d", i, got, i)
		}
	}
	if q.Position(ws[4]) != -1 || q.Position(front) != -1 {
		t.Fatal("Position of a waiter not in the queue is not -1")
	}
	if unsafe.Sizeof(uintptr(0)) == 8 && unsafe.Sizeof(waitq.Waiter{}) != 64 {
		t.Fatalf("Waiter is %d bytes, want 64: seq must stay in Notified's padding", unsafe.Sizeof(waitq.Waiter{}))
	}
}

func ExampleQueue() {
	var q waitq.Queue // guarded by the primitive's mutex in real use
	first, second := &waitq.Waiter{N: 1}, &waitq.Waiter{N: 2}
	q.PushBack(first)
	q.PushBack(second)
	q.Remove(first) // the first waiter's future was dropped
	w := q.PopFront()
	fmt.Println(w.N, w.Linked(), q.Len())
	// Output: 2 false 0
}

func ExampleWaiter() {
	// A waiting future embeds a Waiter and keeps it linked while it waits.
	type acquire struct {
		waitq.Waiter
		permits int64
	}
	var q waitq.Queue
	a := &acquire{permits: 3}
	a.N = a.permits
	q.PushBack(&a.Waiter)
	fmt.Println(a.Linked(), q.Front().N)
	// Output: true 3
}

package multithread

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/sched"
	"github.com/weftrt/weft/task"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testTasks makes n real tasks (bound to a throwaway list) so that the queue
// holds genuine Notifieds. Their IDs identify them in assertions.
type nopSched struct{ owned *task.OwnedTasks }

func (s *nopSched) Schedule(task.Notified)         {}
func (s *nopSched) Yield(task.Notified)            {}
func (s *nopSched) Release(t task.Task) bool       { return s.owned.Remove(t) }
func (s *nopSched) Hooks() *task.Hooks             { return nil }
func (s *nopSched) UnhandledPanic(*task.JoinError) {}

func testTasks(t testing.TB, n int) []task.Notified {
	t.Helper()
	s := &nopSched{owned: task.NewOwnedTasks(1)}
	out := make([]task.Notified, n)
	for i := range out {
		_, nt, ok := task.Bind(s.owned, future.Ready(i), s, task.Options{})
		if !ok {
			t.Fatal("bind failed")
		}
		out[i] = nt
	}
	return out
}

func TestLocalQueueFIFO(t *testing.T) {
	var q localQueue
	var inject sched.Inject
	ts := testTasks(t, 100)
	for _, n := range ts {
		if q.pushBackOrOverflow(n, &inject) {
			t.Fatal("overflow below capacity")
		}
	}
	if q.len() != 100 || q.remainingSlots() != localCap-100 {
		t.Fatalf("len %d remaining %d", q.len(), q.remainingSlots())
	}
	for i, want := range ts {
		got, ok := q.pop()
		if !ok || got.ID() != want.ID() {
			t.Fatalf("pop %d: got %v ok %v, want %v", i, got.ID(), ok, want.ID())
		}
	}
	if _, ok := q.pop(); ok {
		t.Fatal("pop from empty queue")
	}
}

// An overflowing push keeps the older half local and moves the newer half
// plus the pushed task to the inject queue, in order.
func TestLocalQueueOverflowMovesNewerHalf(t *testing.T) {
	var q localQueue
	var inject sched.Inject
	ts := testTasks(t, localCap+1)
	for _, n := range ts[:localCap] {
		q.pushBackOrOverflow(n, &inject)
	}
	if q.remainingSlots() != 0 {
		t.Fatalf("queue not full: %d slots left", q.remainingSlots())
	}
	if !q.pushBackOrOverflow(ts[localCap], &inject) {
		t.Fatal("push on a full queue did not overflow")
	}
	if q.len() != localHalf || inject.Len() != localHalf+1 {
		t.Fatalf("after overflow: local %d inject %d", q.len(), inject.Len())
	}
	for i := 0; i < localHalf; i++ {
		got, _ := q.pop()
		if got.ID() != ts[i].ID() {
			t.Fatalf("local %d: got %v want %v", i, got.ID(), ts[i].ID())
		}
	}
	for i := localHalf; i <= localCap; i++ {
		got, ok := inject.Pop()
		if !ok || got.ID() != ts[i].ID() {
			t.Fatalf("inject %d: got %v want %v", i, got.ID(), ts[i].ID())
		}
	}
}

// A thief takes half (rounded up) of what it finds, runs the last one it
// took, and leaves the rest in its own queue.
func TestStealTakesHalf(t *testing.T) {
	for _, n := range []int{1, 2, 3, 10, 255, 256} {
		var src, dst localQueue
		var inject sched.Inject
		ts := testTasks(t, n)
		for _, nt := range ts {
			src.pushBackOrOverflow(nt, &inject)
		}
		got, count, ok := src.stealInto(&dst)
		want := n - n/2
		if want > localHalf {
			want = localHalf
		}
		if !ok || count != want {
			t.Fatalf("n=%d: stole %d ok %v, want %d", n, count, ok, want)
		}
		if got.ID() != ts[want-1].ID() {
			t.Fatalf("n=%d: returned %v, want the last stolen %v", n, got.ID(), ts[want-1].ID())
		}
		if dst.len() != want-1 || src.len() != n-want {
			t.Fatalf("n=%d: dst %d src %d", n, dst.len(), src.len())
		}
		for i := 0; i < want-1; i++ {
			m, _ := dst.pop()
			if m.ID() != ts[i].ID() {
				t.Fatalf("n=%d: dst %d got %v want %v", n, i, m.ID(), ts[i].ID())
			}
		}
		for i := want; i < n; i++ {
			m, _ := src.pop()
			if m.ID() != ts[i].ID() {
				t.Fatalf("n=%d: src %d got %v want %v", n, i, m.ID(), ts[i].ID())
			}
		}
	}
}

func TestStealRefusesWhenThiefHalfFull(t *testing.T) {
	var src, dst localQueue
	var inject sched.Inject
	for _, n := range testTasks(t, localHalf+1) {
		dst.pushBackOrOverflow(n, &inject)
	}
	for _, n := range testTasks(t, 10) {
		src.pushBackOrOverflow(n, &inject)
	}
	if _, _, ok := src.stealInto(&dst); ok {
		t.Fatal("a thief more than half full stole")
	}
	var empty localQueue
	if _, _, ok := empty.stealInto(&dst); ok {
		t.Fatal("stole from an empty queue")
	}
}

// The owner pushes and pops while thieves steal concurrently: every task is
// seen exactly once, by the owner or by one thief.
func TestLocalQueueConcurrentSteal(t *testing.T) {
	const total = 20000
	const thieves = 3
	ts := testTasks(t, total)
	var src localQueue
	var inject sched.Inject
	seen := make([]atomic.Int32, total)
	index := make(map[task.ID]int, total)
	for i, n := range ts {
		index[n.ID()] = i
	}
	mark := func(n task.Notified) { seen[index[n.ID()]].Add(1) }
	var done atomic.Bool
	var wg sync.WaitGroup
	for range thieves {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var dst localQueue
			for !done.Load() || !src.isEmpty() {
				if n, _, ok := src.stealInto(&dst); ok {
					mark(n)
					for {
						m, ok := dst.pop()
						if !ok {
							break
						}
						mark(m)
					}
				}
			}
		}()
	}
	for i, n := range ts {
		src.pushBackOrOverflow(n, &inject)
		if i%3 == 0 {
			if m, ok := src.pop(); ok {
				mark(m)
			}
		}
	}
	done.Store(true)
	for {
		m, ok := src.pop()
		if !ok {
			break
		}
		mark(m)
	}
	wg.Wait()
	for {
		m, ok := inject.Pop()
		if !ok {
			break
		}
		mark(m)
	}
	for i := range seen {
		if c := seen[i].Load(); c != 1 {
			t.Fatalf("task %d seen %d times", i, c)
		}
	}
}

// FuzzLocalQueue drives the ring (owner pushes and pops, thief steals) and a
// plain slice model with the same operations and compares them after each.
func FuzzLocalQueue(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 2, 1, 1})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 1, 1, 1})
	f.Add(make([]byte, 300))
	pool := testTasks(f, 2*localCap+300)
	f.Fuzz(func(t *testing.T, ops []byte) {
		var q, thief localQueue
		var inject sched.Inject
		var model, thiefModel, injectModel []task.ID
		next := 0
		for _, op := range ops {
			switch op % 3 {
			case 0: // push
				if next >= len(pool) {
					continue
				}
				n := pool[next]
				next++
				over := q.pushBackOrOverflow(n, &inject)
				if len(model) == localCap {
					if !over {
						t.Fatal("full queue did not overflow")
					}
					injectModel = append(injectModel, model[localHalf:]...)
					injectModel = append(injectModel, n.ID())
					model = append([]task.ID(nil), model[:localHalf]...)
				} else {
					if over {
						t.Fatal("overflow below capacity")
					}
					model = append(model, n.ID())
				}
			case 1: // pop
				n, ok := q.pop()
				if ok != (len(model) > 0) {
					t.Fatalf("pop ok=%v with model len %d", ok, len(model))
				}
				if ok {
					if n.ID() != model[0] {
						t.Fatalf("pop %v want %v", n.ID(), model[0])
					}
					model = model[1:]
				}
			case 2: // steal into the (emptied) thief
				for {
					if _, ok := thief.pop(); !ok {
						break
					}
				}
				thiefModel = thiefModel[:0]
				n, count, ok := q.stealInto(&thief)
				want := len(model) - len(model)/2
				if ok != (want > 0) || (ok && count != want) {
					t.Fatalf("steal ok=%v count=%d want %d", ok, count, want)
				}
				if ok {
					if n.ID() != model[want-1] {
						t.Fatalf("stolen task %v want %v", n.ID(), model[want-1])
					}
					thiefModel = append(thiefModel, model[:want-1]...)
					model = model[want:]
					for _, id := range thiefModel {
						m, _ := thief.pop()
						if m.ID() != id {
							t.Fatalf("thief has %v want %v", m.ID(), id)
						}
					}
				}
			}
			if q.len() != len(model) {
				t.Fatalf("len %d model %d", q.len(), len(model))
			}
		}
		for _, id := range injectModel {
			n, ok := inject.Pop()
			if !ok || n.ID() != id {
				t.Fatalf("inject got %v want %v", n.ID(), id)
			}
		}
	})
}

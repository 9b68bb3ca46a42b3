package currentthread

import (
	"slices"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type listSched struct{ o *task.OwnedTasks }

func (s *listSched) Schedule(n task.Notified)       { n.Drop() }
func (s *listSched) Yield(n task.Notified)          { n.Drop() }
func (s *listSched) Release(t task.Task) bool       { return s.o.Remove(t) }
func (s *listSched) Hooks() *task.Hooks             { return nil }
func (s *listSched) UnhandledPanic(*task.JoinError) {}

func ids(q *task.Queue) []task.ID {
	var out []task.ID
	for {
		n, ok := q.Pop()
		if !ok {
			return out
		}
		out = append(out, n.ID())
		n.Drop()
	}
}

// TestPopAtRemovesFromAnyPositionAndKeepsTheOrder is the simulation's pick:
// it takes the task at any position, keeps the others in order, and keeps
// the queue's tail right.
func TestPopAtRemovesFromAnyPositionAndKeepsTheOrder(t *testing.T) {
	s := &listSched{o: task.NewOwnedTasks(1)}
	var ns []task.Notified
	for range 8 {
		jh, n, ok := task.Bind(s.o, future.Pending[int](), s, task.Options{})
		if !ok {
			t.Fatal("Bind on an open list failed")
		}
		jh.Detach()
		ns = append(ns, n)
	}
	var q task.Queue
	for _, n := range ns[:5] {
		q.Push(n)
	}
	order := []int{2, 3, 0, 1, 0} // positions in the shrinking queue
	want := []task.ID{ns[2].ID(), ns[4].ID(), ns[0].ID(), ns[3].ID(), ns[1].ID()}
	var taken []task.Notified
	for k, pos := range order {
		n, ok := popAt(&q, pos)
		if !ok || n.ID() != want[k] {
			t.Fatalf("popAt(%d) #%d: got %v ok %v, want %v", pos, k, n.ID(), ok, want[k])
		}
		taken = append(taken, n)
	}
	if q.Len() != 0 {
		t.Fatalf("queue holds %d", q.Len())
	}
	if _, ok := popAt(&q, 0); ok {
		t.Fatal("popAt on an empty queue")
	}
	if _, ok := popAt(&q, -1); ok {
		t.Fatal("popAt(-1)")
	}
	// The tail stays right after removing the last element.
	q.Push(ns[5])
	q.Push(ns[6])
	if n, _ := popAt(&q, 1); n.ID() != ns[6].ID() {
		t.Fatal("popAt(1) did not take the tail")
	}
	q.Push(ns[7])
	if got := ids(&q); !slices.Equal(got, []task.ID{ns[5].ID(), ns[7].ID()}) {
		t.Fatalf("after removing the tail the queue is %v", got)
	}
	s.o.CloseAndShutdownAll(0, nil)
	for _, n := range append(taken, ns[6]) {
		n.Drop()
	}
}

package task_test

import (
	"slices"
	"testing"

	"github.com/weftrt/weft/task"
)

// bindN binds n pending tasks to a fresh list without queueing them, and
// returns their Notifieds, handles and the list.
func bindN(t *testing.T, n int) ([]task.Notified, []*task.JoinHandle[int], *testSched) {
	t.Helper()
	s := newTestSched(t, 1)
	var ns []task.Notified
	var jhs []*task.JoinHandle[int]
	for range n {
		jh, nt, ok := task.Bind(s.owned, &gateFuture{}, s, task.Options{})
		if !ok {
			t.Fatal("Bind failed")
		}
		ns = append(ns, nt)
		jhs = append(jhs, jh)
	}
	return ns, jhs, s
}

func ids(ns []task.Notified) []task.ID {
	var out []task.ID
	for _, n := range ns {
		out = append(out, n.ID())
	}
	return out
}

func drain(q *task.Queue) []task.Notified {
	var out []task.Notified
	for {
		n, ok := q.Pop()
		if !ok {
			return out
		}
		out = append(out, n)
	}
}

func TestZeroQueueIsEmpty(t *testing.T) {
	var q task.Queue
	if q.Len() != 0 {
		t.Fatal("zero Queue not empty")
	}
	if n, ok := q.Pop(); ok || !n.IsZero() {
		t.Fatal("Pop of an empty queue returned a task")
	}
	var o task.Queue
	q.Append(&o)
	q.DropAll()
	if q.Len() != 0 {
		t.Fatal("empty operations changed the queue")
	}
}

func TestQueueIsFIFO(t *testing.T) {
	ns, _, s := bindN(t, 5)
	var q task.Queue
	for i, n := range ns {
		q.Push(n)
		if q.Len() != i+1 {
			t.Fatalf("Len %d after %d pushes", q.Len(), i+1)
		}
	}
	got := drain(&q)
	if !slices.Equal(ids(got), ids(ns)) || q.Len() != 0 {
		t.Fatalf("popped %v, want %v", ids(got), ids(ns))
	}
	// Interleaved pushes and pops keep the order, and a popped task can be
	// pushed again.
	q.Push(got[0])
	q.Push(got[1])
	a, _ := q.Pop()
	q.Push(a)
	q.Push(got[2])
	if rest := ids(drain(&q)); !slices.Equal(rest, []task.ID{ns[1].ID(), ns[0].ID(), ns[2].ID()}) {
		t.Fatalf("interleaved order %v", rest)
	}
	for _, n := range got {
		s.push(n)
	}
	s.Shutdown(0, nil)
}

func TestQueueAppend(t *testing.T) {
	ns, _, s := bindN(t, 6)
	var a, b task.Queue
	for _, n := range ns[:2] {
		a.Push(n)
	}
	for _, n := range ns[2:] {
		b.Push(n)
	}
	a.Append(&b)
	if a.Len() != 6 || b.Len() != 0 {
		t.Fatalf("Len after Append: %d, %d", a.Len(), b.Len())
	}
	if n, ok := b.Pop(); ok || !n.IsZero() {
		t.Fatal("Append left tasks in the source queue")
	}
	// Append into an empty queue, and of an empty queue.
	var c task.Queue
	c.Append(&a)
	c.Append(&b)
	got := drain(&c)
	if !slices.Equal(ids(got), ids(ns)) {
		t.Fatalf("order after Append %v, want %v", ids(got), ids(ns))
	}
	// The source queue is reusable.
	b.Push(got[0])
	if n, ok := b.Pop(); !ok || n.ID() != ns[0].ID() {
		t.Fatal("source queue not reusable after Append")
	}
	for _, n := range got {
		s.push(n)
	}
	s.Shutdown(0, nil)
}

// TestQueueDropAllReleasesReferences: DropAll drops every queued Notified's
// reference, which is what a scheduler does at shutdown.
func TestQueueDropAllReleasesReferences(t *testing.T) {
	ns, jhs, s := bindN(t, 4)
	var q task.Queue
	for _, n := range ns {
		q.Push(n)
	}
	s.owned.CloseAndShutdownAll(0, nil) // list references gone
	for _, jh := range jhs {
		if r := refs(jh); r != 2 {
			t.Fatalf("refs before DropAll %d, want 2 (Notified and JoinHandle)", r)
		}
	}
	q.DropAll()
	if q.Len() != 0 {
		t.Fatal("DropAll left tasks")
	}
	for _, jh := range jhs {
		if r := refs(jh); r != 1 {
			t.Fatalf("refs after DropAll %d, want 1 (JoinHandle)", r)
		}
		joinCancelled(t, jh)
	}
}

func TestQueuePushPopDoNotAllocate(t *testing.T) {
	ns, _, s := bindN(t, 3)
	var q task.Queue
	allocs := testing.AllocsPerRun(100, func() {
		for _, n := range ns {
			q.Push(n)
		}
		var o task.Queue
		o.Append(&q)
		for range ns {
			o.Pop()
		}
	})
	if allocs != 0 {
		t.Fatalf("Push/Append/Pop allocated %.1f times per run", allocs)
	}
	for _, n := range ns {
		s.push(n)
	}
	s.Shutdown(0, nil)
}

// TestNotifiedAccessors: a Notified reports its task, and the zero Notified
// none.
func TestNotifiedAccessors(t *testing.T) {
	ns, jhs, s := bindN(t, 1)
	n := ns[0]
	if n.IsZero() || n.ID() != jhs[0].ID() || n.Header() != task.HeaderOf(jhs[0]) {
		t.Fatal("Notified does not refer to its task")
	}
	var z task.Notified
	if !z.IsZero() {
		t.Fatal("zero Notified not zero")
	}
	z.Drop() // no-op
	s.push(n)
	s.RunUntilIdle()
	s.Shutdown(0, nil)
}

package task_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// drivenSched is a scheduler whose list is driven (NewDrivenOwnedTasks):
// the test says who is the driver with onDriver, and runs the queued tasks
// itself with run, through Take, as the current-thread scheduler does.
type drivenSched struct {
	owned    *task.OwnedTasks
	onDriver bool
	queue    task.Queue
}

func newDrivenSched() *drivenSched {
	s := &drivenSched{onDriver: true}
	s.owned = task.NewDrivenOwnedTasks(func() bool { return s.onDriver })
	return s
}

func (s *drivenSched) Schedule(n task.Notified)       { s.queue.Push(n) }
func (s *drivenSched) Yield(n task.Notified)          { s.queue.Push(n) }
func (s *drivenSched) Release(t task.Task) bool       { return s.owned.Remove(t) }
func (s *drivenSched) Hooks() *task.Hooks             { return nil }
func (s *drivenSched) UnhandledPanic(*task.JoinError) {}

// spawnDriven binds f with the caller on the driver or not, and queues it.
func spawnDriven[T any](s *drivenSched, onDriver bool, f future.Future[T]) *task.JoinHandle[T] {
	s.onDriver = onDriver
	defer func() { s.onDriver = true }()
	jh, n, ok := task.Bind[future.Future[T], T](s.owned, f, s, task.Options{})
	if ok {
		s.queue.Push(n)
	}
	return jh
}

// run runs every queued task once, on the driver.
func (s *drivenSched) run() {
	cx := future.NewContext(future.Waker{})
	for {
		n, ok := s.queue.Pop()
		if !ok {
			return
		}
		if ln, ok := s.owned.Take(n); ok {
			ln.Run(cx)
		}
	}
}

func (s *drivenSched) ids() []task.ID {
	var ids []task.ID
	s.owned.Each(func(h *task.Header) { ids = append(ids, h.ID()) })
	slices.Sort(ids)
	return ids
}

// wantCancelled checks that jh reports a cancellation caused by cause.
func wantCancelled[T any](t *testing.T, jh *task.JoinHandle[T], cause error) {
	t.Helper()
	_, err := jh.BlockingJoin(context.Background())
	var je *task.JoinError
	if !errors.As(err, &je) || !je.IsCancelled() || !errors.Is(je.Cause(), cause) {
		t.Fatalf("join: %v, want a cancellation caused by %v", err, cause)
	}
}

// A task spawned on the driver is linked at once; one spawned elsewhere is
// counted at once but linked only when the driver takes it (D2 in
// owned_driven.go), with the list's binding from then on.
func TestDrivenOwnedTasksLinkOffDriverSpawnsWhenTaken(t *testing.T) {
	s := newDrivenSched()
	o := s.owned
	local := spawnDriven(s, true, future.Pending[int]())
	remote := spawnDriven(s, false, future.Pending[int]())
	if o.Len() != 2 || o.Spawned() != 2 {
		t.Fatalf("Len %d Spawned %d after two spawns, want 2 2", o.Len(), o.Spawned())
	}
	if got := s.ids(); !slices.Equal(got, []task.ID{local.ID()}) {
		t.Fatalf("linked before the driver took them: %v, want only %v", got, local.ID())
	}
	if task.HeaderOf(remote).OwnerID() != 0 || task.HeaderOf(local).OwnerID() != o.ID() {
		t.Fatal("owner ids: want 0 for the pending task, the list's for the linked one")
	}
	s.run()
	want := []task.ID{local.ID(), remote.ID()}
	slices.Sort(want)
	if got := s.ids(); !slices.Equal(got, want) || task.HeaderOf(remote).OwnerID() != o.ID() {
		t.Fatalf("after the driver took them: linked %v, want %v", got, want)
	}
	local.Abort()
	remote.Abort()
	s.run()
	if o.Len() != 0 || o.Spawned() != 2 || len(s.ids()) != 0 {
		t.Fatalf("after both completed: Len %d Spawned %d linked %v", o.Len(), o.Spawned(), s.ids())
	}
}

// A pending task that its scheduler could not queue is cancelled by
// CancelPending and no longer counted (D3).
func TestDrivenOwnedTasksCancelPendingReportsTheCause(t *testing.T) {
	s := newDrivenSched()
	cause := errors.New("refused")
	s.onDriver = false
	jh, n, ok := task.Bind[future.Future[int], int](s.owned, future.Pending[int](), s, task.Options{})
	s.onDriver = true
	if !ok {
		t.Fatal("bind on an open list refused")
	}
	s.owned.CancelPending(n, cause)
	wantCancelled(t, jh, cause)
	if s.owned.Len() != 0 || s.owned.Spawned() != 0 {
		t.Fatalf("Len %d Spawned %d after the cancel, want 0 0", s.owned.Len(), s.owned.Spawned())
	}
}

// The shutdown links the pending tasks still queued (BindPendingIn) before
// it closes the list, so that the close cancels them with the rest; after
// the close, spawns on and off the driver are refused and cancelled.
func TestDrivenOwnedTasksCloseCancelsQueuedPendingTasks(t *testing.T) {
	s := newDrivenSched()
	cause := errors.New("shut down")
	idle := spawnDriven(s, true, future.Pending[int]())
	s.run() // idle now waits, linked and in no queue
	queued := spawnDriven(s, false, future.Pending[int]())
	s.owned.BindPendingIn(&s.queue)
	if len(s.ids()) != 2 {
		t.Fatalf("linked %v, want both tasks", s.ids())
	}
	s.owned.CloseAndShutdownAllInOrder(cause)
	s.queue.DropAll()
	wantCancelled(t, idle, cause)
	wantCancelled(t, queued, cause)
	for _, onDriver := range []bool{true, false} {
		jh := spawnDriven(s, onDriver, future.Pending[int]())
		wantCancelled(t, jh, cause)
	}
	if s.owned.Len() != 0 || !s.owned.IsClosed() || s.queue.Len() != 0 {
		t.Fatalf("after the close: Len %d closed %v queued %d", s.owned.Len(), s.owned.IsClosed(), s.queue.Len())
	}
}

// A pending task that the driver takes after the list closed is cancelled
// with the close's cause, not run.
func TestDrivenOwnedTasksTakeAfterCloseCancels(t *testing.T) {
	s := newDrivenSched()
	cause := errors.New("closed")
	ran := false
	jh := spawnDriven(s, false, future.PollFunc(func(*future.Context) (int, bool) { ran = true; return 1, true }))
	s.owned.CloseAndShutdownAllInOrder(cause)
	s.run()
	wantCancelled(t, jh, cause)
	if ran || s.owned.Len() != 0 {
		t.Fatalf("ran %v Len %d: want a cancelled task that never ran", ran, s.owned.Len())
	}
}

func TestNewDrivenOwnedTasksNilPanics(t *testing.T) {
	if v := mustPanic(t, func() { task.NewDrivenOwnedTasks(nil) }); panicText(v) != "task: NewDrivenOwnedTasks with a nil onDriver" {
		t.Fatalf("panic %v", v)
	}
}

// abortOnTrace is a pending future whose String, which a dump calls while it
// holds the task, aborts the task.
type abortOnTrace struct{ abort func() }

func (abortOnTrace) Poll(*future.Context) (int, bool) { return 0, false }
func (a abortOnTrace) String() string                 { a.abort(); return "abortOnTrace" }

// A task that a dumper off the driver holds when it is aborted completes on
// the dumper's goroutine: its Remove leaves the list alone, and the driver
// unlinks it at its next walk (D5); the counters do not count it meanwhile.
func TestDrivenOwnedTasksTaskCompletedOffTheDriverIsUnlinkedByTheDriver(t *testing.T) {
	s := newDrivenSched()
	var jh *task.JoinHandle[int]
	jh = spawnDriven(s, true, future.Future[int](abortOnTrace{abort: func() { jh.Abort() }}))
	s.run() // idle now
	s.onDriver = false
	if _, _, r := task.HeaderOf(jh).Trace(jh.ID()); r != task.TraceIdle {
		t.Fatalf("Trace status %v, want idle", r)
	}
	s.onDriver = true
	wantCancelled(t, jh, nil)
	if s.owned.Len() != 0 {
		t.Fatalf("Len %d once the task completed, want 0", s.owned.Len())
	}
	if ids := s.ids(); len(ids) != 0 {
		t.Fatalf("linked after the driver's walk: %v", ids)
	}
	if s.owned.Len() != 0 || s.owned.Spawned() != 1 {
		t.Fatalf("Len %d Spawned %d after the walk, want 0 1", s.owned.Len(), s.owned.Spawned())
	}
}

// dropRecorder is a pending future that records its Drop.
type dropRecorder struct {
	i   int
	out *[]int
}

func (d *dropRecorder) Poll(*future.Context) (int, bool) { return 0, false }
func (d *dropRecorder) Drop()                            { *d.out = append(*d.out, d.i) }

// The close shuts tasks down in spawn (ID) order, even when the driver
// linked the tasks spawned elsewhere in another order, so that a
// simulation's shutdown does not depend on the order its driver took them.
func TestDrivenOwnedTasksCloseInSpawnOrder(t *testing.T) {
	s := newDrivenSched()
	var dropped []int
	for i := range 4 {
		spawnDriven(s, false, future.Future[int](&dropRecorder{i: i, out: &dropped})).Detach()
	}
	var reversed task.Queue
	var ns []task.Notified
	for n, ok := s.queue.Pop(); ok; n, ok = s.queue.Pop() {
		ns = append(ns, n)
	}
	for _, n := range slices.Backward(ns) {
		reversed.Push(n)
	}
	s.owned.BindPendingIn(&reversed) // linked 3, 2, 1, 0
	s.owned.CloseAndShutdownAllInOrder(errors.New("closed"))
	reversed.DropAll()
	if !slices.Equal(dropped, []int{0, 1, 2, 3}) {
		t.Fatalf("dropped in order %v, want spawn order 0 1 2 3", dropped)
	}
}

// A task spawned off the driver that completes in the poll of its first
// Take is never linked: Take keeps it in the list's running slot and Remove
// only empties the slot (D6). The counters and the references are those of
// a linked task: it is counted until it completes, and its cell is freed.
func TestDrivenOwnedTasksTaskCompletingInItsFirstPollIsNeverLinked(t *testing.T) {
	s := newDrivenSched()
	o := s.owned
	var lenDuring, linkedDuring int
	jh := spawnDriven(s, false, future.PollFunc(func(*future.Context) (int, bool) {
		lenDuring, linkedDuring = o.Len(), o.Linked()
		return 5, true
	}))
	s.run()
	if lenDuring != 1 || linkedDuring != 0 {
		t.Fatalf("during the first poll: Len %d linked %d, want 1 0", lenDuring, linkedDuring)
	}
	if o.Len() != 0 || o.Linked() != 0 || o.Spawned() != 1 || len(s.ids()) != 0 {
		t.Fatalf("after completion: Len %d linked %d Spawned %d walk %v", o.Len(), o.Linked(), o.Spawned(), s.ids())
	}
	if v, err := jh.BlockingJoin(context.Background()); err != nil || v != 5 {
		t.Fatalf("join = (%d, %v), want (5, nil)", v, err)
	}
	if st := task.HeaderOf(jh).State(); st.RefCount() != 0 {
		t.Fatalf("state %v after the join: the list's reference was not dropped", st)
	}
}

// A task spawned off the driver whose first poll returns Pending stays in
// the running slot until the driver needs the list: the next Take of a
// pending task, a walk or the close link it (D6), and its later completion
// unlinks it like any other.
func TestDrivenOwnedTasksPendingAfterItsFirstPollIsLinkedWhenTheListIsNeeded(t *testing.T) {
	s := newDrivenSched()
	o := s.owned
	a := spawnDriven(s, false, future.Pending[int]())
	s.run()
	if o.Linked() != 0 || o.Len() != 1 {
		t.Fatalf("after a's first poll: linked %d Len %d, want 0 1", o.Linked(), o.Len())
	}
	b := spawnDriven(s, false, future.Pending[int]())
	s.run() // taking b links a
	if o.Linked() != 1 || o.Len() != 2 {
		t.Fatalf("after b's first poll: linked %d Len %d, want 1 2", o.Linked(), o.Len())
	}
	want := []task.ID{a.ID(), b.ID()}
	slices.Sort(want)
	if got := s.ids(); !slices.Equal(got, want) || o.Linked() != 2 {
		t.Fatalf("walk %v (linked %d), want %v, both linked", got, o.Linked(), want)
	}
	b.Abort()
	s.run()
	if got := s.ids(); !slices.Equal(got, []task.ID{a.ID()}) || o.Len() != 1 {
		t.Fatalf("after b's abort: walk %v Len %d, want [%v] 1", got, o.Len(), a.ID())
	}
	c := spawnDriven(s, false, future.Pending[int]())
	s.run() // c stays in the slot: the close must find it
	cause := errors.New("closed")
	o.CloseAndShutdownAllInOrder(cause)
	wantCancelled(t, a, cause)
	wantCancelled(t, c, cause)
	wantCancelled(t, b, nil)
	if o.Len() != 0 || o.Linked() != 0 {
		t.Fatalf("after the close: Len %d linked %d", o.Len(), o.Linked())
	}
}

// A walk or a close from inside the first poll of a task spawned off the
// driver (a dump or a shutdown from inside that task) sees the running
// task, as it did when Take linked it (D6).
func TestDrivenOwnedTasksWalkAndCloseDuringTheFirstPollSeeTheRunningTask(t *testing.T) {
	s := newDrivenSched()
	cause := errors.New("closed inside")
	var walked []task.ID
	jh := spawnDriven(s, false, future.PollFunc(func(*future.Context) (int, bool) {
		walked = s.ids()
		s.owned.CloseAndShutdownAllInOrder(cause)
		return 0, false
	}))
	s.run()
	if !slices.Equal(walked, []task.ID{jh.ID()}) {
		t.Fatalf("walk from inside the first poll: %v, want [%v]", walked, jh.ID())
	}
	wantCancelled(t, jh, nil) // cancelled when its poll returned Pending; a running task's cancellation carries no cause, as before D6
	if s.owned.Len() != 0 || s.owned.Linked() != 0 {
		t.Fatalf("after the close: Len %d linked %d", s.owned.Len(), s.owned.Linked())
	}
}

package task_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/task"
)

// TestOwnedTasksShardCount checks the documented rule: the next power of two
// at or above four times the workers, at most 65536 (Tokio's rule).
func TestOwnedTasksShardCount(t *testing.T) {
	for _, tc := range []struct{ workers, shards int }{
		{-3, 4}, {0, 4}, {1, 4}, {2, 8}, {3, 16}, {4, 16}, {5, 32}, {8, 32},
		{9, 64}, {12, 64}, {16, 64}, {100, 512}, {1 << 14, 1 << 16}, {1<<14 + 1, 1 << 16}, {1 << 20, 1 << 16},
	} {
		if got := task.NewOwnedTasks(tc.workers).ShardCount(); got != tc.shards {
			t.Errorf("NewOwnedTasks(%d).ShardCount() = %d, want %d", tc.workers, got, tc.shards)
		}
	}
	// And the rule itself, for every worker count up to 128.
	for w := 1; w <= 128; w++ {
		want := 1
		for want < 4*w {
			want <<= 1
		}
		if got := task.NewOwnedTasks(w).ShardCount(); got != want {
			t.Fatalf("NewOwnedTasks(%d).ShardCount() = %d, want %d", w, got, want)
		}
	}
}

func TestOwnedTasksIDsAreDistinct(t *testing.T) {
	a, b, l := task.NewOwnedTasks(1), task.NewOwnedTasks(1), task.NewLocalOwnedTasks()
	if a.ID() == 0 || a.ID() == b.ID() || l.ID() == a.ID() || l.ID() == b.ID() {
		t.Fatalf("owner ids %d %d %d", a.ID(), b.ID(), l.ID())
	}
}

func TestOwnedTasksBindAndRemove(t *testing.T) {
	s := newTestSched(t, 2)
	o := s.owned
	if !o.IsEmpty() || o.Len() != 0 || o.Spawned() != 0 || o.IsClosed() {
		t.Fatal("new list not empty")
	}
	g := &gateFuture{}
	jh := spawn(s, g)
	jh2 := spawn(s, future.Ready(2))
	if o.Len() != 2 || o.IsEmpty() || o.Spawned() != 2 {
		t.Fatalf("Len %d Spawned %d after two binds", o.Len(), o.Spawned())
	}
	if owner := task.HeaderOf(jh).OwnerID(); owner != o.ID() {
		t.Fatalf("task OwnerID %d, list ID %d", owner, o.ID())
	}
	var ids []task.ID
	o.Each(func(h *task.Header) { ids = append(ids, h.ID()) })
	slices.Sort(ids)
	if !slices.Equal(ids, []task.ID{jh.ID(), jh2.ID()}) {
		t.Fatalf("Each visited %v, want %v and %v", ids, jh.ID(), jh2.ID())
	}
	s.RunUntilIdle()
	if o.Len() != 1 || o.Spawned() != 2 {
		t.Fatalf("after one completion: Len %d Spawned %d", o.Len(), o.Spawned())
	}
	g.Open()
	s.RunUntilIdle()
	if !o.IsEmpty() || s.releases.Load() != 2 || s.removed.Load() != 2 {
		t.Fatalf("after both: Len %d, releases %d, removed %d", o.Len(), s.releases.Load(), s.removed.Load())
	}
	jh.Detach()
	jh2.Detach()
}

// TestBindAfterCloseCancelsWithCause: a task bound to a closed list is shut
// down inside Bind, its handle reports a cancellation with the close's cause,
// nothing is queued, and OnSpawn runs after OnTerminate.
func TestBindAfterCloseCancelsWithCause(t *testing.T) {
	s := newTestSched(t, 1)
	var events []string
	s.hooks = &task.Hooks{
		OnSpawn:     func(task.Meta) { events = append(events, "spawn") },
		OnTerminate: func(task.Meta) { events = append(events, "terminate") },
		BeforePoll:  func(task.Meta) { events = append(events, "poll") },
	}
	cause := errors.New("runtime closed")
	s.Shutdown(0, cause)
	if !s.owned.IsClosed() {
		t.Fatal("list not closed")
	}
	g := &gateFuture{}
	jh, n, ok := task.Bind(s.owned, g, s, task.Options{})
	if ok || !n.IsZero() {
		t.Fatalf("Bind on a closed list: ok %v, Notified zero %v", ok, n.IsZero())
	}
	if !jh.IsFinished() || g.polls != 0 || g.drops != 1 {
		t.Fatalf("finished %v, polls %d, drops %d; want true, 0, 1", jh.IsFinished(), g.polls, g.drops)
	}
	if !slices.Equal(events, []string{"terminate", "spawn"}) {
		t.Fatalf("hook order %v, want [terminate spawn]", events)
	}
	if s.owned.Len() != 0 || s.owned.Spawned() != 0 || s.releases.Load() != 1 || s.removed.Load() != 0 {
		t.Fatalf("Len %d Spawned %d releases %d removed %d", s.owned.Len(), s.owned.Spawned(), s.releases.Load(), s.removed.Load())
	}
	if r := refs(jh); r != 1 {
		t.Fatalf("refs %d, want 1 (the JoinHandle's)", r)
	}
	je := joinCancelled(t, jh)
	if je.Cause() != cause || !errors.Is(je, cause) {
		t.Fatalf("Cause %v, want %v", je.Cause(), cause)
	}
	if refs(jh) != 0 {
		t.Fatalf("refs %d after Join", refs(jh))
	}
}

// TestCloseAndShutdownAllCancelsEveryTask: idle and queued tasks are cancelled
// on the spot, the queued Notifieds are dropped by the scheduler, and every
// reference goes once the handles let go.
func TestCloseAndShutdownAllCancelsEveryTask(t *testing.T) {
	s := newTestSched(t, 4)
	const n = 100
	var gates []*gateFuture
	var jhs []*task.JoinHandle[int]
	for i := range n {
		g := &gateFuture{}
		gates = append(gates, g)
		jhs = append(jhs, spawn(s, g))
		if i == n/2 {
			s.RunUntilIdle() // half idle, half still queued
		}
	}
	if s.owned.Len() != n {
		t.Fatalf("Len %d", s.owned.Len())
	}
	cause := errors.New("bye")
	s.Shutdown(3, cause)
	if !s.owned.IsEmpty() || s.QueueLen() != 0 {
		t.Fatalf("after shutdown: Len %d, queue %d", s.owned.Len(), s.QueueLen())
	}
	for i, jh := range jhs {
		if gates[i].drops != 1 {
			t.Fatalf("task %d: future dropped %d times", i, gates[i].drops)
		}
		if je := joinCancelled(t, jh); je.Cause() != cause {
			t.Fatalf("task %d: cause %v", i, je.Cause())
		}
		if refs(jh) != 0 {
			t.Fatalf("task %d: refs %d", i, refs(jh))
		}
	}
	// A second close changes nothing and keeps the first cause.
	s.owned.CloseAndShutdownAll(0, errors.New("second"))
	jh := spawn(s, &gateFuture{})
	if je := joinCancelled(t, jh); je.Cause() != cause {
		t.Fatalf("cause after a second close: %v, want the first", je.Cause())
	}
}

// TestCloseAndShutdownAllConcurrentStarts: workers of one runtime close the
// same list at once from different shards; each task is shut down exactly
// once.
func TestCloseAndShutdownAllConcurrentStarts(t *testing.T) {
	s := newTestSched(t, 4)
	const n = 500
	var gates []*gateFuture
	var jhs []*task.JoinHandle[int]
	for range n {
		g := &gateFuture{}
		gates = append(gates, g)
		jhs = append(jhs, spawn(s, g))
	}
	s.RunUntilIdle()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() { s.owned.CloseAndShutdownAll(w*5, nil) })
	}
	wg.Wait()
	for i, jh := range jhs {
		joinCancelled(t, jh)
		if gates[i].drops != 1 || refs(jh) != 0 {
			t.Fatalf("task %d: drops %d refs %d", i, gates[i].drops, refs(jh))
		}
	}
}

// TestShutdownWhileRunningCancelsAtPollEnd: a task that is being polled when
// its list closes is cancelled by its poller when the poll returns Pending.
// Its cause comes from the scheduler's CancelCause method when it has one
// (the harness asks for it); without one the cause is nil.
func TestShutdownWhileRunningCancelsAtPollEnd(t *testing.T) {
	cause := errors.New("closing")
	for _, withCause := range []bool{false, true} {
		s := newTestSched(t, 1)
		if withCause {
			s.withCancelCause()
		}
		g := &gateFuture{}
		var stateAfterClose task.Snapshot
		g.onPoll = func(cx *future.Context) {
			s.Shutdown(0, cause)
			stateAfterClose = futurecx.WakerTarget(cx.Waker()).(*task.Header).State()
		}
		jh := spawn(s, g)
		s.RunUntilIdle()
		if !stateAfterClose.IsRunning() || !stateAfterClose.IsCancelled() || stateAfterClose.RefCount() != 2 {
			t.Errorf("state after close inside the poll: %v, want RUNNING|CANCELLED with refs=2", stateAfterClose)
		}
		je := joinCancelled(t, jh)
		wantCause := error(nil)
		if withCause {
			wantCause = cause
		}
		if je.Cause() != wantCause {
			t.Errorf("withCancelCause=%v: Cause %v, want %v", withCause, je.Cause(), wantCause)
		}
		if g.drops != 1 || refs(jh) != 0 || s.owned.Len() != 0 {
			t.Errorf("drops %d refs %d Len %d", g.drops, refs(jh), s.owned.Len())
		}
	}
}

// TestShutdownDuringReadyPollKeepsOutput: if the running poll returns Ready the
// task completes normally even though its list closed meanwhile.
func TestShutdownDuringReadyPollKeepsOutput(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{open: true, value: 8}
	g.onPoll = func(*future.Context) { s.Shutdown(0, nil) }
	jh := spawn(s, g)
	s.RunUntilIdle()
	if v, err := jh.BlockingJoin(context.Background()); err != nil || v != 8 {
		t.Fatalf("Join = (%d, %v), want (8, nil)", v, err)
	}
	if refs(jh) != 0 {
		t.Fatalf("refs %d", refs(jh))
	}
}

func TestRemoveOfForeignTaskPanics(t *testing.T) {
	for _, local := range []bool{false, true} {
		var s *testSched
		if local {
			s = newLocalTestSched(t)
		} else {
			s = newTestSched(t, 1)
		}
		otherOwned, otherLocal := task.NewOwnedTasks(1), task.NewLocalOwnedTasks()
		var panics []string
		s.onRelease = func(tk task.Task) {
			for _, remove := range []func(task.Task) bool{otherOwned.Remove, otherLocal.Remove} {
				func() {
					defer func() { panics = append(panics, panicText(recover())) }()
					remove(tk)
				}()
			}
		}
		jh := spawn(s, future.Ready(1))
		s.RunUntilIdle()
		want := "task: Remove of a task that belongs to another list"
		if len(panics) != 2 || panics[0] != want || panics[1] != want {
			t.Fatalf("local=%v: Remove of a foreign task panicked with %q, want %q twice", local, panics, want)
		}
		// The real list still removed it.
		if s.ListLen() != 0 || s.removed.Load() != 1 {
			t.Fatalf("local=%v: Len %d removed %d", local, s.ListLen(), s.removed.Load())
		}
		jh.Detach()
	}
}

func TestAssertOwnerOfForeignTaskPanics(t *testing.T) {
	s := newTestSched(t, 1)
	jh, n, ok := task.Bind(s.owned, future.Ready(1), s, task.Options{})
	if !ok {
		t.Fatal("Bind failed")
	}
	for name, assert := range map[string]func(task.Notified) task.LocalNotified{
		"OwnedTasks":      task.NewOwnedTasks(1).AssertOwner,
		"LocalOwnedTasks": task.NewLocalOwnedTasks().AssertOwner,
	} {
		v := mustPanic(t, func() { assert(n) })
		if msg := panicText(v); !strings.Contains(msg, "task: task") || !strings.Contains(msg, "run by list") {
			t.Errorf("%s.AssertOwner of a foreign task panicked with %q", name, msg)
		}
	}
	// The right list accepts it, and it runs.
	ln := s.owned.AssertOwner(n)
	if ln.ID() != jh.ID() || ln.Header() != n.Header() {
		t.Fatal("LocalNotified does not refer to the task")
	}
	ln.Run(future.NewContext(future.Noop()))
	if v, err := jh.BlockingJoin(context.Background()); err != nil || v != 1 {
		t.Fatalf("Join = (%d, %v)", v, err)
	}
}

func TestLocalOwnedTasks(t *testing.T) {
	s := newLocalTestSched(t)
	l := s.local
	if !l.IsEmpty() || l.Spawned() != 0 || l.IsClosed() {
		t.Fatal("new local list not empty")
	}
	g := &gateFuture{value: 5}
	jh := spawn(s, g)
	idle := spawn(s, &gateFuture{})
	if l.Len() != 2 || l.Spawned() != 2 || task.HeaderOf(jh).OwnerID() != l.ID() {
		t.Fatalf("Len %d Spawned %d OwnerID %d (list %d)", l.Len(), l.Spawned(), task.HeaderOf(jh).OwnerID(), l.ID())
	}
	var seen int
	l.Each(func(*task.Header) { seen++ })
	if seen != 2 {
		t.Fatalf("Each visited %d tasks", seen)
	}
	s.RunUntilIdle()
	g.Open()
	s.RunUntilIdle()
	if v, err := jh.BlockingJoin(context.Background()); err != nil || v != 5 {
		t.Fatalf("Join = (%d, %v)", v, err)
	}
	if l.Len() != 1 {
		t.Fatalf("Len %d after one completion", l.Len())
	}
	cause := errors.New("local done")
	s.Shutdown(0, cause)
	if !l.IsClosed() || !l.IsEmpty() {
		t.Fatal("not closed and empty after shutdown")
	}
	if je := joinCancelled(t, idle); je.Cause() != cause {
		t.Fatalf("cause %v", je.Cause())
	}
	// Bind after close.
	late := &gateFuture{}
	jl, n, ok := task.BindLocal(l, late, s, task.Options{})
	if ok || !n.IsZero() || late.drops != 1 || l.Spawned() != 2 {
		t.Fatalf("BindLocal after close: ok %v, drops %d, Spawned %d", ok, late.drops, l.Spawned())
	}
	if je := joinCancelled(t, jl); je.Cause() != cause {
		t.Fatalf("late cause %v", je.Cause())
	}
	l.CloseAndShutdownAll(errors.New("again")) // idempotent
	for _, jh := range []*task.JoinHandle[int]{jh, idle, jl} {
		if refs(jh) != 0 {
			t.Fatalf("task %v refs %d", jh.ID(), refs(jh))
		}
	}
}

// TestLocalOwnedTasksChecksThread: with invariant checks compiled in, a
// pinned LocalOwnedTasks panics when used from another OS thread.
func TestLocalOwnedTasksChecksThread(t *testing.T) {
	if !task.InvariantsEnabled || runtime.GOOS != "linux" {
		t.Skip("thread checks need -race or -tags invariants, on linux")
	}
	l := task.NewLocalOwnedTasks()
	pinned, release := make(chan any), make(chan struct{})
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		l.Pin()
		// The pinning thread may use it.
		defer func() { pinned <- recover() }()
		l.Each(func(*task.Header) {})
		pinned <- nil
		<-release
	}()
	if v := <-pinned; v != nil {
		t.Fatalf("use on the pinned thread panicked: %v", v)
	}
	// Both goroutines are locked to their threads, so this is another one.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	v := mustPanic(t, func() { l.Each(func(*task.Header) {}) })
	close(release)
	<-pinned
	if msg := panicText(v); !strings.Contains(msg, "LocalOwnedTasks of thread") {
		t.Fatalf("use from another thread panicked with %q", msg)
	}
}

// TestBindRacingCloseSeesCause: tasks bound while another goroutine closes the
// list are either in the list (and shut down by the close) or refused by Bind;
// every one reports a cancellation with the close's cause. Under -race this
// also checks that Bind reads the cause only after it has seen the list
// closed (it used to read it unsynchronized on every Bind).
func TestBindRacingCloseSeesCause(t *testing.T) {
	rounds := 10
	if testing.Short() {
		rounds = 5
	}
	for range rounds {
		// With CancelCause, so that a task the close finds running (its
		// binder is polling it) gets the cause too.
		s := newTestSched(t, 2).withCancelCause()
		cause := errors.New("closed")
		var (
			wg      sync.WaitGroup
			bound   atomic.Int64
			handles [2][]*task.JoinHandle[int]
		)
		for g := range handles {
			wg.Go(func() {
				cx := future.NewContext(future.Noop())
				for refused := 0; refused < 10; {
					jh, n, ok := task.Bind(s.owned, &gateFuture{}, s.self, task.Options{})
					handles[g] = append(handles[g], jh)
					bound.Add(1)
					if !ok {
						refused++
						continue
					}
					s.owned.AssertOwner(n).Run(cx) // now idle, in the list
				}
			})
		}
		// Close only once both binders are busy, so that the close lands
		// among their Binds.
		for bound.Load() < 200 {
			waitABit()
		}
		s.Shutdown(0, cause)
		wg.Wait()
		for _, hs := range handles {
			for _, jh := range hs {
				if je := joinCancelled(t, jh); je.Cause() != cause {
					t.Fatalf("task %v: cause %v, want %v", jh.ID(), je.Cause(), cause)
				}
				if refs(jh) != 0 {
					t.Fatalf("task %v: refs %d", jh.ID(), refs(jh))
				}
			}
		}
		if !s.owned.IsEmpty() {
			t.Fatalf("list not empty: %d", s.owned.Len())
		}
	}
}

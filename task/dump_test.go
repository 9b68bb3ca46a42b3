package task_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// Tests of the task-dump protocol (dump.go): Header.Inspect and
// LocalOwnedTasks.Inspect, on the test scheduler.

// inspect collects the headers of s's list and inspects the one of jh's
// task, returning what Inspect reported and the future fn saw.
func inspect[T any](t *testing.T, jh *task.JoinHandle[T], fn func(any)) (task.Snapshot, task.TraceStatus, any) {
	t.Helper()
	h := task.HeaderOf(jh)
	var seen any
	calls := 0
	s, r := h.Inspect(jh.ID(), func(f any) {
		calls++
		seen = f
		if fn != nil {
			fn(f)
		}
	})
	if (r == task.TraceIdle) != (calls == 1) || calls > 1 {
		t.Fatalf("Inspect reported %v but called fn %d times", r, calls)
	}
	return s, r, seen
}

func TestInspectReadsAnIdleTaskAndGivesItBack(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{value: 7}
	jh := spawn(s, g)
	s.RunUntilIdle()
	before := task.HeaderOf(jh).State()
	polls := g.polls
	var during task.Snapshot
	snap, r, f := inspect(t, jh, func(any) { during = task.HeaderOf(jh).State() })
	if r != task.TraceIdle || f != g {
		t.Fatalf("Inspect = %v with future %v, want idle with the task's own future", r, f)
	}
	if snap != before {
		t.Errorf("Inspect decided on %v, the word was %v", snap, before)
	}
	if !during.IsRunning() || during.RefCount() != before.RefCount()+1 {
		t.Errorf("while fn ran the word was %v, want RUNNING and one more reference than %v", during, before)
	}
	if after := task.HeaderOf(jh).State(); after != before {
		t.Errorf("word after Inspect = %v, want it back at %v", after, before)
	}
	if g.polls != polls || g.drops != 0 || s.QueueLen() != 0 {
		t.Errorf("Inspect polled %d times, dropped %d, queued %d", g.polls-polls, g.drops, s.QueueLen())
	}
	g.Open()
	s.RunUntilIdle()
	if v, err := jh.BlockingJoin(context.Background()); v != 7 || err != nil {
		t.Fatalf("Join = %v, %v after an inspection", v, err)
	}
}

func TestInspectRefusesQueuedRunningAndCompleteTasks(t *testing.T) {
	s := newTestSched(t, 1)
	queued := spawn(s, &gateFuture{})
	if _, r, _ := inspect(t, queued, nil); r != task.TraceQueued {
		t.Fatalf("task waiting for its first run: %v, want queued", r)
	}

	s.RunUntilIdle()
	g := &gateFuture{}
	self := spawn(s, g)
	var fromInside task.TraceStatus
	g.onPoll = func(*future.Context) { _, fromInside, _ = inspect(t, self, nil) }
	s.RunUntilIdle()
	if fromInside != task.TraceRunning {
		t.Fatalf("task inspected during its own poll: %v, want running", fromInside)
	}

	done := spawn(s, future.Ready(1))
	s.RunUntilIdle()
	if _, r, _ := inspect(t, done, nil); r != task.TraceComplete {
		t.Fatalf("completed task: %v, want complete", r)
	}
	if got := task.TraceComplete.String(); got != "complete" {
		t.Fatalf("String = %q", got)
	}
}

func TestInspectOfAReleasedTaskWhoseMemoryWasReusedIsGone(t *testing.T) {
	s := newTestSched(t, 1)
	old := spawn(s, &gateFuture{value: 1, open: true})
	h, id := task.HeaderOf(old), old.ID()
	s.RunUntilIdle()
	if _, err := old.BlockingJoin(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The cell goes back to its pool; spawn tasks of the same type until
	// one reuses it (sync.Pool may drop items, so try a few).
	var reused *task.JoinHandle[int]
	for range 100 {
		jh := spawn(s, &gateFuture{})
		if task.HeaderOf(jh) == h {
			reused = jh
			break
		}
	}
	s.RunUntilIdle()
	called := false
	if _, r := h.Inspect(id, func(any) { called = true }); r != task.TraceGone || called {
		t.Fatalf("Inspect of released task %v = %v (fn called %v), want gone", id, r, called)
	}
	if reused == nil {
		t.Log("the cell was not reused (sync.Pool dropped it); checked the released case only")
		return
	}
	if _, r, _ := inspect(t, reused, nil); r != task.TraceIdle {
		t.Fatalf("the task now in the cell: %v, want idle", r)
	}
}

func TestInspectRedeliversAWakeThatArrivedMeanwhile(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{value: 3}
	jh := spawn(s, g)
	s.RunUntilIdle()
	schedules := s.schedules.Load()
	_, r, _ := inspect(t, jh, func(any) {
		g.open = true
		g.waker.Wake() // finds RUNNING: only sets NOTIFIED
		if s.QueueLen() != 0 {
			t.Error("a wake of the inspected task was queued while Inspect held it")
		}
	})
	if r != task.TraceIdle {
		t.Fatalf("Inspect = %v", r)
	}
	if s.schedules.Load() != schedules+1 || s.QueueLen() != 1 {
		t.Fatalf("after Inspect: %d schedules (want %d), queue %d (want 1)", s.schedules.Load(), schedules+1, s.QueueLen())
	}
	s.RunUntilIdle()
	if v, err := jh.BlockingJoin(context.Background()); v != 3 || err != nil {
		t.Fatalf("Join = %v, %v: the redelivered wake was lost", v, err)
	}
}

func TestInspectCancelsATaskAbortedMeanwhile(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{}
	jh := spawn(s, g)
	s.RunUntilIdle()
	_, r, _ := inspect(t, jh, func(any) { jh.Abort() })
	if r != task.TraceIdle {
		t.Fatalf("Inspect = %v", r)
	}
	if g.drops != 1 || !jh.IsFinished() || s.QueueLen() != 0 || s.ListLen() != 0 {
		t.Fatalf("after Inspect: drops %d, finished %v, queued %d, listed %d; want the task cancelled by Inspect", g.drops, jh.IsFinished(), s.QueueLen(), s.ListLen())
	}
	var je *task.JoinError
	if _, err := jh.BlockingJoin(context.Background()); !errors.As(err, &je) || !je.IsCancelled() {
		t.Fatalf("Join = %v, want a cancellation", err)
	}
}

func TestInspectCancelsATaskShutDownMeanwhile(t *testing.T) {
	s := newTestSched(t, 2).withCancelCause()
	g := &gateFuture{}
	jh := spawn(s, g)
	other := spawn(s, &gateFuture{})
	s.RunUntilIdle()
	cause := errors.New("closing")
	_, r, _ := inspect(t, jh, func(any) {
		s.Shutdown(0, cause)
		if jh.IsFinished() || g.drops != 0 {
			t.Error("the shutdown cancelled the task while Inspect held it")
		}
	})
	if r != task.TraceIdle {
		t.Fatalf("Inspect = %v", r)
	}
	for _, h := range []*task.JoinHandle[int]{jh, other} {
		var je *task.JoinError
		if _, err := h.BlockingJoin(context.Background()); !errors.As(err, &je) || !je.IsCancelled() || !errors.Is(je.Cause(), cause) {
			t.Fatalf("task %v: Join = %v, want a cancellation caused by the shutdown", h.ID(), err)
		}
	}
	if g.drops != 1 || s.ListLen() != 0 {
		t.Fatalf("drops %d, listed %d", g.drops, s.ListLen())
	}
	if n := refs(jh); n != 0 {
		t.Fatalf("%d references left after Join", n)
	}
}

func TestInspectReleasesTheTaskWhenFnPanics(t *testing.T) {
	s := newTestSched(t, 1)
	g := &gateFuture{value: 1}
	jh := spawn(s, g)
	s.RunUntilIdle()
	before := task.HeaderOf(jh).State()
	v := mustPanic(t, func() { task.HeaderOf(jh).Inspect(jh.ID(), func(any) { panic("trace broke") }) })
	if v != "trace broke" {
		t.Fatalf("panic %v", v)
	}
	if after := task.HeaderOf(jh).State(); after != before {
		t.Fatalf("word after a panicking fn = %v, want %v", after, before)
	}
	g.Open()
	s.RunUntilIdle()
	if _, err := jh.BlockingJoin(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// valueFuture is a future stored by value whose description has a pointer
// receiver: the dump must still find it.
type valueFuture struct{ label string }

func (v valueFuture) Poll(*future.Context) (int, bool) { return 0, false }
func (v *valueFuture) String() string                  { return v.label }

func TestInspectHandsOutAValueFutureByAddress(t *testing.T) {
	s := newTestSched(t, 1)
	jh := spawn(s, valueFuture{label: "by value"})
	s.RunUntilIdle()
	_, r, f := inspect(t, jh, nil)
	st, ok := f.(interface{ String() string })
	if r != task.TraceIdle || !ok || st.String() != "by value" {
		t.Fatalf("Inspect = %v, future %T; want a *valueFuture", r, f)
	}
	jh.Abort()
	s.RunUntilIdle()
}

func TestLocalInspectReadsEveryTaskThatIsNotRunning(t *testing.T) {
	s := newLocalTestSched(t)
	idle := &gateFuture{value: 1}
	jhIdle := spawn(s, idle)
	s.RunUntilIdle()
	queued := &gateFuture{value: 2}
	jhQueued := spawn(s, queued) // bound and queued, not run yet

	self := &gateFuture{}
	jhSelf := spawn(s, self)
	got := map[task.ID]any{}
	states := map[task.ID]task.Snapshot{}
	self.onPoll = func(*future.Context) {
		s.local.Inspect(func(h *task.Header, st task.Snapshot, f any) {
			got[h.ID()] = f
			states[h.ID()] = st
		})
	}
	// Run the queued task first (it stays pending), then self; self
	// inspects the list from inside its poll, as a dump requested by a
	// task of a LocalSet does.
	s.RunUntilIdle()
	if len(got) != 3 {
		t.Fatalf("Inspect saw %d tasks, want 3", len(got))
	}
	if got[jhIdle.ID()] != idle || got[jhQueued.ID()] != queued {
		t.Errorf("futures of the idle tasks: %v, %v", got[jhIdle.ID()], got[jhQueued.ID()])
	}
	if got[jhSelf.ID()] != nil || !states[jhSelf.ID()].IsRunning() {
		t.Errorf("the running task: future %v, state %v; want nil and RUNNING", got[jhSelf.ID()], states[jhSelf.ID()])
	}
	s.Shutdown(0, nil)
	jhIdle.Detach()
	jhQueued.Detach()
	jhSelf.Detach()
}

// tracedFuture keeps plain fields that its Poll writes and its String reads:
// under -race, an inspection that overlapped a poll or a drop is a data race.
type tracedFuture struct {
	polls   int
	dropped bool
	target  int
	waker   future.Waker
	wakeMu  *sync.Mutex
	forever bool
}

func (f *tracedFuture) Poll(cx *future.Context) (int, bool) {
	if f.dropped {
		panic("polled after Drop")
	}
	f.polls++
	if !f.forever && f.polls >= f.target {
		return f.polls, true
	}
	f.wakeMu.Lock()
	f.waker = cx.Waker()
	f.wakeMu.Unlock()
	if f.polls%3 == 0 {
		cx.Waker().Wake() // yield now and then
	}
	return 0, false
}

func (f *tracedFuture) Drop() { f.dropped = true }

func (f *tracedFuture) String() string {
	if f.dropped {
		panic("traced after Drop")
	}
	if f.polls == 0 {
		return "never polled"
	}
	return "polled"
}

// TestInspectStress races dumps (collect under the list locks, then Inspect
// each task) against polls on several workers, wakes from other goroutines,
// aborts, completions and a final shutdown. Every task must end with its
// output or a cancellation, and the futures' plain fields make any overlap
// of an inspection with a poll or a drop a data race.
func TestInspectStress(t *testing.T) {
	tasks, dumpers := 400, 2
	if testing.Short() {
		tasks = 100
	}
	s := newTestSched(t, 4)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(s.RunWorker)
	}
	var wakeMu sync.Mutex
	futs := make([]*tracedFuture, tasks)
	jhs := make([]*task.JoinHandle[int], tasks)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range futs {
		futs[i] = &tracedFuture{target: 2 + rng.IntN(20), wakeMu: &wakeMu, forever: i%5 == 0}
	}
	var stop atomic.Bool
	var inspected, refused atomic.Int64
	for range dumpers {
		wg.Go(func() {
			for !stop.Load() {
				type entry struct {
					h  *task.Header
					id task.ID
				}
				var es []entry
				s.owned.Each(func(h *task.Header) { es = append(es, entry{h, h.ID()}) })
				for _, e := range es {
					_, r := e.h.Inspect(e.id, func(f any) {
						_ = f.(*tracedFuture).String()
					})
					if r == task.TraceIdle {
						inspected.Add(1)
					} else {
						refused.Add(1)
					}
				}
				waitABit()
			}
		})
	}
	// Wakers and aborters.
	for w := range 2 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 9))
			for !stop.Load() {
				i := r.IntN(tasks)
				wakeMu.Lock()
				jh, wk := jhs[i], futs[i].waker
				wakeMu.Unlock()
				// The forever tasks are left alone: they are what the
				// dumpers inspect, and if random aborts ended them all the
				// wait for inspections below would never end.
				if jh != nil && !futs[i].forever && r.IntN(10) == 0 {
					jh.Abort()
				}
				wk.Wake()
				waitABit()
			}
		})
	}
	for i := range tasks {
		jh := spawn(s, futs[i])
		wakeMu.Lock()
		jhs[i] = jh
		wakeMu.Unlock()
	}
	// Let the forever tasks be aborted or shut down: abort half, shut down
	// the rest while everything is still running.
	for i := 0; i < tasks; i += 10 {
		jhs[i].Abort()
	}
	// Half the forever tasks (i%10 == 5) stay idle until the shutdown, so
	// the dumpers always have tasks to inspect.
	for inspected.Load() < 50 && !testing.Short() {
		waitABit()
	}
	s.Shutdown(1, nil)
	stop.Store(true)
	s.Stop()
	wg.Wait()
	for i, jh := range jhs {
		v, err := jh.BlockingJoin(context.Background())
		var je *task.JoinError
		switch {
		case err == nil && v >= futs[i].target && !futs[i].forever:
		case errors.As(err, &je) && je.IsCancelled():
		default:
			t.Fatalf("task %d: Join = %v, %v", i, v, err)
		}
		if !futs[i].dropped {
			t.Fatalf("task %d: future never dropped", i)
		}
	}
	if s.ListLen() != 0 {
		t.Fatalf("%d tasks left in the list", s.ListLen())
	}
	t.Logf("%d inspections, %d refused (running, queued, complete or gone)", inspected.Load(), refused.Load())
}

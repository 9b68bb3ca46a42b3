package blocking_test

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/weftrt/weft/internal/blocking"
	"github.com/weftrt/weft/internal/invariants"
	"github.com/weftrt/weft/internal/taskref"
	"github.com/weftrt/weft/task"
)

func TestMaxThreadsCapsConcurrentClosures(t *testing.T) {
	const maxThreads, tasks = 2, 10
	p := newPool(t, blocking.Config{MaxThreads: maxThreads})
	g := newGate()
	var cur, peak atomic.Int32
	jhs := make([]*task.JoinHandle[int], tasks)
	for i := range jhs {
		jhs[i] = mustSpawn(t, p, func() int {
			n := cur.Add(1)
			for {
				m := peak.Load()
				if n <= m || peak.CompareAndSwap(m, n) {
					break
				}
			}
			g.wait()
			cur.Add(-1)
			return i
		})
	}
	for range maxThreads {
		<-g.started
	}
	// Both goroutines are inside a closure, so nobody can pop the queue
	// and Spawn may not start a third.
	m := p.Metrics()
	if m.NumThreads != maxThreads || m.Running != maxThreads || m.QueueDepth != tasks-maxThreads || m.IdleThreads != 0 {
		t.Fatalf("at the cap: %+v", m)
	}
	close(g.release)
	for i, jh := range jhs {
		if v := joinValue(t, jh); v != i {
			t.Fatalf("task %d returned %d", i, v)
		}
	}
	if got := peak.Load(); got != maxThreads {
		t.Fatalf("peak concurrency %d, want %d", got, maxThreads)
	}
	if m := p.Metrics(); m.StartedThreads != maxThreads || m.SpawnedTasks != tasks {
		t.Fatalf("after: %+v", m)
	}
	shutdown(t, p)
}

func TestTasksStartInSpawnOrder(t *testing.T) {
	p := newPool(t, blocking.Config{MaxThreads: 1})
	g := newGate()
	first := mustSpawn(t, p, func() int { g.wait(); return -1 })
	<-g.started
	var mu sync.Mutex
	var order []int
	const n = 100 // more than the queue's first buffer, so it grows
	jhs := make([]*task.JoinHandle[int], n)
	for i := range jhs {
		jhs[i] = mustSpawn(t, p, func() int {
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			return i
		})
	}
	close(g.release)
	joinValue(t, first)
	for _, jh := range jhs {
		joinValue(t, jh)
	}
	for i, v := range order {
		if v != i {
			t.Fatalf("run order %v, want 0..%d", order, n-1)
		}
	}
	shutdown(t, p)
}

func TestIdleGoroutineExitsAfterKeepAlive(t *testing.T) {
	for _, tc := range []struct {
		name      string
		keepAlive time.Duration
		want      time.Duration
	}{
		{"configured", time.Second, time.Second},
		{"default", 0, blocking.DefaultKeepAlive},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var stops atomic.Int32
				p := newPool(t, blocking.Config{KeepAlive: tc.keepAlive, OnThreadStop: func() { stops.Add(1) }})
				joinValue(t, mustSpawn(t, p, func() int { return 1 }))
				synctest.Wait()
				if m := p.Metrics(); m.NumThreads != 1 || m.IdleThreads != 1 {
					t.Fatalf("after the task: %+v", m)
				}
				time.Sleep(tc.want - time.Nanosecond)
				synctest.Wait()
				if m := p.Metrics(); m.NumThreads != 1 || m.IdleThreads != 1 {
					t.Fatalf("just before the keep-alive: %+v", m)
				}
				time.Sleep(time.Nanosecond)
				synctest.Wait()
				if m := p.Metrics(); m.NumThreads != 0 || m.IdleThreads != 0 {
					t.Fatalf("after the keep-alive: %+v", m)
				}
				if stops.Load() != 1 {
					t.Fatalf("OnThreadStop ran %d times, want 1", stops.Load())
				}
				// The pool still works: a new goroutine is started.
				joinValue(t, mustSpawn(t, p, func() int { return 2 }))
				if m := p.Metrics(); m.StartedThreads != 2 {
					t.Fatalf("after respawn: %+v", m)
				}
				shutdown(t, p)
			})
		})
	}
}

func TestNegativeKeepAliveExitsWhenQueueEmpty(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, blocking.Config{KeepAlive: -1})
		joinValue(t, mustSpawn(t, p, func() int { return 1 }))
		synctest.Wait()
		if m := p.Metrics(); m.NumThreads != 0 {
			t.Fatalf("goroutine stayed without keep-alive: %+v", m)
		}
		shutdown(t, p)
	})
}

func TestIdleGoroutineIsReused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var starts atomic.Int32
		p := newPool(t, blocking.Config{OnThreadStart: func() { starts.Add(1) }})
		for i := range 5 {
			if v := joinValue(t, mustSpawn(t, p, func() int { return i })); v != i {
				t.Fatalf("got %d, want %d", v, i)
			}
			synctest.Wait() // the goroutine is idle again
			time.Sleep(blocking.DefaultKeepAlive / 2)
		}
		if m := p.Metrics(); m.StartedThreads != 1 || m.NumThreads != 1 || starts.Load() != 1 {
			t.Fatalf("started %d goroutines (%d start hooks), want 1: %+v", m.StartedThreads, starts.Load(), m)
		}
		shutdown(t, p)
	})
}

// A goroutine that goes idle is woken before older idle ones, so that a
// trickle of work keeps one goroutine busy and lets the others expire. With
// a FIFO of idle goroutines every one would be reused in turn and none would
// ever reach its keep-alive.
func TestSurplusIdleGoroutinesExpireUnderTrickle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const keepAlive = 10 * time.Second
		p := newPool(t, blocking.Config{KeepAlive: keepAlive})
		g := newGate()
		a := mustSpawn(t, p, func() int { g.wait(); return 0 })
		b := mustSpawn(t, p, func() int { g.wait(); return 0 })
		<-g.started
		<-g.started
		close(g.release)
		joinValue(t, a)
		joinValue(t, b)
		synctest.Wait()
		if m := p.Metrics(); m.IdleThreads != 2 {
			t.Fatalf("want two idle goroutines: %+v", m)
		}
		for range 4 {
			time.Sleep(keepAlive * 4 / 10)
			joinValue(t, mustSpawn(t, p, func() int { return 1 }))
			synctest.Wait()
		}
		if m := p.Metrics(); m.NumThreads != 1 || m.StartedThreads != 2 {
			t.Fatalf("the unused goroutine did not expire: %+v", m)
		}
		shutdown(t, p)
	})
}

func TestDefaultMaxThreads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, blocking.Config{})
		release := make(chan struct{})
		jhs := make([]*task.JoinHandle[int], blocking.DefaultMaxThreads+3)
		for i := range jhs {
			jhs[i] = mustSpawn(t, p, func() int { <-release; return i })
		}
		synctest.Wait()
		if m := p.Metrics(); m.NumThreads != blocking.DefaultMaxThreads || m.Running != blocking.DefaultMaxThreads || m.QueueDepth != 3 {
			t.Fatalf("%+v", m)
		}
		close(release)
		for i, jh := range jhs {
			if v := joinValue(t, jh); v != i {
				t.Fatalf("task %d returned %d", i, v)
			}
		}
		shutdown(t, p)
	})
}

func TestIdleReportsQueuedAndRunningTasks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, blocking.Config{MaxThreads: 1})
		if !p.Idle() {
			t.Fatal("a new pool is not idle")
		}
		g := newGate()
		running := mustSpawn(t, p, func() int { g.wait(); return 0 })
		queued := mustSpawn(t, p, func() int { return 1 })
		<-g.started
		if p.Idle() {
			t.Fatal("Idle with a task running and one queued")
		}
		close(g.release)
		joinValue(t, running)
		joinValue(t, queued)
		synctest.Wait()
		if !p.Idle() {
			t.Fatalf("not Idle after every task finished: %+v", p.Metrics())
		}
		shutdown(t, p)
	})
}

// Blocking tasks are NOTIFIED from their creation, so an abort before they
// run schedules nothing (the pool's Schedule would panic) and the pool
// goroutine that takes them up cancels them without running the closure.
func TestAbortBeforeStartCancelsWithoutRunning(t *testing.T) {
	var terminated atomic.Int32
	hooks := &task.Hooks{OnTerminate: func(task.Meta) { terminated.Add(1) }}
	p := newPool(t, blocking.Config{MaxThreads: 1, Hooks: hooks})
	g := newGate()
	blocker := mustSpawn(t, p, func() int { g.wait(); return 0 })
	<-g.started

	var ran atomic.Bool
	body := func() int { ran.Store(true); return 1 }

	// Aborted before Spawn.
	ut1, jh1 := task.NewUnowned(closureFuture(body), p.Scheduler(), task.Options{})
	if s := ut1.Header().State(); !s.IsNotified() || s.IsRunning() || s.RefCount() != 3 {
		t.Fatalf("new blocking task in state %v, want NOTIFIED with 3 references", s)
	}
	jh1.Abort()
	if s := ut1.Header().State(); !s.IsNotified() || !s.IsCancelled() || s.IsComplete() {
		t.Fatalf("aborted blocking task in state %v, want NOTIFIED|CANCELLED", s)
	}
	if err := p.Spawn(ut1); err != nil {
		t.Fatal(err)
	}

	// Aborted while queued.
	jh2, ut2, err := spawn(p, body)
	if err != nil {
		t.Fatal(err)
	}
	jh2.Abort()
	if s := ut2.Header().State(); !s.IsCancelled() || s.IsComplete() {
		t.Fatalf("queued aborted task in state %v", s)
	}

	close(g.release)
	joinValue(t, blocker)
	for _, jh := range []*task.JoinHandle[int]{jh1, jh2} {
		if je := joinCancelled(t, jh); je.Cause() != nil {
			t.Fatalf("abort carries cause %v, want none", je.Cause())
		}
	}
	if ran.Load() {
		t.Fatal("the closure of an aborted task ran")
	}
	for _, ut := range []task.UnownedTask{ut1, ut2} {
		if n := ut.Header().State().RefCount(); n != 0 {
			t.Fatalf("task %d keeps %d references after Join", ut.ID(), n)
		}
	}
	shutdown(t, p)
	if terminated.Load() != 3 {
		t.Fatalf("OnTerminate ran %d times, want 3", terminated.Load())
	}
}

func TestAbortWhileRunningDeliversOutput(t *testing.T) {
	p := newPool(t, blocking.Config{})
	g := newGate()
	jh := mustSpawn(t, p, func() string { g.wait(); return "done" })
	<-g.started
	jh.Abort()
	jh.Abort() // twice: still no Schedule
	close(g.release)
	if v := joinValue(t, jh); v != "done" {
		t.Fatalf("got %q", v)
	}
	shutdown(t, p)
}

var errBoom = errors.New("boom")

func TestPanicInClosureBecomesJoinErrorAndGoroutineSurvives(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var starts atomic.Int32
		p := newPool(t, blocking.Config{MaxThreads: 1, OnThreadStart: func() { starts.Add(1) }})
		_, err := join(t, mustSpawn(t, p, func() int { panic(errBoom) }))
		var je *task.JoinError
		if !errors.As(err, &je) || !je.IsPanic() || !errors.Is(err, task.ErrPanicked) || !errors.Is(err, errBoom) {
			t.Fatalf("got %v, want a panic JoinError wrapping errBoom", err)
		}
		if je.PanicValue() != errBoom || len(je.Stack()) == 0 {
			t.Fatalf("panic value %v, stack %d bytes", je.PanicValue(), len(je.Stack()))
		}
		_, err = join(t, mustSpawn(t, p, func() int { panic("plain") }))
		if !errors.As(err, &je) || je.PanicValue() != "plain" {
			t.Fatalf("got %v", err)
		}
		// The same goroutine runs the next task.
		if v := joinValue(t, mustSpawn(t, p, func() int { return 7 })); v != 7 {
			t.Fatalf("got %d", v)
		}
		synctest.Wait()
		if m := p.Metrics(); m.StartedThreads != 1 || m.NumThreads != 1 || m.Running != 0 || starts.Load() != 1 {
			t.Fatalf("a panic cost a goroutine: %+v, %d starts", m, starts.Load())
		}
		shutdown(t, p)
	})
}

// runtime.Goexit in a closure ends its goroutine; the pool must count it
// gone, replace it for the tasks queued behind, and the task must complete.
func TestGoexitInClosureKeepsAccountingAndQueueMoving(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var starts, stops atomic.Int32
		p := newPool(t, blocking.Config{
			MaxThreads:    1,
			OnThreadStart: func() { starts.Add(1) },
			OnThreadStop:  func() { stops.Add(1) },
		})
		g := newGate()
		exiting, ut, err := spawn(p, func() int { g.wait(); runtime.Goexit(); return 0 })
		if err != nil {
			t.Fatal(err)
		}
		<-g.started
		queued := make([]*task.JoinHandle[int], 3)
		for i := range queued {
			queued[i] = mustSpawn(t, p, func() int { return i })
		}
		close(g.release)

		_, err = join(t, exiting)
		var je *task.JoinError
		if !errors.As(err, &je) || !je.IsPanic() || !errors.Is(err, task.ErrGoexit) {
			t.Fatalf("got %v, want a JoinError for Goexit", err)
		}
		for i, jh := range queued {
			if v := joinValue(t, jh); v != i {
				t.Fatalf("queued task %d returned %d", i, v)
			}
		}
		synctest.Wait()
		m := p.Metrics()
		if m.StartedThreads != 2 || m.NumThreads != 1 || m.IdleThreads != 1 || m.Running != 0 || m.QueueDepth != 0 || !p.Idle() {
			t.Fatalf("after Goexit: %+v, Idle %v", m, p.Idle())
		}
		if starts.Load() != 2 || stops.Load() != 1 {
			t.Fatalf("hooks: %d starts, %d stops; want 2 and 1", starts.Load(), stops.Load())
		}
		if n := ut.Header().State().RefCount(); n != 0 {
			t.Fatalf("Goexit task keeps %d references after Join, want 0", n)
		}
		shutdown(t, p)
		if stops.Load() != 2 {
			t.Fatalf("%d stops after Shutdown, want 2", stops.Load())
		}
	})
}

func TestGoexitWithEmptyQueueStartsNoReplacement(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPool(t, blocking.Config{})
		_, err := join(t, mustSpawn(t, p, func() int { runtime.Goexit(); return 0 }))
		if !errors.Is(err, task.ErrGoexit) {
			t.Fatalf("got %v", err)
		}
		synctest.Wait()
		if m := p.Metrics(); m.NumThreads != 0 || m.StartedThreads != 1 || m.Running != 0 || !p.Idle() {
			t.Fatalf("%+v", m)
		}
		joinValue(t, mustSpawn(t, p, func() int { return 1 }))
		shutdown(t, p)
	})
}

func TestHooksRunForThreadsAndBlockingTasks(t *testing.T) {
	var mu sync.Mutex
	before, after, terminated := map[task.ID]int{}, map[task.ID]int{}, map[task.ID]int{}
	count := func(m map[task.ID]int) func(task.Meta) {
		return func(meta task.Meta) {
			mu.Lock()
			m[meta.ID]++
			mu.Unlock()
		}
	}
	hooks := &task.Hooks{BeforePoll: count(before), AfterPoll: count(after), OnTerminate: count(terminated)}
	var starts, stops atomic.Int32
	const threads = 3
	p := newPool(t, blocking.Config{
		MaxThreads:    threads,
		Hooks:         hooks,
		OnThreadStart: func() { starts.Add(1) },
		OnThreadStop:  func() { stops.Add(1) },
	})
	if h := p.Scheduler().Hooks(); h == nil || h.BeforePoll != nil || h.AfterPoll != nil || h.OnSpawn != nil || h.OnTerminate == nil {
		t.Fatalf("Scheduler().Hooks() = %+v, want OnTerminate alone", h)
	}
	g := newGate()
	var run []*task.JoinHandle[int]
	for i := range threads {
		run = append(run, mustSpawn(t, p, func() int { g.wait(); return i }))
	}
	for range threads {
		<-g.started
	}
	queued := mustSpawn(t, p, func() int { return -1 })
	if starts.Load() != threads {
		t.Fatalf("%d start hooks, want %d", starts.Load(), threads)
	}
	// Shutdown cancels the queued task at once; the running ones finish
	// after the release.
	if p.Shutdown(0) {
		t.Fatal("Shutdown(0) reported done with closures running")
	}
	close(g.release)
	shutdown(t, p)
	if stops.Load() != threads {
		t.Fatalf("%d stop hooks before Shutdown returned, want %d", stops.Load(), threads)
	}
	for _, jh := range run {
		joinValue(t, jh)
	}
	joinCancelled(t, queued)
	late, _, err := spawn(p, func() int { return -2 })
	if !errors.Is(err, blocking.ErrShutdown) {
		t.Fatalf("Spawn after shutdown: %v", err)
	}
	joinCancelled(t, late)

	mu.Lock()
	defer mu.Unlock()
	// As in Tokio: the terminate hook runs once for every blocking task,
	// run or cancelled; the poll hooks never do.
	for _, jh := range append(run, queued, late) {
		if before[jh.ID()] != 0 || after[jh.ID()] != 0 || terminated[jh.ID()] != 1 {
			t.Fatalf("task %d: before-poll %d, after-poll %d, terminate %d; want 0, 0, 1", jh.ID(), before[jh.ID()], after[jh.ID()], terminated[jh.ID()])
		}
	}
}

func TestSchedulerContract(t *testing.T) {
	p := newPool(t, blocking.Config{})
	s := p.Scheduler()
	if s.Hooks() != nil {
		t.Fatal("Hooks without Config.Hooks is not nil")
	}
	if h := newPool(t, blocking.Config{Hooks: &task.Hooks{BeforePoll: func(task.Meta) {}}}).Scheduler().Hooks(); h != nil {
		t.Fatalf("Hooks without an OnTerminate = %+v, want nil", h)
	}
	if s.Release(task.Task{}) {
		t.Fatal("Release reported a blocking task as owned")
	}
	s.UnhandledPanic(nil) // does nothing, must not panic

	ut, jh := task.NewUnowned(closureFuture(func() int { return 0 }), s, task.Options{})
	n := taskref.FromHeader(ut.Header())
	for name, call := range map[string]func(){"Schedule": func() { s.Schedule(n) }, "Yield": func() { s.Yield(n) }} {
		func() {
			defer func() {
				if _, ok := recover().(*invariants.Violation); !ok {
					t.Errorf("%s did not panic with an invariant violation", name)
				}
			}()
			call()
		}()
	}
	if err := p.Spawn(ut); err != nil {
		t.Fatal(err)
	}
	joinValue(t, jh)
	shutdown(t, p)
}

func TestSpawnOfZeroTaskPanics(t *testing.T) {
	p := newPool(t, blocking.Config{})
	defer shutdown(t, p)
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("Spawn(UnownedTask{}) did not panic")
		}
	}()
	_ = p.Spawn(task.UnownedTask{})
}

// A goroutine whose keep-alive fires just as a spawner claims it must take
// the task, not retire: the spawner counted on it and started no goroutine
// (protocol step 4 in pool.go).
func TestGoroutineClaimedAsKeepAliveFiresRunsTheTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Channels made inside the bubble, so that the hooked goroutine is
		// durably blocked on them.
		fired := make(chan struct{})
		proceed := make(chan struct{})
		restore := blocking.SetKeepAliveFiredHook(func() {
			fired <- struct{}{}
			<-proceed
		})
		defer restore()
		p := blocking.New(blocking.Config{MaxThreads: 1, KeepAlive: time.Second})
		defer p.Shutdown(-1) // before restore
		joinValue(t, mustSpawn(t, p, func() int { return 0 }))
		synctest.Wait()
		time.Sleep(time.Second)
		<-fired // the goroutine's timer fired; it has not taken the lock yet
		if m := p.Metrics(); m.IdleThreads != 1 || m.NumThreads != 1 {
			t.Fatalf("in the window: %+v", m)
		}
		jh := mustSpawn(t, p, func() int { return 1 })
		if m := p.Metrics(); m.IdleThreads != 0 || m.StartedThreads != 1 {
			t.Fatalf("Spawn did not claim the idle goroutine: %+v", m)
		}
		close(proceed)
		if v := joinValue(t, jh); v != 1 {
			t.Fatalf("got %d", v)
		}
		synctest.Wait()
		if m := p.Metrics(); m.StartedThreads != 1 || m.NumThreads != 1 || m.IdleThreads != 1 {
			t.Fatalf("after: %+v", m)
		}
		// Its next keep-alive runs out undisturbed.
		time.Sleep(time.Second)
		<-fired
		synctest.Wait()
		if m := p.Metrics(); m.NumThreads != 0 {
			t.Fatalf("did not retire on the next keep-alive: %+v", m)
		}
	})
}

// A goroutine that has decided to exit (here: its keep-alive ran out, and it
// sits in OnThreadStop) must no longer count against MaxThreads, or a Spawn
// at the cap would rely on it and its task would never run. The stress test
// found this when a goroutine retired only at its very end.
func TestSpawnDoesNotRelyOnRetiringGoroutine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		inStop := make(chan struct{})
		finishStop := make(chan struct{})
		defer close(finishStop)
		var first atomic.Bool
		p := newPool(t, blocking.Config{
			MaxThreads: 1,
			KeepAlive:  time.Second,
			OnThreadStop: func() {
				if first.CompareAndSwap(false, true) {
					inStop <- struct{}{}
					<-finishStop
				}
			},
		})
		joinValue(t, mustSpawn(t, p, func() int { return 1 }))
		time.Sleep(time.Second)
		<-inStop // the goroutine retired and is inside OnThreadStop
		if m := p.Metrics(); m.NumThreads != 0 {
			t.Fatalf("a retiring goroutine still counts: %+v", m)
		}
		if v := joinValue(t, mustSpawn(t, p, func() int { return 2 })); v != 2 {
			t.Fatalf("got %d", v)
		}
		if m := p.Metrics(); m.StartedThreads != 2 {
			t.Fatalf("%+v", m)
		}
		// Shutdown does wait for the retiring goroutine's OnThreadStop.
		if p.Shutdown(0) {
			t.Fatal("Shutdown reported done while a goroutine is in OnThreadStop")
		}
		finishStop <- struct{}{}
		shutdown(t, p)
	})
}

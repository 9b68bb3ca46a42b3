package task_test

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/task"
)

// testSched is a small deterministic scheduler built on package task's public
// API alone, the way a scheduler author would build one: a FIFO run queue
// under a mutex, an OwnedTasks (or LocalOwnedTasks) list, optional hooks, a
// record of unhandled panics, and counters of every call the harness makes.
//
// Single-goroutine tests drive it with RunOne and RunUntilIdle, so every
// interleaving is fixed by the test. Stress tests start several RunWorker
// goroutines on it instead.
type testSched struct {
	tb    testing.TB
	owned *task.OwnedTasks      // nil for a local scheduler
	local *task.LocalOwnedTasks // nil for a shared one
	// self is what tasks are bound with: the testSched itself, or a wrapper
	// that adds CancelCause (see withCancelCause).
	self task.Scheduler

	// hooks is returned by Hooks; set it before spawning.
	hooks *task.Hooks
	// onRelease, if set, runs at the start of each Release (before the task
	// is removed from its list).
	onRelease func(task.Task)

	mu      sync.Mutex
	cond    sync.Cond  // signalled when a task is queued or the scheduler stops
	queue   task.Queue // guarded by mu
	closed  bool       // guarded by mu; set by Shutdown
	cause   error      // guarded by mu; Shutdown's cause
	stopped bool       // guarded by mu; RunWorker returns once the queue is empty

	spawned   atomic.Int64 // tasks bound (and queued) by spawn
	schedules atomic.Int64 // calls to Schedule
	yields    atomic.Int64 // calls to Yield
	releases  atomic.Int64 // calls to Release
	removed   atomic.Int64 // calls to Release that found the task in the list
	lateDrops atomic.Int64 // Notifieds dropped because the scheduler was closed
	runs      atomic.Int64 // Notifieds run

	panicsMu sync.Mutex
	panics   []*task.JoinError // guarded by panicsMu

	cx *future.Context // used by RunOne; one per scheduler, reused for every poll
}

var _ task.Scheduler = (*testSched)(nil)

// newTestSched returns a scheduler whose tasks live in an OwnedTasks sized for
// the given number of workers.
func newTestSched(tb testing.TB, workers int) *testSched {
	s := &testSched{tb: tb, owned: task.NewOwnedTasks(workers)}
	s.init()
	return s
}

// newLocalTestSched returns a scheduler whose tasks live in a
// LocalOwnedTasks; it must be driven from one goroutine.
func newLocalTestSched(tb testing.TB) *testSched {
	s := &testSched{tb: tb, local: task.NewLocalOwnedTasks()}
	s.init()
	return s
}

func (s *testSched) init() {
	s.self = s
	s.cond.L = &s.mu
	s.cx = future.NewContext(future.Noop())
	futurecx.SetBudget(s.cx, future.DefaultBudget)
}

// causeSched is a testSched that also tells the harness why tasks are
// cancelled: the harness asks a scheduler with a CancelCause method for the
// cause of a cancellation it performs itself (a task that was running when
// its list was closed).
type causeSched struct{ *testSched }

// CancelCause returns Shutdown's cause once the scheduler is closed.
func (c causeSched) CancelCause() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cause
}

// withCancelCause makes the tasks spawned from now on see the scheduler as a
// causeSched.
func (s *testSched) withCancelCause() *testSched {
	s.self = causeSched{s}
	return s
}

// Schedule queues a woken task, or drops it when the scheduler is closed.
func (s *testSched) Schedule(n task.Notified) {
	s.schedules.Add(1)
	s.push(n)
}

// Yield queues a task that woke itself, behind the others.
func (s *testSched) Yield(n task.Notified) {
	s.yields.Add(1)
	s.push(n)
}

func (s *testSched) push(n task.Notified) {
	if n.IsZero() {
		s.tb.Errorf("testSched: scheduled a zero Notified")
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.lateDrops.Add(1)
		n.Drop()
		return
	}
	s.queue.Push(n)
	s.cond.Signal()
	s.mu.Unlock()
}

// Release removes a completed task from the scheduler's list.
func (s *testSched) Release(t task.Task) bool {
	s.releases.Add(1)
	if s.onRelease != nil {
		s.onRelease(t)
	}
	var ok bool
	if s.owned != nil {
		ok = s.owned.Remove(t)
	} else {
		ok = s.local.Remove(t)
	}
	if ok {
		s.removed.Add(1)
	}
	return ok
}

// Hooks returns the scheduler's hooks.
func (s *testSched) Hooks() *task.Hooks { return s.hooks }

// UnhandledPanic records the JoinError of a task whose future panicked.
func (s *testSched) UnhandledPanic(err *task.JoinError) {
	s.panicsMu.Lock()
	s.panics = append(s.panics, err)
	s.panicsMu.Unlock()
}

// Panics returns the JoinErrors passed to UnhandledPanic so far.
func (s *testSched) Panics() []*task.JoinError {
	s.panicsMu.Lock()
	defer s.panicsMu.Unlock()
	return append([]*task.JoinError(nil), s.panics...)
}

// spawn binds f to s's list and queues its first Notified, as a runtime's
// spawn does. A task bound after Shutdown is cancelled at once and nothing is
// queued.
func spawn[F future.Future[T], T any](s *testSched, f F) *task.JoinHandle[T] {
	var (
		jh *task.JoinHandle[T]
		n  task.Notified
		ok bool
	)
	if s.owned != nil {
		jh, n, ok = task.Bind(s.owned, f, s.self, task.Options{})
	} else {
		jh, n, ok = task.BindLocal(s.local, f, s.self, task.Options{})
	}
	if ok {
		s.spawned.Add(1)
		s.push(n)
	}
	return jh
}

// pop takes the first queued task, if any.
func (s *testSched) pop() (task.Notified, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queue.Pop()
}

// QueueLen returns the number of queued tasks.
func (s *testSched) QueueLen() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queue.Len()
}

// run checks n's owner and polls it once with cx.
func (s *testSched) run(n task.Notified, cx *future.Context) {
	s.runs.Add(1)
	if s.owned != nil {
		s.owned.AssertOwner(n).Run(cx)
	} else {
		s.local.AssertOwner(n).Run(cx)
	}
}

// RunOne runs the first queued task and reports whether there was one. A
// panic that escapes Run fails the test.
func (s *testSched) RunOne() bool {
	n, ok := s.pop()
	if !ok {
		return false
	}
	defer func() {
		if r := recover(); r != nil {
			s.tb.Fatalf("testSched: panic escaped Run of task %v: %v", n.ID(), r)
		}
	}()
	s.run(n, s.cx)
	return true
}

// maxRunsPerIdle bounds RunUntilIdle so that a task that keeps yielding fails
// the test instead of hanging it.
const maxRunsPerIdle = 1 << 20

// RunUntilIdle runs queued tasks, including the ones that get queued while it
// runs, until the queue is empty, and returns how many it ran.
func (s *testSched) RunUntilIdle() int {
	n := 0
	for s.RunOne() {
		n++
		if n > maxRunsPerIdle {
			s.tb.Fatalf("testSched: still busy after %d runs", n)
		}
	}
	return n
}

// RunWorker runs queued tasks with its own Context until Stop is called and
// the queue is empty. It is the loop of one worker goroutine in stress tests.
// It reports a panic that escapes Run as a test error.
func (s *testSched) RunWorker() {
	cx := future.NewContext(future.Noop())
	for {
		s.mu.Lock()
		for s.queue.Len() == 0 && !s.stopped {
			s.cond.Wait()
		}
		n, ok := s.queue.Pop()
		s.mu.Unlock()
		if !ok {
			return // stopped and drained
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					s.tb.Errorf("testSched: panic escaped Run of task %v: %v", n.ID(), r)
				}
			}()
			s.run(n, cx)
		}()
	}
}

// Stop makes the RunWorker loops return once the queue is empty.
func (s *testSched) Stop() {
	s.mu.Lock()
	s.stopped = true
	s.cond.Broadcast()
	s.mu.Unlock()
}

// Shutdown closes the scheduler the way a runtime does: from now on woken
// tasks are dropped instead of queued, every task in the list is shut down
// (CloseAndShutdownAll from shard start), and the Notifieds still queued are
// dropped. Afterwards every JoinHandle reports its output or a cancellation.
func (s *testSched) Shutdown(start int, cause error) {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		s.cause = cause
	}
	s.mu.Unlock()
	if s.owned != nil {
		s.owned.CloseAndShutdownAll(start, cause)
	} else {
		s.local.CloseAndShutdownAll(cause)
	}
	var rest task.Queue
	s.mu.Lock()
	rest.Append(&s.queue)
	s.mu.Unlock()
	s.lateDrops.Add(int64(rest.Len()))
	rest.DropAll()
}

// ListLen returns the number of tasks in the scheduler's list.
func (s *testSched) ListLen() int {
	if s.owned != nil {
		return s.owned.Len()
	}
	return s.local.Len()
}

// counters returns the Schedule, Yield and Release counts, for compact
// assertions.
func (s *testSched) counters() [3]int64 {
	return [3]int64{s.schedules.Load(), s.yields.Load(), s.releases.Load()}
}

// wakeCounter is a Wakeable that counts its wakes; tests register it as a
// JoinHandle's waker to see whether and when completion wakes it.
type wakeCounter struct{ n atomic.Int64 }

func (w *wakeCounter) Wake(uint64)         { w.n.Add(1) }
func (w *wakeCounter) Count() int64        { return w.n.Load() }
func (w *wakeCounter) Waker() future.Waker { return future.NewWaker(w) }

// pollOnce polls f once with a Context that wakes w and has an unconstrained
// budget.
func pollOnce[T any](f future.Future[T], w *wakeCounter) (T, bool) {
	return f.Poll(future.NewContext(w.Waker()))
}

// yieldFuture completes after it has been polled n+1 times, waking itself on
// each Pending poll (a task that yields n times). It counts its polls and
// drops.
type yieldFuture struct {
	n, polls, drops int
	value           int
}

func (f *yieldFuture) Poll(cx *future.Context) (int, bool) {
	f.polls++
	if f.polls > f.n {
		return f.value, true
	}
	cx.Waker().Wake()
	return 0, false
}

func (f *yieldFuture) Drop() { f.drops++ }

// gateFuture stays pending until opened, then completes with value. It keeps
// the waker of its last poll so that the test can wake it, and counts its
// polls and drops. Hooks, if set, run inside Poll.
type gateFuture struct {
	open   bool
	value  int
	polls  int
	drops  int
	waker  future.Waker
	onPoll func(cx *future.Context)
	onDrop func()
}

func (f *gateFuture) Poll(cx *future.Context) (int, bool) {
	f.polls++
	f.waker = cx.Waker()
	if f.onPoll != nil {
		f.onPoll(cx)
	}
	if f.open {
		return f.value, true
	}
	return 0, false
}

func (f *gateFuture) Drop() {
	f.drops++
	if f.onDrop != nil {
		f.onDrop()
	}
}

// Open opens the gate and wakes the task that last polled it.
func (f *gateFuture) Open() {
	f.open = true
	f.waker.Wake()
}

// mustPanic runs fn and returns the value it panicked with; it fails the test
// when fn returns normally.
func mustPanic(t *testing.T, fn func()) (v any) {
	t.Helper()
	defer func() { v = recover() }()
	fn()
	t.Fatalf("no panic")
	return nil
}

// panicText returns the text of a panic value (an error's message, or the
// value formatted with %v).
func panicText(v any) string {
	if err, ok := v.(error); ok {
		return err.Error()
	}
	return fmt.Sprint(v)
}

// refs returns the task's current reference count.
func refs[T any](jh *task.JoinHandle[T]) uint64 {
	return task.HeaderOf(jh).State().RefCount()
}

// waitABit lets other goroutines run while a test waits for a condition it
// can observe (a state bit, a counter). It is not a sleep: the loop around it
// ends on the condition, not on time.
func waitABit() { runtime.Gosched() }

// deadlineInThePast returns a deadline that has already passed.
func deadlineInThePast() time.Time { return time.Now().Add(-time.Hour) }

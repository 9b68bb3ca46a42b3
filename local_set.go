package weft

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/gident"
	"github.com/weftrt/weft/internal/rtx"
	"github.com/weftrt/weft/internal/sched"
	"github.com/weftrt/weft/internal/timer"
	"github.com/weftrt/weft/task"
)

// Tokio's LocalSet numbers.
const (
	localMaxTasksPerTick     = 61
	localRemoteFirstInterval = 31
)

// ErrLocalSetClosed is the cause of the cancellation of a LocalSet's tasks
// when the set closes, and of tasks spawned onto a closed set.
var ErrLocalSetClosed = errors.New("weft: LocalSet is closed")

// LocalSet runs tasks that must stay on one OS thread. Each set has its own
// goroutine, locked to an OS thread of its own for the whole life of the set:
// every poll of every task of the set, and every Drop of their futures
// (including at Close), happens on that thread. Use it for futures that touch
// thread-bound state, such as a C library with thread-local context, and for
// Async bodies that must not move (an Async body started on a locked thread
// may only ever be resumed on that thread).
//
// Tasks are spawned with SpawnLocal, from inside the set (passing the task's
// *future.Context) or from any other goroutine (passing the *LocalSet), and
// run at once. Code inside a local task may still Spawn ordinary tasks onto
// the runtime, sleep on its timers and await its join handles. Wakes and
// spawns from other goroutines go through a remote queue that the set's
// goroutine drains; each tick runs up to 61 tasks and looks at the remote
// queue first every 31 ticks, as Tokio's LocalSet does.
//
// Close shuts every task of the set down on the set's thread and stops its
// goroutine. Closing the runtime closes its LocalSets too.
//
// A local task that calls runtime.Goexit (t.FailNow in a test) completes
// with task.ErrGoexit, like any task, and the set carries on with its other
// tasks on the same goroutine and thread, so an Async body suspended on the
// set's thread stays resumable; each such Goexit makes the later ones on the
// set a little slower, until it closes (see run).
//
// Under a paused clock (WithPausedClock) the set's queued and running tasks
// count as work in progress: the clock does not jump while one of them can
// run.
type LocalSet struct {
	h     *Handle
	seq   uint64 // the set's number in the process, for dumps; immutable
	owned *task.LocalOwnedTasks
	exec  *localExecutor
	sched localScheduler

	// driverG is the identity of the set's own goroutine (home), set
	// before any task can run.
	driverG atomic.Uintptr
	parker  *sched.Parker
	started chan struct{} // closed once home has recorded its identity

	// act is the runtime's activity count when its clock is paused, else
	// nil; immutable. The set counts its tasks in it from the moment they
	// are queued (or their spawn is pending) until their poll returns.
	act *timer.Activity

	// Owned by the set's goroutine.
	local   task.Queue
	tick    uint32
	cx      *future.Context
	spare   []task.PendingLocal // the previous pending slice, reused
	polling bool                // a poll is in progress (tracked under a paused clock only)
	cells   task.CellCache      // recycled task memory (localScheduler.CellCache)

	mu struct {
		sync.Mutex
		remote  task.Queue          // guarded by mu: woken tasks
		pending []task.PendingLocal // guarded by mu: tasks spawned remotely, not yet bound
		closed  bool                // guarded by mu
		dumps   []*localDumpReq     // guarded by mu: task dumps waiting for the driver
	}
	hasRemote  atomic.Bool // mirrors "remote or pending non-empty"; set under mu
	dumpWanted atomic.Bool // mirrors "dumps non-empty"; set under mu
	closed     atomic.Bool
	closeOnce  sync.Once
	closeDone  chan struct{}
}

// localExecutor is the executor local tasks see: Spawn from them goes to the
// runtime, SpawnLocal to the set.
type localExecutor struct {
	h  *Handle
	ls *LocalSet
}

// localScheduler is the task.Scheduler of a LocalSet's tasks.
type localScheduler struct{ ls *LocalSet }

// NewLocalSet returns an empty LocalSet whose tasks use the runtime behind s
// for spawning, timers and blocking work.
func NewLocalSet(s Spawner) *LocalSet {
	h := handleOf(s)
	ls := &LocalSet{
		h:         h,
		seq:       localSetSeq.Add(1),
		owned:     task.NewLocalOwnedTasks(),
		parker:    sched.NewParker(),
		closeDone: make(chan struct{}),
		act:       h.act,
	}
	ls.exec = &localExecutor{h: h, ls: ls}
	ls.sched = localScheduler{ls: ls}
	ls.cx = future.NewContext(future.Waker{})
	futurecx.SetExecutor(ls.cx, ls.exec)
	ls.started = make(chan struct{})
	h.registerLocalSet(ls)
	go ls.home()
	<-ls.started
	return ls
}

// Executor returns the set's executor; it makes *LocalSet a Spawner: Spawn
// onto it spawns onto its runtime, SpawnLocal onto the set.
func (ls *LocalSet) Executor() rtx.Executor { return ls.exec }

// Len returns the number of live tasks of the set. It reads the set's own
// list without a lock, so call it from inside one of the set's tasks.
func (ls *LocalSet) Len() int { return ls.owned.Len() }

func (ls *LocalSet) onDriver() bool {
	g := gident.Current()
	if g == 0 {
		return false
	}
	d := ls.driverG.Load()
	// An Async body of a local task acts for the set's goroutine
	// (gident.Owner).
	return d == g || (d != 0 && gident.Owner(g) == d)
}

// SpawnLocal starts f as a task of a LocalSet and returns its JoinHandle. s
// is the *LocalSet, or the *future.Context of one of its tasks. The task runs
// on the set's driving thread, whenever Run is active. Spawning onto a closed
// set returns a handle that reports a cancellation caused by
// ErrLocalSetClosed.
//
//go:noinline
func SpawnLocal[F future.Future[T], T any](s Spawner, f F) *task.JoinHandle[T] {
	return spawnLocal[F, T](localSetOf(s), f, 2)
}

// spawnLocal is SpawnLocal on a known set. skip is the number of frames
// between the user's spawn call and spawnOptions (2 from SpawnLocal and
// SpawnLocalInto), so that the recorded spawn site is the user's.
//
//go:noinline
func spawnLocal[F future.Future[T], T any](ls *LocalSet, f F, skip int) *task.JoinHandle[T] {
	st := ls.h.spawnOptions(skip)
	if ls.onDriver() {
		jh, n, ok := task.BindLocal[F, T](ls.owned, f, ls.sched, st)
		if ok {
			ls.acquire()
			ls.local.Push(n)
		}
		return jh
	}
	p, jh := task.NewLocal[F, T](ls.owned, f, ls.sched, st)
	ls.mu.Lock()
	if ls.mu.closed {
		ls.mu.Unlock()
		p.Cancel(ErrLocalSetClosed)
		return jh
	}
	ls.acquire()
	ls.mu.pending = append(ls.mu.pending, p)
	ls.hasRemote.Store(true)
	ls.mu.Unlock()
	ls.parker.Unpark()
	return jh
}

func localSetOf(s Spawner) *LocalSet {
	if s == nil {
		panic("weft: SpawnLocal with a nil Spawner")
	}
	switch e := s.Executor().(type) {
	case *localExecutor:
		return e.ls
	default:
		panic("weft: SpawnLocal needs a *weft.LocalSet or the *future.Context of one of its tasks")
	}
}

// Schedule queues a woken local task: directly when called on the driving
// goroutine, through the remote queue otherwise.
func (s localScheduler) Schedule(n task.Notified) {
	ls := s.ls
	if ls.onDriver() {
		ls.acquire()
		ls.local.Push(n)
		return
	}
	ls.mu.Lock()
	if ls.mu.closed {
		ls.mu.Unlock()
		n.Drop()
		return
	}
	ls.acquire()
	ls.mu.remote.Push(n)
	ls.hasRemote.Store(true)
	ls.mu.Unlock()
	ls.parker.Unpark()
}

// Yield queues a task that woke itself.
func (s localScheduler) Yield(n task.Notified) { s.Schedule(n) }

// Release removes a completed task from the set's list (on the driver).
func (s localScheduler) Release(t task.Task) bool { return s.ls.owned.Remove(t) }

// Hooks returns the runtime's task hooks.
func (s localScheduler) Hooks() *task.Hooks { return s.ls.h.eng.Hooks() }

// CellCache implements task.CellCacher: the set's goroutine recycles the
// memory of its tasks through a cache of its own.
func (s localScheduler) CellCache() *task.CellCache {
	if s.ls.onDriver() {
		return &s.ls.cells
	}
	return nil
}

// UnhandledPanic applies the runtime's panic policy.
func (s localScheduler) UnhandledPanic(err *task.JoinError) { s.ls.h.onPanic(err) }

// CancelCause says why tasks are cancelled once the set is closing.
func (s localScheduler) CancelCause() error {
	if s.ls.closed.Load() {
		return ErrLocalSetClosed
	}
	return nil
}

// acquire and release count the set's tasks in the paused clock's activity
// (U1 in internal/timer/activity.go); without a paused clock they do
// nothing.
func (ls *LocalSet) acquire() {
	if ls.act != nil {
		ls.act.Acquire()
	}
}

func (ls *LocalSet) release(k int) {
	if ls.act != nil {
		ls.act.ReleaseN(k)
	}
}

// home is the set's goroutine: locked to its own OS thread for the life of
// the set, it runs every task of the set, serves task dumps between polls,
// and at Close shuts the tasks down. The thread is never unlocked; it ends
// with the goroutine, so no thread-local state a task left behind is seen by
// other goroutines.
func (ls *LocalSet) home() {
	runtime.LockOSThread()
	g := gident.Current()
	ls.driverG.Store(g)
	gident.MarkRunner(g) // blocking calls refuse to run here (gident.InTask)
	defer gident.UnmarkRunner(g)
	ls.owned.Pin()
	close(ls.started)
	ls.run()
}

// run is the set's loop, made to survive runtime.Goexit in a local task.
//
// Nothing stops a Goexit: it unwinds the goroutine, running its deferred
// calls, and then ends it, and a goroutine locked to its thread takes the
// thread down with it. The multi-thread workers start a new goroutine in its
// place; the set cannot. A new goroutine would have to lock a new thread,
// and every Async body suspended on the old thread (its coroutine recorded
// that thread when it started) could then never be resumed, nor unwound at
// Close: the Go runtime aborts the process when a coroutine created on a
// locked thread is switched to from another one. Left suspended for ever,
// those bodies would leak their goroutines and their tasks would never end.
//
// So the set keeps its goroutine and thread: the deferred call that the
// Goexit runs carries on with the loop, on the same goroutine, and the
// Goexit only completes, ending the goroutine and its thread, once the set
// has closed. The harness has already completed the exiting task (with
// task.ErrGoexit) by then. The cost: each Goexit leaves the frames of the
// exiting poll under the loop until the set closes (about 1 KB of stack),
// and the Go runtime walks all of them at every later Goexit on the set, so
// the k-th one takes O(k) (about 20 µs per earlier one, measured with 1,600
// in a row): a handful, as failing tests make, cost nothing; a program that
// expects thousands should close the set and make a new one now and then.
func (ls *LocalSet) run() {
	normal := false
	defer func() {
		if normal {
			return
		}
		if r := recover(); r != nil {
			panic(r) // a bug in weft: the harness recovers user panics
		}
		// runtime.Goexit in a local task, whose poll never returned.
		if ls.polling {
			ls.polling = false
			ls.release(1)
		}
		ls.run()
	}()
	ls.loop()
	normal = true
}

// loop runs the set's tasks until the set closes, then shuts them down.
func (ls *LocalSet) loop() {
	for {
		if ls.closed.Load() {
			ls.shutdown()
			ls.serveDumps()
			return
		}
		if ls.dumpWanted.Load() {
			ls.serveDumps()
		}
		if !ls.runTick() {
			ls.cells.Trim()
			ls.parker.Park(-1)
		}
	}
}

// runTick runs up to localMaxTasksPerTick tasks and reports whether it found
// any work. Every localRemoteFirstInterval ticks it looks at the remote queue
// before the local one, so remote wakes cannot starve behind local ones.
func (ls *LocalSet) runTick() bool {
	ran := false
	for i := 0; i < localMaxTasksPerTick; i++ {
		ls.tick++
		var n task.Notified
		var ok bool
		if ls.tick%localRemoteFirstInterval == 0 {
			if n, ok = ls.popRemote(); !ok {
				n, ok = ls.local.Pop()
			}
		} else if n, ok = ls.local.Pop(); !ok {
			n, ok = ls.popRemote()
		}
		if !ok {
			break
		}
		ran = true
		ln := ls.owned.AssertOwner(n)
		if ls.act == nil {
			ln.Run(ls.cx)
			continue
		}
		ls.polling = true
		ln.Run(ls.cx)
		ls.polling = false
		ls.act.Release()
	}
	return ran
}

// popRemote binds the tasks spawned from other goroutines (queueing them
// locally) and takes one task from the remote queue (or, if it is empty, one
// of the newly bound ones).
func (ls *LocalSet) popRemote() (task.Notified, bool) {
	if !ls.hasRemote.Load() {
		return task.Notified{}, false
	}
	ls.mu.Lock()
	pending := ls.mu.pending
	ls.mu.pending = ls.spare[:0]
	n, ok := ls.mu.remote.Pop()
	ls.hasRemote.Store(ls.mu.remote.Len() > 0)
	ls.mu.Unlock()
	for i, p := range pending {
		if m, bound := ls.owned.BindPending(p); bound {
			ls.local.Push(m) // the pending spawn's unit of activity moves to m
		} else {
			ls.release(1)
		}
		pending[i] = task.PendingLocal{}
	}
	ls.spare = pending
	if !ok {
		return ls.local.Pop()
	}
	return n, true
}

// Close shuts every task of the set down (their futures are dropped, on the
// set's thread, and their JoinHandles report cancellations caused by
// ErrLocalSetClosed), stops the set's goroutine, and waits until that is
// done. A task that is being polled is cancelled when its poll returns, so
// Close waits for that poll. Called from inside one of the set's own tasks,
// Close shuts the others down at once and the calling task is cancelled
// when its poll returns. Close is idempotent.
func (ls *LocalSet) Close() {
	ls.closeOnce.Do(func() {
		ls.mu.Lock()
		ls.mu.closed = true
		ls.mu.Unlock()
		ls.closed.Store(true)
		ls.h.unregisterLocalSet(ls)
	})
	if ls.onDriver() {
		// Only this goroutine can shut the set down, whoever closed it
		// first: waiting for closeDone here would wait for ourselves.
		ls.shutdown()
		return
	}
	ls.parker.Unpark()
	<-ls.closeDone
}

// shutdown closes the list and drops everything queued; called on the set's
// goroutine.
func (ls *LocalSet) shutdown() {
	select {
	case <-ls.closeDone:
		return
	default:
	}
	ls.owned.CloseAndShutdownAll(ErrLocalSetClosed)
	ls.mu.Lock()
	var woken task.Queue
	woken.Append(&ls.mu.remote)
	pending := ls.mu.pending
	ls.mu.pending = nil
	ls.mu.Unlock()
	for _, p := range pending {
		p.Cancel(ErrLocalSetClosed)
	}
	dropped := len(pending) + woken.Len() + ls.local.Len()
	woken.DropAll()
	ls.local.DropAll()
	ls.release(dropped)
	close(ls.closeDone)
}

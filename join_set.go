package weft

/*
# How JoinSet works (mirrors tokio task/join_set.rs over util/idle_notified_set.rs)

Every task of a JoinSet has an entry: its JoinHandle, two list links, and the
list it is in. The entry is its own Wakeable, and its Waker is registered as
the task's join waker when the entry is added (by polling the handle with a
Context that carries the entry's Waker), so a task's completion wakes its
entry, not the consumer directly. The set keeps its entries in two intrusive
lists under one mutex:

  - idle: tasks that have not finished, as far as the set knows;
  - notified: tasks whose entry was woken (they finished), newest at the
    front, so popping from the back yields them in completion order.

Waking an entry moves it from idle to the front of notified and wakes the
consumer's Waker (the Waker of the most recent poll of JoinNext), which the
wake takes out of the set, so a burst of completions wakes the consumer once.
PollJoinNext pops the oldest notified entry, moves it back to idle and polls
its handle with the entry's Waker: ready means the entry is removed and its
result returned; pending (possible only after a wake without completion)
leaves the entry idle with its waker registered, to be woken again.

Entry states (entry.state, guarded by mu):

	joinSetInserting  being added: its waker is being registered; in no list
	joinSetWokeEarly  being added, and woken already (or its task had finished
	                  before the insert, so no waker was registered): goes
	                  to notified when linked
	joinSetIdle       in idle
	joinSetNotified   in notified
	joinSetRemoved    in no list, for good: its result was taken, or it was
	                  let go (DetachAll, Close); wakes do nothing

Rules:

 1. mu guards both lists, every entry's links and state, the consumer's Waker,
    the entry count and closed.
 2. An entry's JoinHandle is polled or detached only by the goroutine that
    inserts it, before the entry is linked, and afterwards only by the
    consumer: the goroutine inside PollJoinNext, TryJoinNext,
    BlockingJoinNext, DetachAll or Close, of which there is one at a time
    (busy enforces it). So a handle is never used by two goroutines at once,
    even when inserts race the consumer. Abort and AbortHandle are safe from
    anywhere and need no rule.
 3. An entry's Wake runs on any goroutine at any time, also after the entry
    was removed; it touches only state, links and the consumer's Waker, under
    mu.
 4. Wakers are woken, and handles aborted, only after mu is released, so
    neither a Waker that calls back into the set nor a scheduler that runs a
    task inside Abort can deadlock on mu.

Deviations from Tokio, each forced by Go or chosen for it: Go has no Drop, so
Close does what dropping a tokio JoinSet does (abort and detach every task)
and also marks the set closed, so that an insert racing the Close cannot leave
a task behind. Inserts may run concurrently with the consumer (Tokio needs
&mut self for both), which is why an entry registers its waker before it is
linked (joinSetInserting) instead of after. The coop budget is checked before
an entry is popped, not by the handle's poll, so a spent budget never moves
an entry out of notified; the handle is then polled with an unconstrained
budget, as TryJoinNext always does.
*/

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/gident"
	"github.com/weftrt/weft/internal/gowait"
	"github.com/weftrt/weft/task"
)

// ErrJoinSetEmpty is the Err of a JoinNext result when the set holds no task:
// every task was joined or detached, none was spawned, or the set was closed.
// It plays the role of io.EOF for a loop over JoinNext; it is never the error
// of a task.
var ErrJoinSetEmpty = errors.New("weft: JoinSet is empty")

// ErrJoinSetNoneFinished is returned by [JoinSet.TryJoinNext] when the set
// holds tasks but none of them has finished: the "not now" of TryJoinNext,
// as ErrJoinSetEmpty is its "never".
var ErrJoinSetNoneFinished = errors.New("weft: no task of the JoinSet has finished")

// JoinSet is a collection of tasks whose results are awaited in the order the
// tasks complete. It is Tokio's JoinSet: spawn tasks into it with [SpawnInto]
// or [SpawnLocalInto] (or add a spawned one with [JoinSet.Insert]), then take
// their results one by one with [JoinSet.JoinNext] inside a task,
// [JoinSet.BlockingJoinNext] on a plain goroutine, or all at once with
// [JoinSet.JoinAll].
//
// The zero JoinSet is empty and ready to use; [NewJoinSet] is the same as
// new(JoinSet[T]). A JoinSet must not be copied after first use.
//
// # Closing
//
// Go has no destructors, so a JoinSet cannot abort its tasks when it goes out
// of scope the way a dropped tokio JoinSet does. Call [JoinSet.Close] (for
// example with defer) to abort every task still in the set; tasks that are
// neither joined nor aborted keep running after the set is forgotten, and
// their memory is reclaimed only when they finish.
//
// # Concurrency
//
// Spawning into the set (SpawnInto, SpawnLocalInto, Insert), AbortAll, Len,
// IsEmpty and String are safe from any goroutine at any time. Taking results
// (PollJoinNext and the futures that use it, TryJoinNext, BlockingJoinNext)
// and letting tasks go (DetachAll, Close) is done by one goroutine or task at
// a time, the set's consumer; two of them overlapping panics. Only the most
// recent poll's Waker is kept, so one JoinNext should wait at a time.
//
// The completion of a task (the return of its last poll and the Drop of its
// future) happens before the JoinNext, TryJoinNext or BlockingJoinNext that
// reports it returns. A spawn into the set (SpawnInto, SpawnLocalInto,
// Insert) that returns before a call of Len or JoinNext begins is seen by
// that call.
type JoinSet[T any] struct {
	_ syncNoCopy

	// busy marks that the consumer is inside one of its methods (rule 2).
	busy atomic.Bool

	mu struct {
		sync.Mutex
		idle     joinSetList[T] // guarded by mu
		notified joinSetList[T] // guarded by mu
		n        int            // guarded by mu: entries in idle or notified
		waker    future.Waker   // guarded by mu: the consumer's, taken by a wake
		closed   bool           // guarded by mu: Close was called
	}

	// blk is what BlockingJoinNext waits with, made on first use and reused.
	// Owned by the consumer.
	blk *joinSetBlocking
}

// JoinResult is what JoinNext reports for one task: its ID and output, or
// the reason it has none.
//
// Err is nil when the task returned Value; a *task.JoinError when the task
// was cancelled (aborted, or shut down with its runtime) or panicked; and
// [ErrJoinSetEmpty] (with ID 0) when the set had no task left. A task added
// with Insert after its handle was already joined or detached reports
// task.ErrAlreadyJoined or task.ErrDetached.
type JoinResult[T any] struct {
	// ID is the task's ID, also when Err is set; 0 with ErrJoinSetEmpty.
	ID task.ID
	// Value is the task's output when Err is nil, and the zero T otherwise.
	Value T
	// Err is why there is no output; see JoinResult.
	Err error
}

// NewJoinSet returns an empty JoinSet. The zero JoinSet is just as usable.
func NewJoinSet[T any]() *JoinSet[T] { return new(JoinSet[T]) }

// SpawnInto starts f as a new task on the runtime behind s (see [Spawn]) and
// adds it to js. It returns an AbortHandle for the task; the task's result is
// taken through js. If js is closed, the task is aborted at once and not
// added. It panics where Spawn panics, and when js is nil (before spawning
// anything).
//
// SpawnInto may be called from any goroutine, also while the set's consumer
// waits in JoinNext. It allocates what Spawn allocates plus one entry.
//
//go:noinline
func SpawnInto[F future.Future[T], T any](js *JoinSet[T], s Spawner, f F) task.AbortHandle {
	joinSetCheck(js, "SpawnInto")
	h := handleOf(s)
	jh, n, ok := task.Bind[F, T](h.eng.Owned(), f, h.eng, h.spawnOptions(1))
	if ok {
		h.eng.Spawn(n)
	}
	return js.insert(jh)
}

// SpawnLocalInto starts f as a task of a LocalSet (see [SpawnLocal]; s is the
// *LocalSet or the *future.Context of one of its tasks) and adds it to js. It
// returns an AbortHandle for the task. If js is closed, the task is aborted at
// once and not added. Like SpawnInto it may be called from any goroutine; the
// set itself may be consumed anywhere, including outside the LocalSet.
//
//go:noinline
func SpawnLocalInto[F future.Future[T], T any](js *JoinSet[T], s Spawner, f F) task.AbortHandle {
	joinSetCheck(js, "SpawnLocalInto")
	return js.insert(spawnLocal[F, T](localSetOf(s), f, 2))
}

// Insert adds a task that is already spawned to the set, which takes
// ownership of h: from now on the set joins, detaches or aborts it, and the
// caller must not Join, Poll or Detach h any more (Abort, AbortHandle, ID and
// IsFinished stay safe). A task that has already finished is added too, and is
// reported like any other finished task. Inserting a handle that was already joined or
// detached adds an entry whose result is that error. If js is closed, the
// task is aborted and detached at once instead.
//
// Insert returns the task's AbortHandle. It may be called from any goroutine,
// and it panics when h is nil.
func (js *JoinSet[T]) Insert(h *task.JoinHandle[T]) task.AbortHandle {
	joinSetCheck(js, "Insert")
	if h == nil {
		panic("weft: JoinSet.Insert of a nil *task.JoinHandle")
	}
	return js.insert(h)
}

func joinSetCheck[T any](js *JoinSet[T], op string) {
	if js == nil {
		panic("weft: " + op + " with a nil *JoinSet")
	}
}

func (js *JoinSet[T]) insert(h *task.JoinHandle[T]) task.AbortHandle {
	return js.link(js.register(h))
}

// register makes h's entry and registers its waker as h's join waker,
// before the entry is linked (rule 2: once linked, only the consumer polls
// the handle). A wake that comes in now finds the entry joinSetInserting.
func (js *JoinSet[T]) register(h *task.JoinHandle[T]) *joinSetEntry[T] {
	e := &joinSetEntry[T]{js: js, h: h} // state joinSetInserting
	if h.IsFinished() {
		// Nothing to register: queue it; the consumer's poll takes the
		// output. This also spares the allocation of e.early. e is not
		// shared yet, so no lock is needed.
		e.state = joinSetWokeEarly
	} else if r, ok := e.poll(); ok {
		// The task finished between the check and the poll (or h was
		// already joined or detached): the poll took the result.
		p := new(future.Result[T])
		*p = r
		e.early = p
	}
	return e
}

// link puts a registered entry in the list its state calls for (notified if
// it was woken meanwhile or already has its result), or, when the set is
// closed, aborts and detaches its task instead.
func (js *JoinSet[T]) link(e *joinSetEntry[T]) task.AbortHandle {
	h := e.h
	ah := h.AbortHandle()
	js.mu.Lock()
	if js.mu.closed {
		e.state = joinSetRemoved
		js.mu.Unlock()
		h.Abort()
		h.Detach()
		return ah
	}
	var w future.Waker
	if e.state == joinSetWokeEarly || e.early != nil {
		e.state = joinSetNotified
		js.mu.notified.pushFront(e)
		w = js.mu.waker
		js.mu.waker = future.Waker{}
	} else {
		e.state = joinSetIdle
		js.mu.idle.pushFront(e)
	}
	js.mu.n++
	js.mu.Unlock()
	w.Wake()
	return ah
}

// Len returns the number of tasks in the set: spawned or inserted and not yet
// joined, detached or closed. Tasks that finished but were not joined yet
// count. It is a snapshot; safe from any goroutine.
func (js *JoinSet[T]) Len() int {
	js.mu.Lock()
	n := js.mu.n
	js.mu.Unlock()
	return n
}

// IsEmpty reports whether the set holds no task (Len() == 0).
func (js *JoinSet[T]) IsEmpty() bool { return js.Len() == 0 }

// String describes the set for logs and task dumps, for example
// "JoinSet (5 tasks, 2 finished)". Safe from any goroutine.
func (js *JoinSet[T]) String() string { return js.describe("JoinSet") }

func (js *JoinSet[T]) describe(name string) string {
	js.mu.Lock()
	n, ready := js.mu.n, js.mu.notified.n
	js.mu.Unlock()
	s := name + " (" + strconv.Itoa(n) + " task"
	if n != 1 {
		s += "s"
	}
	if ready > 0 {
		s += ", " + strconv.Itoa(ready) + " finished"
	}
	return s + ")"
}

// AbortAll asks every task in the set to be cancelled (see
// task.JoinHandle.Abort). The tasks stay in the set: JoinNext reports each of
// them, with a cancellation, or with its output if it completed before the
// abort took effect. Tasks added after AbortAll returns are not affected. Safe
// from any goroutine, also while the consumer waits in JoinNext.
func (js *JoinSet[T]) AbortAll() {
	var buf [32]task.AbortHandle
	hs := buf[:0]
	js.mu.Lock()
	for e := js.mu.idle.head; e != nil; e = e.next {
		hs = append(hs, e.h.AbortHandle())
	}
	for e := js.mu.notified.head; e != nil; e = e.next {
		hs = append(hs, e.h.AbortHandle())
	}
	js.mu.Unlock()
	// Rule 4: abort outside mu.
	for _, h := range hs {
		h.Abort()
	}
}

// DetachAll removes every task from the set without aborting it: the tasks
// run on, and their outputs are dropped when they complete. The set is empty
// afterwards and stays usable. It is a consumer method.
func (js *JoinSet[T]) DetachAll() {
	js.enter()
	defer js.exit()
	for e := js.takeAll(false); e != nil; {
		next := e.next
		e.next = nil
		e.h.Detach()
		e = next
	}
}

// Close aborts every task in the set and lets go of them (the work that
// dropping a tokio JoinSet does, which Go cannot do by itself), and closes the
// set: later spawns into it abort their task at once, and JoinNext reports
// ErrJoinSetEmpty. It does not wait for the tasks to end; use Shutdown for
// that. Close is idempotent and is a consumer method; the usual call is
// `defer js.Close()` right after creating the set.
func (js *JoinSet[T]) Close() {
	js.enter()
	defer js.exit()
	for e := js.takeAll(true); e != nil; {
		next := e.next
		e.next = nil
		e.h.Abort()
		e.h.Detach()
		e = next
	}
}

// takeAll unlinks every entry, marks it removed, and returns them chained
// through next (the chain is the caller's: wakes no longer touch removed
// entries). With closing it also closes the set.
func (js *JoinSet[T]) takeAll(closing bool) *joinSetEntry[T] {
	js.mu.Lock()
	defer js.mu.Unlock()
	if closing {
		js.mu.closed = true
		js.mu.waker = future.Waker{}
	}
	var chain *joinSetEntry[T]
	for _, l := range [2]*joinSetList[T]{&js.mu.idle, &js.mu.notified} {
		for e := l.head; e != nil; {
			next := e.next
			e.prev, e.next = nil, chain
			e.state = joinSetRemoved
			chain = e
			e = next
		}
		*l = joinSetList[T]{}
	}
	js.mu.n = 0
	return chain
}

// PollJoinNext is the poll function behind JoinNext, for hand-written futures
// that join without allocating a future per result. It returns the result of
// a finished task and true; or, when the set holds no task, a result whose
// Err is ErrJoinSetEmpty and true; or false when no task has finished yet,
// after arranging for cx's Waker to be woken when one does (only the Waker of
// the most recent poll is kept).
//
// It consumes one unit of cx's coop budget for each result; when the budget
// is spent and a result is waiting, it wakes cx's Waker and returns false, so
// the calling task yields before it continues. It never allocates. It is a
// consumer method.
func (js *JoinSet[T]) PollJoinNext(cx *future.Context) (JoinResult[T], bool) {
	js.enter()
	defer js.exit()
	return js.pollJoinNext(cx)
}

func (js *JoinSet[T]) pollJoinNext(cx *future.Context) (JoinResult[T], bool) {
	js.mu.Lock()
	if js.mu.n == 0 {
		js.mu.Unlock()
		return JoinResult[T]{Err: ErrJoinSetEmpty}, true
	}
	if w := cx.Waker(); !js.mu.waker.WillWake(w) {
		js.mu.waker = w
	}
	e := js.mu.notified.tail
	if e == nil {
		js.mu.Unlock()
		return JoinResult[T]{}, false
	}
	if !cx.HasBudget() {
		js.mu.Unlock()
		cx.ConsumeBudget() // spent: wakes the task so that it yields first
		return JoinResult[T]{}, false
	}
	// Back to idle while we poll: a wake during the poll moves it to
	// notified again (Tokio's pop_notified).
	js.mu.notified.remove(e)
	js.mu.idle.pushFront(e)
	e.state = joinSetIdle
	js.mu.Unlock()

	cx.ConsumeBudget() // cannot fail: we checked
	if r, ok := js.take(e); ok {
		return r, true
	}
	// The entry was woken but its task has not finished: its waker is
	// registered again, so it will be woken. Yield, as Tokio does, instead
	// of spinning over the notified list.
	cx.RefundBudget()
	cx.Waker().Wake()
	return JoinResult[T]{}, false
}

// take polls e's handle (or takes the result its insert already got) and,
// when it is ready, removes e from the set. Called by the consumer only.
func (js *JoinSet[T]) take(e *joinSetEntry[T]) (JoinResult[T], bool) {
	var r future.Result[T]
	if e.early != nil {
		r, e.early = *e.early, nil
	} else {
		var ok bool
		if r, ok = e.poll(); !ok {
			return JoinResult[T]{}, false
		}
	}
	js.mu.Lock()
	switch e.state {
	case joinSetIdle:
		js.mu.idle.remove(e)
	case joinSetNotified:
		js.mu.notified.remove(e)
	}
	e.state = joinSetRemoved
	js.mu.n--
	js.mu.Unlock()
	return JoinResult[T]{ID: e.h.ID(), Value: r.Value, Err: r.Err}, true
}

// TryJoinNext returns the ID and output (or *task.JoinError) of a task that
// has finished, without waiting, like BlockingJoinNext; when no result is
// there it returns ErrJoinSetNoneFinished if the set still holds tasks and
// ErrJoinSetEmpty if it holds none. Results come in completion order, as
// with JoinNext. It polls the handles of finished tasks with an
// unconstrained budget, so a spent coop budget of the calling task never
// makes it miss a finished task. It never allocates. It is a consumer method.
// Tokio's equivalent is JoinSet::try_join_next_with_id, whose None stands for
// both failures.
func (js *JoinSet[T]) TryJoinNext() (task.ID, T, error) {
	js.enter()
	defer js.exit()
	for {
		js.mu.Lock()
		e := js.mu.notified.tail
		if e == nil {
			err := ErrJoinSetNoneFinished
			if js.mu.n == 0 {
				err = ErrJoinSetEmpty
			}
			js.mu.Unlock()
			var zero T
			return 0, zero, err
		}
		js.mu.notified.remove(e)
		js.mu.idle.pushFront(e)
		e.state = joinSetIdle
		js.mu.Unlock()
		if r, ok := js.take(e); ok {
			return r.ID, r.Value, r.Err
		}
		// Woken without finishing: it is idle and registered again, so
		// this loop ends once notified has no such entry left.
	}
}

// joinSetBlocking is what BlockingJoinNext waits with.
type joinSetBlocking struct {
	sig *future.Signal
	cx  *future.Context
}

// BlockingJoinNext waits on the calling goroutine for the next task to
// finish and returns its ID and output, or its *task.JoinError. It returns
// ErrJoinSetEmpty at once when the set holds no task, and ctx.Err() when ctx
// ends first (the set is unchanged then). It is for plain goroutines: inside
// a task, await JoinNext instead, since blocking would stall the worker
// (called from inside a task, it panics when it would have to wait). The
// tasks of a current-thread runtime run only while some goroutine is inside
// BlockOn, so waiting here for one of them needs such a goroutine. It is a
// consumer method, and it allocates only on its first call for a set. It
// panics when ctx is nil. It was named JoinNextBlocking; every
// goroutine-side wait of weft is named BlockingX(ctx, ...). Tokio's JoinSet
// has no blocking form: this is join_next_with_id for a plain thread.
func (js *JoinSet[T]) BlockingJoinNext(ctx context.Context) (task.ID, T, error) {
	gowait.CheckContext(ctx)
	js.enter()
	defer js.exit()
	b := js.blk
	if b == nil {
		sig := future.NewSignal()
		b = &joinSetBlocking{sig: sig, cx: future.NewContext(sig.Waker())}
		js.blk = b
	}
	for {
		r, ok := js.pollJoinNext(b.cx)
		if ok {
			js.clearWaker(b.cx.Waker())
			return r.ID, r.Value, r.Err
		}
		if gident.InTask() {
			js.clearWaker(b.cx.Waker())
			panic("weft: JoinSet.BlockingJoinNext called from inside a task, whose goroutine it would block " +
				"(for ever when the tasks can only run there): await JoinNext instead")
		}
		if err := b.sig.BlockingWait(ctx); err != nil {
			js.clearWaker(b.cx.Waker())
			var zero T
			return 0, zero, err
		}
	}
}

// clearWaker forgets the consumer's waker if it is w, so that a waiter that
// went away is not woken for nothing.
func (js *JoinSet[T]) clearWaker(w future.Waker) {
	if w.IsZero() {
		return
	}
	js.mu.Lock()
	if js.mu.waker.WillWake(w) {
		js.mu.waker = future.Waker{}
	}
	js.mu.Unlock()
}

func (js *JoinSet[T]) enter() {
	if !js.busy.CompareAndSwap(false, true) {
		panic("weft: JoinSet consumed by two goroutines at once (JoinNext, TryJoinNext, BlockingJoinNext, DetachAll and Close must not overlap)")
	}
}

func (js *JoinSet[T]) exit() { js.busy.Store(false) }

// JoinNext returns a future of the next result: the first task to complete
// among those in the set (see [JoinSet.PollJoinNext] for the details, and
// [JoinResult] for what it reports). When the set holds no task the future
// is ready at once with ErrJoinSetEmpty. Dropping the future while it waits
// takes nothing out of the set.
//
// Building the future allocates; a loop that must not allocate keeps one
// future and Resets it, or calls PollJoinNext from its own future.
func (js *JoinSet[T]) JoinNext() *JoinNextFuture[T] {
	return &JoinNextFuture[T]{js: js}
}

// JoinNextFuture is the future returned by [JoinSet.JoinNext], the future of
// Tokio's JoinSet::join_next_with_id (it was named JoinSetJoinNextFuture; the
// root package has no other JoinNext). It must not be polled again after it
// returned ready (Reset it to reuse it).
//
// JoinNextFuture implements future.Dropper: dropping it while it waits
// unregisters its waker; the set and its tasks are untouched.
type JoinNextFuture[T any] struct {
	js    *JoinSet[T]
	waker future.Waker // the waker registered by the last pending poll
	done  bool
}

// Poll implements future.Future; see [JoinSet.PollJoinNext].
func (f *JoinNextFuture[T]) Poll(cx *future.Context) (JoinResult[T], bool) {
	if f.done {
		panic("weft: JoinNextFuture polled after it completed")
	}
	r, ok := f.js.PollJoinNext(cx)
	if ok {
		f.done, f.waker = true, future.Waker{}
		return r, true
	}
	f.waker = cx.Waker()
	return r, false
}

// Reset makes f a new, unpolled JoinNext of js, so that a future kept by
// value can join again and again without allocating. It drops f first.
func (f *JoinNextFuture[T]) Reset(js *JoinSet[T]) {
	f.Drop()
	*f = JoinNextFuture[T]{js: js}
}

// Drop abandons f; see [JoinNextFuture].
func (f *JoinNextFuture[T]) Drop() {
	if f.js != nil && !f.done {
		f.js.clearWaker(f.waker)
	}
	f.done, f.waker = true, future.Waker{}
}

// String describes f for task dumps, for example "JoinSet.JoinNext (5
// tasks)".
func (f *JoinNextFuture[T]) String() string {
	if f.done {
		return "JoinSet.JoinNext (done)"
	}
	return f.js.describe("JoinSet.JoinNext")
}

// Shutdown returns a future that aborts every task in the set (AbortAll) on
// its first poll and then joins them all, discarding their results; it is
// ready once the set is empty. Tasks spawned into the set while it waits are
// joined too, but not aborted. Dropping the future while it waits leaves the
// remaining (aborted) tasks in the set.
func (js *JoinSet[T]) Shutdown() *JoinSetShutdownFuture[T] {
	return &JoinSetShutdownFuture[T]{js: js}
}

// JoinSetShutdownFuture is the future returned by [JoinSet.Shutdown], the
// future of Tokio's JoinSet::shutdown. It keeps the JoinSet prefix: a bare
// ShutdownFuture in the root package would read as the Runtime's shutdown.
// It consumes coop budget per joined task like JoinNext. It implements
// future.Dropper.
type JoinSetShutdownFuture[T any] struct {
	js      *JoinSet[T]
	waker   future.Waker
	aborted bool
	done    bool
}

// Poll implements future.Future.
func (f *JoinSetShutdownFuture[T]) Poll(cx *future.Context) (struct{}, bool) {
	if f.done {
		return struct{}{}, true
	}
	if !f.aborted {
		f.aborted = true
		f.js.AbortAll()
	}
	for {
		r, ok := f.js.PollJoinNext(cx)
		if !ok {
			f.waker = cx.Waker()
			return struct{}{}, false
		}
		if r.Err == ErrJoinSetEmpty {
			f.done, f.waker = true, future.Waker{}
			return struct{}{}, true
		}
	}
}

// Drop abandons f; see [JoinSet.Shutdown].
func (f *JoinSetShutdownFuture[T]) Drop() {
	if !f.done {
		f.js.clearWaker(f.waker)
	}
	f.done, f.waker = true, future.Waker{}
}

// String describes f for task dumps, for example "JoinSet.Shutdown (3
// tasks)".
func (f *JoinSetShutdownFuture[T]) String() string {
	if f.done {
		return "JoinSet.Shutdown (done)"
	}
	return f.js.describe("JoinSet.Shutdown")
}

// JoinAll returns a future that joins every task in the set and outputs the
// values of those that succeeded, in completion order; the set is empty when
// it is ready.
//
// Error policy: at the first task that fails (cancelled or panicked), JoinAll
// aborts every task still in the set, keeps joining until the set is empty
// (so no task of the set is still running when it returns, as with
// errgroup.Wait), and then outputs the values collected plus that first
// *task.JoinError as Err. A panic is returned as an error, never re-raised
// (Tokio's join_all re-panics; Go's errgroup tried re-panicking and backed it
// out because delayed panics hid crashes).
//
// Tasks spawned into the set while JoinAll waits are joined too. Dropping the
// future while it waits loses the values it collected; the tasks it has not
// joined stay in the set.
func (js *JoinSet[T]) JoinAll() *JoinAllFuture[T] {
	return &JoinAllFuture[T]{js: js}
}

// JoinAllFuture is the future returned by [JoinSet.JoinAll], the future of
// Tokio's JoinSet::join_all (it was named JoinSetJoinAllFuture). It consumes
// coop budget per joined task like JoinNext. It implements future.Dropper.
type JoinAllFuture[T any] struct {
	js      *JoinSet[T]
	waker   future.Waker
	out     []T
	err     error
	started bool
	done    bool
}

// Poll implements future.Future.
func (f *JoinAllFuture[T]) Poll(cx *future.Context) (future.Result[[]T], bool) {
	if f.done {
		panic("weft: JoinAllFuture polled after it completed")
	}
	if !f.started {
		f.started = true
		if n := f.js.Len(); n > 0 {
			f.out = make([]T, 0, n)
		}
	}
	for {
		r, ok := f.js.PollJoinNext(cx)
		if !ok {
			f.waker = cx.Waker()
			return future.Result[[]T]{}, false
		}
		switch {
		case r.Err == ErrJoinSetEmpty:
			out := future.Result[[]T]{Value: f.out, Err: f.err}
			f.out, f.err, f.done, f.waker = nil, nil, true, future.Waker{}
			return out, true
		case r.Err != nil:
			if f.err == nil {
				f.err = r.Err
				f.js.AbortAll()
			}
		default:
			f.out = append(f.out, r.Value)
		}
	}
}

// Drop abandons f; see [JoinSet.JoinAll].
func (f *JoinAllFuture[T]) Drop() {
	if !f.done {
		f.js.clearWaker(f.waker)
	}
	f.out, f.err, f.done, f.waker = nil, nil, true, future.Waker{}
}

// String describes f for task dumps, for example "JoinSet.JoinAll (5
// tasks)".
func (f *JoinAllFuture[T]) String() string {
	if f.done {
		return "JoinSet.JoinAll (done)"
	}
	return f.js.describe("JoinSet.JoinAll")
}

// joinSetState is where an entry is; see the top of this file.
type joinSetState uint8

const (
	joinSetInserting joinSetState = iota
	joinSetWokeEarly
	joinSetIdle
	joinSetNotified
	joinSetRemoved
)

// joinSetEntry is one task of a JoinSet, and the Wakeable registered as its
// join waker. One allocation per task.
type joinSetEntry[T any] struct {
	js *JoinSet[T]         // immutable
	h  *task.JoinHandle[T] // immutable; used per rule 2
	// early is the result an insert's registering poll got (the task had
	// just finished). Written before the entry is linked, read by the
	// consumer after it pops the entry; mu orders the two.
	early *future.Result[T]

	prev, next *joinSetEntry[T] // guarded by js.mu
	state      joinSetState     // guarded by js.mu (once the entry is shared)
}

// Wake moves the entry to the notified list and wakes the consumer. Safe from
// any goroutine, any number of times, also after the entry left the set.
func (e *joinSetEntry[T]) Wake(uint64) {
	js := e.js
	js.mu.Lock()
	switch e.state {
	case joinSetInserting:
		e.state = joinSetWokeEarly
		js.mu.Unlock()
		return
	case joinSetIdle:
	default: // already notified, or gone
		js.mu.Unlock()
		return
	}
	js.mu.idle.remove(e)
	js.mu.notified.pushFront(e)
	e.state = joinSetNotified
	w := js.mu.waker
	js.mu.waker = future.Waker{}
	js.mu.Unlock()
	w.Wake()
}

// poll polls the entry's handle with the entry's waker and an unconstrained
// budget (the caller accounts for the budget). It does not allocate: the
// Context stays on the stack.
func (e *joinSetEntry[T]) poll() (future.Result[T], bool) {
	var cx future.Context
	futurecx.SetBudget(&cx, -1)
	futurecx.SetWaker(&cx, future.NewWaker(e))
	return e.h.Poll(&cx)
}

// joinSetList is an intrusive doubly linked list of entries, newest at head.
// The zero value is empty. Guarded by the set's mu.
type joinSetList[T any] struct {
	head, tail *joinSetEntry[T]
	n          int
}

func (l *joinSetList[T]) pushFront(e *joinSetEntry[T]) {
	e.prev, e.next = nil, l.head
	if l.head != nil {
		l.head.prev = e
	} else {
		l.tail = e
	}
	l.head = e
	l.n++
}

// remove unlinks e, which must be in l.
func (l *joinSetList[T]) remove(e *joinSetEntry[T]) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		l.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		l.tail = e.prev
	}
	e.prev, e.next = nil, nil
	l.n--
}

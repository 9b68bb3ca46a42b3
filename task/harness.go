package task

/*
The harness is the only code that moves a task between states: it runs the
transitions of state.go and does what their results say. Every method here is
on the typed cell, reached from untyped code through the Header's vtable.

# Safety scenarios

Poll racing an abort. An abort that lands while the future is polled only sets
CANCELLED|NOTIFIED. If that poll returns Ready the task completes normally and
the abort is lost (as in Tokio: abort never preempts a poll); if it returns
Pending, toIdle reports Cancelled without releasing RUNNING, and the poller
drops the future and stores the cancellation. Either way exactly one goroutine
touches the stage.

Completion with no join interest. When the JoinHandle was detached before the
task completed, toComplete's snapshot shows JOIN_INTEREST clear, and the
completing goroutine owns the output (rule 7 in join_waker.go): it drops it at
once, so nothing waits in the cell for a reader that will never come.

A panic in Drop. The future's Drop runs inside the same recover as its Poll;
a panic there after Ready completes the task with a panic JoinError, and the
output Poll returned is dropped unread (Tokio does the same: it drops the
output while unwinding). A panic in Drop during a cancellation turns
the Cancelled error into a panic error. Panics while dropping an unread output,
while waking the join waker, and in hooks are swallowed. No panic of user code
leaves the harness; a violated invariant of weft itself is re-panicked.

Shutdown racing a poll. transitionToShutdown sets CANCELLED and takes RUNNING
only when the task is idle. If a poller holds the task, the poller sees
CANCELLED at toIdle and cancels; the shutdown just drops the list's reference.
Whoever holds RUNNING cancels, never both.

runtime.Goexit inside a poll (t.FailNow in a test, for example) cannot be
stopped. The harness completes the task with a panic JoinError on the way out
so that its JoinHandle does not hang; the goroutine that polled still exits,
and the scheduler must replace it. The same holds for a Goexit in the
future's Drop, wherever Drop runs: after a Poll panic (storePanic), or during
a cancellation by abort, shutdown or a dump's unlock (cancelTask, an Async
body's deferred call unwinding included). Each of those completes the task
from a deferred call while the goroutine unwinds, since the code after Drop,
and the caller's complete(), never run. The goroutine that was shutting
tasks down exits too, and its scheduler carries the shutdown on in another.
*/

import (
	"errors"
	"runtime/debug"
	"unsafe"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/invariants"
	"github.com/weftrt/weft/internal/list"
	"github.com/weftrt/weft/internal/monotime"
	"github.com/weftrt/weft/internal/values"
)

// stage says what the cell holds.
type stage uint8

const (
	stageRunning  stage = iota // fut holds the future
	stageFinished              // out and err hold the output
	stageConsumed              // nothing: the future is gone and the output taken or dropped
)

// core is the part of a task cell that depends only on the output type; the
// JoinHandle works on it. Its stage is in the header (Header.stage).
//
// out comes before err so that a zero-size output is not the last field (Go
// pads a struct that ends in one).
type core[T any] struct {
	hdr Header     // must stay the first field: see taskType
	out T          // with err: the output, once stage is stageFinished
	err *JoinError // set when the task failed instead of producing out
}

// cell is a whole task: header, output, and the future stored inline. F is
// the future's type, either a future.Future[T] itself (a pointer, or a
// value whose Poll has a value receiver: Bind) or a value whose pointer is
// one (BindInline); the harness does not care which, except in the one call
// to Poll (pollStored and pollInline). Cells are recycled once their
// reference count reaches zero (cell_cache.go).
type cell[F any, T any] struct {
	core[T]
	fut F
}

// statsCell is a cell with a pointer to its task's Stats after it, for
// runtimes that keep them (Options.Stats): a separate task type, so that
// the header of every other task has no room for them. Header.Stats finds
// the pointer through taskType.statsOff.
type statsCell[F any, T any] struct {
	cell[F, T]
	stats *Stats
}

// harness is a cell seen through the operations that move its task between
// states: poll, complete, cancel, shutdown, dealloc. It is the only code that
// acts on the results of the transitions in state.go (Tokio's Harness). The
// two types share one layout; a *cell is converted to a *harness to operate
// on it.
type harness[F any, T any] cell[F, T]

// ErrGoexit is the panic value recorded for a task whose future called
// runtime.Goexit.
var ErrGoexit = errors.New("task: future called runtime.Goexit")

// newCell builds a task of type tt (whose cells are cell[F, T], or
// statsCell[F, T] when tt.statsOff is not 0) in the state init
// (initialState, or initialDetachedState) with the generation of its new
// ID, reusing a recycled cell when one is free (cell_cache.go). It also
// returns the calling goroutine's CellCache, nil when it has none.
func newCell[F any, T any](f F, tt *taskType, b *binding, init Snapshot, opts Options) (*cell[F, T], *CellCache) {
	if values.IsNilWith(tt.futFacts, f) {
		panic("task: spawn of a nil future")
	}
	tt = tt.paddedOr()
	h, cache := reuseCell(tt, b)
	if h == nil {
		if tt.alloc != nil {
			h = tt.alloc() // padded (cell_padding.go)
		} else if tt.statsOff != 0 {
			h = &new(statsCell[F, T]).hdr
		} else {
			h = &new(cell[F, T]).hdr
		}
	}
	// The cell was made as a cell[F, T] (or a statsCell[F, T], which
	// starts with one) of task type tt, which is this pair's.
	c := (*cell[F, T])(unsafe.Pointer(h))
	c.hdr.cached = cache != nil
	// A recycled cell was reset by dealloc; only stale Wakers and
	// AbortHandles can still reach it, and they read nothing but the state
	// word, which the Store below publishes last.
	var id ID
	if cache != nil {
		id = cache.nextID()
	} else {
		id = NextID()
	}
	c.fut = f
	// A recycled cell mostly holds these already: a pointer store that
	// changes nothing still costs a write barrier while the collector
	// marks.
	if c.hdr.typ != tt {
		c.hdr.typ = tt
	}
	if c.hdr.sched != b {
		c.hdr.sched = b
	}
	c.hdr.idHi = uint32(id >> 32)
	if opts.SpawnPC != 0 {
		c.hdr.site = siteOf(opts.SpawnPC)
	}
	if tt.statsOff != 0 {
		*h.statsSlot(tt.statsOff) = &Stats{spawnedAt: monotime.Now()}
	}
	c.hdr.state.v.Store(uint64(init.withGen(id)))
	return c, cache
}

// pollStored is the taskType.poll of a future stored as itself (Bind): it
// runs the task for a Notified whose reference the caller hands over.
// Mirrors tokio Harness::poll and poll_inner.
//
// The future's Poll (and its Drop, after Ready) runs inside a recover:
// polling is true exactly while user code runs, so that a panic of weft's own
// code after it is not taken for the task's.
func pollStored[F future.Future[T], T any](h *Header, cx *future.Context) {
	c := harnessOf[F, T](h)
	hooks, ok := c.startPoll(cx)
	if !ok {
		return
	}
	polling := true
	defer func() {
		if polling {
			c.pollPanicked(hooks, recover())
		}
	}()
	v, ready := c.fut.Poll(cx)
	if ready {
		c.storeOutput(v)
	}
	polling = false
	c.finishPoll(hooks, ready)
}

// pollInline is pollStored for a future whose Poll has a pointer receiver,
// stored inline by value (BindInline): the harness polls it at its address
// in the cell. Only the call to Poll differs from pollStored.
func pollInline[F any, PF interface {
	*F
	future.Future[T]
}, T any](h *Header, cx *future.Context) {
	c := harnessOf[F, T](h)
	hooks, ok := c.startPoll(cx)
	if !ok {
		return
	}
	polling := true
	defer func() {
		if polling {
			c.pollPanicked(hooks, recover())
		}
	}()
	v, ready := PF(&c.fut).Poll(cx)
	if ready {
		c.storeOutput(v)
	}
	polling = false
	c.finishPoll(hooks, ready)
}

// pollPanicked handles a poll that did not return: the future (or its Drop)
// panicked with r, or called runtime.Goexit (r is nil; a panic value is
// never nil since Go 1.21). It records r as the task's output, dropping the
// future, and finishes the poll as a ready one; after Goexit storePanic has
// completed the task itself, since the goroutine does not come back.
func (c *harness[F, T]) pollPanicked(hooks *Hooks, r any) {
	c.storePanic(r, r == nil)
	if r != nil {
		c.finishPoll(hooks, true)
	}
}

// startPoll takes the task for a poll, with the reference of the Notified
// being run. When the future must be polled it sets up cx, runs the
// BeforePoll hook and reports true with the hooks (finishPoll follows);
// otherwise it has done what the state said (cancel, dealloc, nothing).
func (c *harness[F, T]) startPoll(cx *future.Context) (*Hooks, bool) {
	h := &c.hdr
	switch h.state.toRunning() {
	case runningSuccess:
		id := uint64(h.ID())
		futurecx.SetWaker(cx, future.NewTaggedWaker(h, id))
		futurecx.SetTaskID(cx, id)
		if off := h.typ.statsOff; off != 0 {
			(*h.statsSlot(off)).recordPoll(monotime.Now())
		}
		hooks := h.sched.Hooks()
		if hooks != nil && hooks.BeforePoll != nil {
			runHook(hooks.BeforePoll, h)
		}
		return hooks, true
	case runningCancelled:
		c.cancelTask(nil)
		c.complete()
	case runningFailed:
	case runningDealloc:
		c.dealloc()
	}
	return nil, false
}

// finishPoll follows a poll that reported ready (the task finished, with
// output or with a panic) or not: it runs the AfterPoll hook, then completes
// the task or gives RUNNING back.
func (c *harness[F, T]) finishPoll(hooks *Hooks, ready bool) {
	h := &c.hdr
	if hooks != nil && hooks.AfterPoll != nil {
		runHook(hooks.AfterPoll, h)
	}
	if ready {
		c.complete()
		return
	}
	switch h.state.toIdle() {
	case idleOK:
	case idleOKNotified:
		// Our reference now belongs to this Notified.
		h.sched.Yield(Notified{h: h})
	case idleOKDealloc:
		c.dealloc()
	case idleCancelled:
		c.cancelTask(nil)
		c.complete()
	}
}

// storeOutput keeps what Poll returned and drops the future. The output is
// stored before Drop runs: if Drop panics, storePanic finds the output there
// and drops it (Tokio drops it while unwinding), instead of losing it
// without its Drop.
func (c *harness[F, T]) storeOutput(v T) {
	c.out = v
	c.dropFuture()
	c.hdr.stage = stageFinished
}

// storePanic records a panic of the future (or its Drop) as the task's
// output. goexit is true when the goroutine is exiting through
// runtime.Goexit rather than panicking; the task is then completed here,
// because the caller will never resume. It is also completed here when the
// Drop that storePanic calls exits through runtime.Goexit.
func (c *harness[F, T]) storePanic(r any, goexit bool) {
	if v, ok := r.(*invariants.Violation); ok {
		panic(v)
	}
	stack := debug.Stack()
	if goexit {
		r = ErrGoexit
	}
	if sp, ok := r.(*StackedPanic); ok {
		r, stack = sp.Value, sp.Stack
	}
	dropped := false
	defer func() {
		if !dropped {
			// Drop called runtime.Goexit: report the first panic, the
			// cause worth reporting, and complete on the way out.
			c.fail(r, stack)
			c.complete()
		}
	}()
	// Drop the future if Poll itself panicked. If Drop panicked we are
	// past that (stage is no longer stageRunning), and Poll had returned
	// an output that nobody will read: drop it.
	if c.hdr.stage == stageRunning {
		// A second panic, in Drop, is swallowed: the first one (in Poll)
		// is the cause worth reporting.
		c.dropFutureCatching()
	} else {
		dropUnread(c.hdr.typ.outFacts, &c.out)
	}
	dropped = true
	c.fail(r, stack)
	func() {
		defer func() { _ = recover() }()
		c.hdr.sched.UnhandledPanic(c.err)
	}()
	if goexit {
		c.complete()
	}
}

// fail stores a panic as the task's outcome, with the future and any output
// gone. The caller holds RUNNING; the future has been dropped (or its Drop
// did not return).
func (c *harness[F, T]) fail(r any, stack []byte) {
	var zf F
	c.fut = zf
	var zo T
	c.out = zo
	c.err = newPanic(c.hdr.ID(), r, stack)
	c.hdr.stage = stageFinished
}

// dropFuture marks the future gone and calls its Drop. The caller holds
// RUNNING. A panic propagates to the caller's recover.
func (c *harness[F, T]) dropFuture() {
	if c.hdr.stage != stageRunning {
		return
	}
	c.hdr.stage = stageConsumed
	if ff := c.hdr.typ.futFacts; ff.MayDrop() {
		values.DropWith(ff, &c.fut)
	}
	var z F
	c.fut = z
}

// dropFutureCatching is dropFuture with its own recover; it reports false
// with the panic value and stack when Drop panicked.
func (c *harness[F, T]) dropFutureCatching() (value any, stack []byte, ok bool) {
	ok = true
	func() {
		normal := false
		defer func() {
			if normal {
				return
			}
			r := recover()
			if v, isV := r.(*invariants.Violation); isV {
				panic(v)
			}
			if r == nil {
				r = ErrGoexit
			}
			value, stack, ok = r, debug.Stack(), false
		}()
		c.dropFuture()
		normal = true
	}()
	var z F
	c.fut = z
	return value, stack, ok
}

// cancelTask drops the future and stores a cancellation (or the panic of the
// future's Drop). The caller holds RUNNING. Mirrors tokio cancel_task.
//
// When Drop calls runtime.Goexit, cancelTask completes the task itself on
// the way out, with a panic JoinError whose value is ErrGoexit, and never
// returns: the caller's complete() would not run, and the JoinHandle would
// wait for ever. The caller's goroutine then exits, as after a Goexit in
// Poll.
func (c *harness[F, T]) cancelTask(cause error) {
	dropped := false
	defer func() {
		if !dropped {
			c.fail(ErrGoexit, debug.Stack())
			c.complete()
		}
	}()
	p, stack, ok := c.dropFutureCatching()
	dropped = true
	if !ok {
		c.err = newPanic(c.hdr.ID(), p, stack)
	} else {
		if cause == nil {
			if cc, isCC := c.hdr.sched.Scheduler.(CancelCauser); isCC {
				cause = cc.CancelCause()
			}
		}
		c.err = newCancelled(c.hdr.ID(), cause)
	}
	var zo T
	c.out = zo
	c.hdr.stage = stageFinished
}

// complete publishes the output, wakes the JoinHandle, runs the terminate
// hook, removes the task from its list and drops the poller's (and the
// list's) reference. The caller holds RUNNING and the stage is
// stageFinished. Mirrors tokio Harness::complete.
func (c *harness[F, T]) complete() {
	h := &c.hdr
	outcome := OutcomeCompleted
	if c.err != nil {
		outcome = OutcomeCancelled
		if c.err.panic {
			outcome = OutcomePanicked
		}
	}
	snap := h.state.toComplete()
	if !snap.IsJoinInterested() {
		// Rule 7: the handle is gone, the output is ours to drop.
		c.dropOutput()
	} else if snap.IsJoinWakerSet() {
		// Rule 4: COMPLETE and JOIN_WAKER, we may read the slot.
		wakeGuarded(h.join.waker)
		if !h.state.unsetWakerAfterComplete().IsJoinInterested() {
			// The handle let go while we were waking: rule 7 again.
			h.join.waker = future.Waker{}
		}
	}
	if hooks := h.sched.Hooks(); hooks != nil && hooks.OnTerminate != nil {
		runTerminateHook(hooks.OnTerminate, h, outcome)
	}
	n := uint64(1)
	if h.sched.Release(Task{h: h}) {
		n = 2
	}
	if h.state.toTerminal(n) {
		c.dealloc()
	}
}

// dropOutput discards an output nobody will read, calling Drop on it if it
// implements future.Dropper (only when the task produced one). A panic there
// is swallowed.
func (c *core[T]) dropOutput() {
	if c.hdr.stage != stageFinished {
		return
	}
	c.hdr.stage = stageConsumed
	// A failed task has no output: out is its zero value, which must not
	// get a Drop call.
	if c.err == nil {
		dropUnread(c.hdr.typ.outFacts, &c.out)
	}
	c.err = nil
	var z T
	c.out = z
}

// dropUnread calls Drop on an output value that nobody will read, if it
// implements future.Dropper, swallowing a panic.
func dropUnread[T any](f values.Facts, p *T) {
	if !f.MayDrop() {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			if v, ok := r.(*invariants.Violation); ok {
				panic(v)
			}
		}
	}()
	values.DropWith(f, p)
}

// shutdown cancels the task for a runtime shutdown, owning one reference.
// Mirrors tokio Harness::shutdown.
func (c *harness[F, T]) shutdown(cause error) {
	if !c.hdr.state.toShutdown() {
		// Running elsewhere (the poller will see CANCELLED) or complete.
		c.hdr.dropRef()
		return
	}
	c.cancelTask(cause)
	c.complete()
}

// dealloc releases what the task holds once no counted reference is left,
// and recycles the cell. Only a stale Waker or AbortHandle can still reach
// the header; they read the state word alone, see a zero count, COMPLETE or
// another generation, and stop. The state word is left as it is.
func (c *harness[F, T]) dealloc() {
	if c.hdr.stage == stageRunning {
		// Never completed: an UnownedTask dropped without running.
		_, _, _ = c.dropFutureCatching()
	}
	h := &c.hdr
	// Pointer fields are cleared only when set: queueNext and the list
	// links are nil already once the task has left its queue and its list
	// (always, but for a task dropped unrun), and a store of nil over nil
	// would still cost a write barrier while the collector marks.
	if h.queueNext != nil {
		h.queueNext = nil
	}
	if h.owned != (list.Links[Header]{}) {
		h.owned = list.Links[Header]{}
	}
	if h.join != nil {
		h.join = nil
	}
	if off := h.typ.statsOff; off != 0 {
		*h.statsSlot(off) = nil
	}
	h.site = 0
	var zf F
	var zo T
	c.fut, c.out, h.stage = zf, zo, stageRunning
	if c.err != nil {
		c.err = nil
	}
	h.recycle()
}

// future returns the future for tracing while the caller holds RUNNING, or
// nil once it is gone.
func (c *harness[F, T]) future() any {
	if c.hdr.stage != stageRunning {
		return nil
	}
	return c.fut
}

// futureAddr is future for a future stored by value: it returns its address,
// valid while the caller holds RUNNING.
func (c *harness[F, T]) futureAddr() any {
	if c.hdr.stage != stageRunning {
		return nil
	}
	return &c.fut
}

func wakeGuarded(w future.Waker) {
	defer func() {
		if r := recover(); r != nil {
			if v, ok := r.(*invariants.Violation); ok {
				panic(v)
			}
		}
	}()
	w.Wake()
}

package task

import (
	"context"
	"sync/atomic"
	"unsafe"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/gident"
	"github.com/weftrt/weft/internal/invariants"
)

// JoinHandle is the owner's handle on a spawned task: it waits for the
// task's output, aborts the task, and reports its ID.
//
// A JoinHandle is a future of the task's result ([future.Result]): awaiting
// it inside another task yields the output, or a *[JoinError] when the task
// was cancelled or panicked. A plain goroutine uses [JoinHandle.BlockingJoin].
// The output can be taken once; later joins return [ErrAlreadyJoined].
//
// Join (await or BlockingJoin) or Detach every handle. Either one lets the runtime reuse the task's
// memory for a later task once the task has finished; a handle that is just
// dropped leaves that memory to the garbage collector, which is correct but
// slower. The handle itself stays safe to use after either: it never
// reaches a task that has reused the memory.
//
// A JoinHandle may be used by one goroutine at a time (BlockingJoin, Poll,
// Detach);
// using it from two at once panics. Abort, IsFinished, ID and AbortHandle are
// safe from any goroutine.
type JoinHandle[T any] struct {
	c    *core[T]
	word handleWord
	slot joinSlot // the task's join waker (Header.join)
}

// handleState is what the JoinHandle has done.
type handleState uint8

const (
	handleLive handleState = iota
	handleJoined
	handleDetached
)

// handleWord is a JoinHandle's task ID, its handleState and its busy flag in
// one word, so that a handle is 40 bytes (50 to a 2048-byte slab) rather
// than 48: fewer bytes allocated per spawn, fewer collections.
//
// The ID takes the low idBits bits (IDs stay below 2^61, see maxID). Bit 63
// is the busy flag: set by the goroutine using the handle (enter), which
// detects a second one. The state bits are written only by the goroutine
// that set busy, and read by it alone; the ID bits never change after
// newJoinHandle. ID, Abort, IsFinished and AbortHandle read the ID with an
// atomic load from any goroutine.
type handleWord struct{ v atomic.Uint64 }

const (
	handleStateShift        = idBits
	handleStateMask  uint64 = 3 << handleStateShift
	handleBusy       uint64 = 1 << 63
)

// init sets a fresh handle's word: id, live, not busy. The handle is new
// (slab slots are handed out once) and not yet shared, so a plain store
// does: the spawn that returns the handle publishes it.
func (w *handleWord) init(id ID) { *(*uint64)(unsafe.Pointer(&w.v)) = uint64(id) }

// id returns the task's ID.
func (w *handleWord) id() ID { return ID(w.v.Load()) & maxID }

// state returns what the handle has done; the caller is the busy goroutine
// (or, for String, a goroutine that owns the handle exclusively).
func (w *handleWord) state() handleState {
	return handleState(w.v.Load() & handleStateMask >> handleStateShift)
}

// enter marks the handle in use, and panics when it already is.
func (w *handleWord) enter() {
	v := w.v.Load()
	if v&handleBusy != 0 || !w.v.CompareAndSwap(v, v|handleBusy) {
		panic("task: JoinHandle used by two goroutines at once")
	}
}

// exit ends a use of the handle begun by enter.
func (w *handleWord) exit() { w.v.Store(w.v.Load() &^ handleBusy) }

// exitAs ends a use of the handle begun by enter, recording s: one atomic
// store for both.
func (w *handleWord) exitAs(s handleState) {
	w.v.Store(w.v.Load()&^(handleBusy|handleStateMask) | uint64(s)<<handleStateShift)
}

// setState records s during a use of the handle begun by enter.
func (w *handleWord) setState(s handleState) {
	w.v.Store(w.v.Load()&^handleStateMask | uint64(s)<<handleStateShift)
}

// Handles are carved out of slabs: one allocation per handleSlabSize spawns
// instead of one per spawn. A slab stays reachable while any of its handles
// is, which costs at most handleSlabSize-1 idle handles (40 bytes each) per
// live one. 50 handles (40 bytes each), the slab's counter and the
// allocator's 8-byte header of an object over 512 bytes with pointers fit
// Go's 2048-byte size class (TestHandleSlabFillsItsSizeClass); 48-byte
// handles fit 42. Each task type keeps handleSlabShards current slabs, picked by the
// spawning goroutine, so that workers spawning the same type do not share a
// counter.
const (
	handleSlabSize   = 50
	handleSlabShards = 8
)

// slabHeader is the type-erased head of a handleSlab; taskType keeps
// pointers to it.
type slabHeader struct {
	next atomic.Int32 // next free slot; may count past the end
}

type handleSlab[T any] struct {
	slabHeader // must stay the first field: taskType stores *slabHeader
	h          [handleSlabSize]JoinHandle[T]
}

// newJoinHandle returns a fresh JoinHandle for the task of c: from the
// spawning goroutine's own slab when it has a CellCache (no atomic
// operation), else from one of the task type's shared slabs.
func newJoinHandle[T any](c *core[T], cache *CellCache) *JoinHandle[T] {
	if cache != nil {
		if jh := localJoinHandle[T](cache, c.hdr.typ.index); jh != nil {
			jh.attach(c)
			return jh
		}
	}
	slot := &c.hdr.typ.slabs[uint64(gident.Current())*0x9E3779B97F4A7C15>>61&(handleSlabShards-1)] // 64-bit product: compiles on 32-bit too
	if p := slot.Load(); p != nil {
		// The slab was allocated as a handleSlab[T] of this task type (the
		// slots belong to one taskType, whose output type is T).
		s := (*handleSlab[T])(unsafe.Pointer(p))
		if i := s.next.Add(1) - 1; i < handleSlabSize {
			jh := &s.h[i]
			jh.attach(c)
			return jh
		}
	}
	// Full, or none yet. Two goroutines racing here both install a slab;
	// the loser's spare slots are simply never used.
	s := new(handleSlab[T])
	s.next.Store(1)
	jh := &s.h[0]
	jh.attach(c)
	slot.Store(&s.slabHeader)
	return jh
}

// attach makes jh, an unused slab slot, the handle of c's task.
func (jh *JoinHandle[T]) attach(c *core[T]) {
	jh.c = c
	jh.word.init(c.hdr.ID())
	c.hdr.join = &jh.slot
}

// localJoinHandle takes an unused handle from the cache's slab for task
// type index i, starting a new slab when it is used up; nil when the cache
// keeps no slab for the type. The slab was made as a handleSlab[T] for this
// index, whose output type is T.
func localJoinHandle[T any](cache *CellCache, i int) *JoinHandle[T] {
	if i >= len(cache.slabs) {
		if i >= maxCachedTypes {
			return nil
		}
		cache.slabs = append(cache.slabs, make([]localSlab, i+1-len(cache.slabs))...)
	}
	ls := &cache.slabs[i]
	if ls.s == nil || ls.n == handleSlabSize {
		ls.s, ls.n = unsafe.Pointer(new(handleSlab[T])), 0
	}
	jh := &(*handleSlab[T])(ls.s).h[ls.n]
	ls.n++
	return jh
}

// Every method checks for a nil receiver and panics with a message instead
// of a bare nil dereference: one compare, which takes the place of the
// implicit nil check of the field access after it, and keeps the small
// methods inlinable (a panic costs the inliner next to nothing, a call
// does not).

// header returns the task's header. Valid while the handle is live; after
// BlockingJoin or Detach the header may belong to another task.
func (j *JoinHandle[T]) header() *Header { return &j.c.hdr }

// ID returns the task's ID.
func (j *JoinHandle[T]) ID() ID {
	if j == nil {
		panic("task: ID called on a nil *JoinHandle")
	}
	return j.word.id()
}

// IsFinished reports whether the task has completed: returned its output,
// been cancelled, or panicked. Once it reports true, the task's future has
// been dropped (its Drop has returned) and BlockingJoin does not block.
func (j *JoinHandle[T]) IsFinished() bool {
	if j == nil {
		panic("task: IsFinished called on a nil *JoinHandle")
	}
	return AbortHandle{h: &j.c.hdr, id: j.word.id()}.IsFinished()
}

// Abort asks for the task to be cancelled. A task that is waiting is
// cancelled by its scheduler soon after; a task that is being polled is
// cancelled when that poll returns Pending (if the poll returns Ready the task
// completes normally and the abort has no effect); a finished task is not
// affected. A cancelled task's future is dropped (its Drop runs) and its
// JoinHandle reports a JoinError for which IsCancelled is true. Abort does not
// wait for any of this. It works after Detach too.
//
// A blocking task (SpawnBlocking) is cancelled only if it has not started;
// once its function runs, it runs to the end.
func (j *JoinHandle[T]) Abort() {
	if j == nil {
		panic("task: Abort called on a nil *JoinHandle")
	}
	j.c.hdr.abort(j.word.id())
}

// AbortHandle returns a handle that can abort the task but cannot join it.
func (j *JoinHandle[T]) AbortHandle() AbortHandle {
	if j == nil {
		panic("task: AbortHandle called on a nil *JoinHandle")
	}
	return AbortHandle{h: &j.c.hdr, id: j.word.id()}
}

// Poll implements future.Future: it is ready when the task has completed,
// with the output, or with a *JoinError as Err. Polling consumes one unit of
// the caller's cooperative budget. After the output has been taken, or after
// Detach, it is ready at once with ErrAlreadyJoined or ErrDetached.
func (j *JoinHandle[T]) Poll(cx *future.Context) (future.Result[T], bool) {
	if j == nil {
		panic("task: Poll called on a nil *JoinHandle")
	}
	j.word.enter()
	if r, done := j.released(); done {
		j.word.exit()
		return r, true
	}
	if !cx.ConsumeBudget() {
		j.word.exit()
		return future.Result[T]{}, false
	}
	if !j.c.hdr.canReadOutput(cx.Waker()) {
		cx.RefundBudget()
		j.word.exit()
		return future.Result[T]{}, false
	}
	r := j.takeOutput()
	j.word.exitAs(handleJoined) // one store: Poll's join is the hot one
	return r, true
}

// String describes the handle for task dumps, with what the awaited task is
// doing: "JoinHandle(task 12: idle)", "... running", "... queued",
// "... finished", or "JoinHandle(task 12: joined)" once its output was taken.
// It reads the task's state word only; like Poll, it must not run
// concurrently with another use of the handle.
func (j *JoinHandle[T]) String() string {
	if j == nil {
		return "JoinHandle(nil)"
	}
	prefix := "JoinHandle(task " + j.word.id().String() + ": "
	switch j.word.state() {
	case handleJoined:
		return prefix + "joined)"
	case handleDetached:
		return prefix + "detached)"
	}
	// A live handle holds a reference: the word is still this task's.
	s := j.c.hdr.state.load()
	switch {
	case s.IsComplete():
		return prefix + "finished)"
	case s.IsRunning():
		return prefix + "running)"
	case s.IsNotified():
		return prefix + "queued)"
	}
	return prefix + "idle)"
}

// BlockingJoin blocks the calling goroutine until the task completes or ctx
// is done. It returns the task's output, or a *JoinError when the task was
// cancelled or panicked, or ctx.Err() when ctx ended first (the task keeps
// running and a later BlockingJoin can still take its output). It was named
// Join; every goroutine-side wait of weft is named BlockingX(ctx, ...). Tokio
// has no such method (a JoinHandle is only awaited there); the nearest is
// Handle::block_on of the JoinHandle.
//
// BlockingJoin must not be called from inside a task: a task awaits the
// JoinHandle as a future instead (weft.Await in an Async body). Called from a
// goroutine that runs tasks (a worker, a current-thread driver or a
// LocalSet's goroutine of any runtime, or an Async body they poll),
// BlockingJoin panics: it would block that goroutine, and wait for ever when
// the task it joins can only run there. The check needs goroutine identity
// (amd64 and arm64); elsewhere such a call blocks as described. BlockingJoin
// also panics when ctx is nil.
//
// The completion of the task (the return of its last poll, and the Drop of
// its future) happens before BlockingJoin returns its output.
func (j *JoinHandle[T]) BlockingJoin(ctx context.Context) (T, error) {
	if j == nil {
		panic("task: BlockingJoin called on a nil *JoinHandle")
	}
	if ctx == nil {
		panic("task: BlockingJoin with a nil context.Context (use context.Background())")
	}
	if gident.InTask() {
		panic("task: JoinHandle.BlockingJoin called from inside a task, whose goroutine it would block " +
			"(for ever when the task can only run there): await the handle instead")
	}
	j.word.enter()
	defer j.word.exit()
	if r, done := j.released(); done {
		return r.Value, r.Err
	}
	h := &j.c.hdr
	if h.state.load().IsComplete() {
		return j.takeOutputJoined().Get()
	}
	s := future.NewSignal()
	w := s.Waker()
	for {
		if h.canReadOutput(w) {
			return j.takeOutputJoined().Get()
		}
		if err := s.BlockingWait(ctx); err != nil {
			var zero T
			return zero, err
		}
	}
}

// Detach lets go of the task's output: the task runs on, and its output is
// dropped when it completes (or now, if it already has). Later Joins return
// ErrDetached. Detach on a joined or detached handle does nothing.
func (j *JoinHandle[T]) Detach() {
	if j == nil {
		panic("task: Detach called on a nil *JoinHandle")
	}
	j.word.enter()
	defer j.word.exit()
	if j.word.state() != handleLive {
		return
	}
	j.word.setState(handleDetached)
	if j.c.hdr.state.dropJoinHandleFast() {
		return
	}
	j.release()
}

// Drop implements future.Dropper: a JoinHandle used as a future (inside
// Select2, Timeout, BlockOn, ...) that is dropped unjoined is detached, as
// dropping a Tokio JoinHandle detaches it. After the handle was joined Drop
// does nothing.
func (j *JoinHandle[T]) Drop() { j.Detach() }

// released reports whether the handle has been joined or detached, with the
// error to return.
func (j *JoinHandle[T]) released() (future.Result[T], bool) {
	switch j.word.state() {
	case handleJoined:
		return future.Result[T]{Err: ErrAlreadyJoined}, true
	case handleDetached:
		return future.Result[T]{Err: ErrDetached}, true
	}
	return future.Result[T]{}, false
}

// takeOutputJoined is takeOutput, recording that the handle was joined.
func (j *JoinHandle[T]) takeOutputJoined() future.Result[T] {
	j.word.setState(handleJoined)
	return j.takeOutput()
}

// takeOutput moves the output out of a complete task and releases the
// handle's reference. The caller records handleJoined.
func (j *JoinHandle[T]) takeOutput() future.Result[T] {
	c := j.c
	if c.hdr.stage != stageFinished {
		invariants.Violated("task: JoinHandle reads output in stage %d", c.hdr.stage)
	}
	var r future.Result[T]
	if c.err != nil {
		r.Err = c.err
	} else {
		r.Value = c.out
	}
	var zero T
	c.out, c.hdr.stage = zero, stageConsumed
	if c.err != nil { // nil over nil would still cost a write barrier
		c.err = nil
	}
	// The output is taken: release has no output to drop, and can clear
	// JOIN_INTEREST and drop the handle's reference in one CAS.
	dropWaker, last := c.hdr.state.toJoinHandleDroppedAndRefDec()
	if dropWaker && !j.slot.waker.IsZero() { // zero over zero would still cost a write barrier
		j.slot.waker = future.Waker{} // the handle's own memory: also after the cell is gone
	}
	if last {
		c.hdr.raw().dealloc()
	}
	return r
}

// release clears JOIN_INTEREST, cleans up what the handle owns, and drops its
// reference; after it the handle must not touch the cell. Mirrors tokio
// drop_join_handle_slow.
func (j *JoinHandle[T]) release() {
	c := j.c
	r := c.hdr.state.toJoinHandleDropped()
	if r.dropOutput {
		c.dropOutput()
	}
	if r.dropWaker {
		j.slot.waker = future.Waker{}
	}
	c.hdr.dropRef()
}

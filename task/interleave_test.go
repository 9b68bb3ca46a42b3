package task

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/weftrt/weft/internal/statespace"
)

/*
This file is an exhaustive interleaving checker for the harness protocol (Go
has no loom). Each actor of a scenario — a worker that runs Notifieds, a waker,
an aborter, the JoinHandle, a runtime shutdown, a spawner, a blocking pool, a
task dump — is a small script of atomic steps, written after harness.go,
join_waker.go, join_handle.go, notified.go, bind.go, owned_tasks.go and
dump.go. A step is one atomic
operation on the state word, done with the real pure transition of state.go
(a CAS loop's effect is that of its successful CAS), or one access to a field
of the cell: the future, the output, the join-waker slot, the owned list, the
run queue. The search tries every order of the steps of all actors (a DFS
that memoizes states it has seen, and counts the interleavings with them).

Checked at every step:
  - every counted reference is accounted for: the word's count equals the
    references that the list, the queue and the actors hold; no transition
    panics with an invariant violation; the cell is released at most once
    and only at zero, and nothing writes the word after that;
  - the join-waker slot is accessed under join_waker.go's rules (below);
  - the scheduler is never used after the task was released; the future and
    the output are touched only by the goroutine that owns them (RUNNING for
    the future; COMPLETE plus JOIN_INTEREST for the handle, COMPLETE without
    it for the completer).
Checked when no actor can move:
  - no actor is stuck (a JoinHandle waiting for a wake that will never come
    is a lost wakeup);
  - the future was dropped exactly once and one output stored; the handle
    that joined took it exactly once (value, cancellation or panic, whichever
    the run produced), or, detached, it was dropped exactly once;
  - the count is zero and the cell was released exactly once; the slot is
    empty; the list holds nothing; no Notified is left;
  - a published join waker was woken when the task completed;
  - an abort that found the task idle cancelled it.

The join-waker slot has an owner, moved by the word's transitions: the
handle (JOIN_WAKER clear), shared (JOIN_WAKER set: the handle may read it,
the completer may read it once COMPLETE), or the completer (it saw
JOIN_INTEREST clear in unsetWakerAfterComplete). Each access checks the owner
and the rule of join_waker.go it relies on against the word at that moment:
a handle write needs rule 2 (JOIN_WAKER clear), a completer read rule 4
(COMPLETE and JOIN_WAKER), a completer write rule 7 (COMPLETE, no
JOIN_INTEREST).
*/

// Actor kinds.
const (
	akWorker  uint8 = iota + 1 // pops Notifieds from the run queue and runs them
	akWaker                    // sets the future's event, then wakes the task
	akAborter                  // JoinHandle.Abort / AbortHandle.Abort
	akJoin                     // the JoinHandle
	akCloser                   // OwnedTasks.CloseAndShutdownAll, then drains the run queue
	akSpawner                  // Bind on a list that may be closing
	akPool                     // runs an UnownedTask, or shuts it down
	akTracer                   // a task dump: Header.Trace (dump.go)
)

var actorNames = [...]string{akWorker: "worker", akWaker: "waker", akAborter: "aborter", akJoin: "handle",
	akCloser: "shutdown", akSpawner: "spawner", akPool: "pool", akTracer: "dump"}

// Steps. One namespace for all actors; pcDone ends a script.
const (
	pcDone uint8 = iota
	// Running a Notified (worker, pool). ret says where to go after.
	pcWorkerPop
	pcRun
	pcPoll
	pcSelfWake
	pcToIdle
	pcYield
	pcCancel
	// complete() (whoever holds RUNNING at the end). Returns to ret.
	pcComplete
	pcDropOutput
	pcWakeJoin
	pcUnsetAfter
	pcClearSlotDone
	pcRelease
	pcTerminal
	// Waker and aborter.
	pcEvent
	pcWake
	pcAbort
	pcSchedule
	// JoinHandle: canReadOutput, takeOutput, Detach, release.
	pcJLoad
	pcJCompare
	pcJUnset
	pcJWrite
	pcJSet
	pcJClear
	pcJWait
	pcJTake
	pcJFast
	pcJDropped
	pcJDropOutput
	pcJClearSlot
	pcJRefDec
	// Shutdown (closer, refused Bind, UnownedTask.Shutdown).
	pcSClose
	pcSPop
	pcSShut
	pcSDropRef
	pcSDrain
	// Spawner.
	pcBBind
	pcBSchedule
	pcBDropNotified
	// Pool.
	pcURunStart
	pcUDropRef
	pcUShutStart
	pcUDrop
	// Task dump (dump.go). After pcTRead the dumper continues at pcToIdle,
	// the poller's own step: untrace is toIdle with the same follow-up.
	pcTCollect
	pcTLock
	pcTRead
	pcCount
)

var pcNames = [pcCount]string{
	pcDone: "done", pcWorkerPop: "pop Notified", pcRun: "toRunning", pcPoll: "poll future", pcSelfWake: "self wake",
	pcToIdle: "toIdle", pcYield: "Yield", pcCancel: "cancelTask", pcComplete: "toComplete",
	pcDropOutput: "drop output (no interest)", pcWakeJoin: "wake join waker", pcUnsetAfter: "unsetWakerAfterComplete",
	pcClearSlotDone: "clear slot (rule 7)", pcRelease: "Release", pcTerminal: "toTerminal",
	pcEvent: "set event", pcWake: "toNotifiedByRef", pcAbort: "toNotifiedAndCancel", pcSchedule: "Schedule",
	pcJLoad: "load", pcJCompare: "read slot, WillWake", pcJUnset: "unsetWaker", pcJWrite: "write slot",
	pcJSet: "setJoinWaker", pcJClear: "clear slot (set failed)", pcJWait: "wait for wake", pcJTake: "take output",
	pcJFast: "dropJoinHandleFast", pcJDropped: "toJoinHandleDropped", pcJDropOutput: "drop output",
	pcJClearSlot: "clear slot (release)", pcJRefDec: "refDec",
	pcSClose: "close list", pcSPop: "pop list entry", pcSShut: "toShutdown", pcSDropRef: "refDec (list entry)",
	pcSDrain: "drain run queue", pcBBind: "bind", pcBSchedule: "Schedule first Notified",
	pcBDropNotified: "Notified.Drop", pcURunStart: "UnownedTask.Run", pcUDropRef: "refDec (second ref)",
	pcUShutStart: "UnownedTask.Shutdown: refDec", pcUDrop: "UnownedTask.Drop: refDecTwice",
	pcTCollect: "collect header (list locked)", pcTLock: "toTracing", pcTRead: "read future (Trace)",
}

// What the future does when polled.
const (
	futReadyAtOnce  uint8 = iota // ready on the first poll
	futReadyOnEvent              // ready once the waker's event happened, pending before
	futPanicOnEvent              // panics once the event happened
	futYieldOnce                 // wakes itself and returns pending, then ready
	futPending                   // never ready
)

// JoinHandle behaviours.
const (
	jmJoin       uint8 = iota // Join: register, wait for a wake, poll again, until ready
	jmJoinSwitch              // as jmJoin, but polled once more at once with another waker (a select)
	jmDetach                  // Detach at once
	jmPollDetach              // poll once; if pending, Detach (a Join whose context ended)
)

// What the blocking pool does with its UnownedTask.
const (
	pmRun      uint8 = iota // Run
	pmShutdown              // Shutdown (the pool is closing)
	pmDrop                  // Drop: release both references unrun (tests only; the handle never completes)
)

// Output kinds.
const (
	outNone uint8 = iota
	outValue
	outCancelled
	outPanic
)

// Owners of the join-waker slot.
const (
	tokHandle    uint8 = iota // JOIN_WAKER clear: the handle's
	tokShared                 // JOIN_WAKER set: the handle reads, the completer reads once COMPLETE
	tokCompleter              // the completer saw no interest: its own
)

// Stages of the cell.
const (
	stgRunning uint8 = iota
	stgFinished
	stgConsumed
)

const maxActors = 5

type actor struct {
	kind  uint8
	pc    uint8
	ret   uint8 // where a run or a completion continues
	refs  uint8 // counted references the actor holds
	mode  uint8 // jm* for the handle; pm* for the pool
	n     uint8 // references complete() drops in toTerminal; the handle's release result bits
	wk    uint8 // handle: the waker it registers next (1 or 2)
	eager uint8 // handle: polls left that need no wake
}

// world is one state of the model. It is comparable, so the search copies it
// per branch and memoizes it.
type world struct {
	w Snapshot

	holder   int8 // the actor that holds RUNNING, -1 for none
	fut      bool // the future is present
	futDrops uint8
	polls    uint8
	event    bool
	selfWoke bool
	stage    uint8
	out      uint8 // what is stored
	stores   uint8
	outDrops uint8
	taken    uint8
	got      uint8
	joined   bool // the handle took the output (else it detached)

	slot      uint8 // join-waker slot: 0 empty, else the waker's id
	tok       uint8
	wakes     [3]uint8 // wakes of the handle's wakers 1 and 2
	permit    [3]bool  // a wake not yet consumed by the handle's wait (a Signal)
	pubAtDone uint8    // the waker published when the task completed

	listed      bool
	closed      bool
	schedClosed bool
	spawned     bool // Bind returned: the handle exists
	queue       uint8
	deallocs    uint8
	cancelReqs  uint8
	abortIdle   bool // an abort found the task idle and cancelled it
	abandoned   bool // UnownedTask.Drop: the task never runs or completes

	act  [maxActors]actor
	nact uint8
}

type scenario struct {
	name   string
	fut    uint8
	actors []actor
	// unbound: the task is not in the list yet; the spawner binds it.
	unbound bool
	// unowned: a blocking task (NewUnowned); the pool holds two references.
	unowned bool
	short   bool // also run with -short
}

type traceStep struct {
	actor uint8
	pc    uint8
	w     Snapshot
}

type checker struct {
	statespace.Explorer[world, traceStep]
	sc    scenario
	cover map[string]int // events seen, to show the scenarios reach them
	// rule7Literal counts handle writes of the slot that happen while
	// COMPLETE is set and JOIN_INTEREST clear: rule 7 as first written gave
	// the slot to the completer then, but the completer either saw
	// JOIN_WAKER clear in toComplete or handed the slot back in
	// unsetWakerAfterComplete, and does not touch it again.
	rule7Literal int
	abortLost    int // terminal states where an abort found the task running and the value was delivered
}

func newWorld(sc scenario) world {
	var w world
	w.w = initialState
	w.holder = -1
	w.fut = true
	w.stage = stgRunning
	w.tok = tokHandle
	w.listed = !sc.unbound && !sc.unowned
	w.spawned = !sc.unbound
	if !sc.unbound && !sc.unowned {
		w.queue = 1 // the first Notified, scheduled by the spawn
	}
	for i, a := range sc.actors {
		a.wk = 1
		switch a.kind {
		case akWorker:
			a.pc = pcWorkerPop
		case akWaker:
			a.pc = pcEvent
		case akAborter:
			a.pc = pcAbort
		case akJoin:
			a.refs = 1
			a.pc = pcJLoad
			if a.mode == jmDetach {
				a.pc = pcJFast
			}
			if a.mode == jmJoinSwitch {
				a.eager = 1
			}
		case akCloser:
			a.pc = pcSClose
		case akSpawner:
			a.refs = 2 // the list entry's and the first Notified's
			a.pc = pcBBind
		case akTracer:
			a.pc = pcTCollect
		case akPool:
			a.refs = 2
			switch a.mode {
			case pmRun:
				a.pc = pcURunStart
			case pmShutdown:
				a.pc = pcUShutStart
			case pmDrop:
				a.pc = pcUDrop
			}
		}
		w.act[i] = a
	}
	w.nact = uint8(len(sc.actors))
	return w
}

// fail records the first failure with the interleaving that led to it.
func (c *checker) fail(format string, args ...any) { c.Fail(format, args...) }

// The Model methods the explorer drives; the transitions are step, enabled,
// checkWorld and checkDone below.

func (c *checker) Actors(w *world) int          { return int(w.nact) }
func (c *checker) Enabled(w *world, i int) bool { return c.enabled(w, i) }
func (c *checker) Step(w *world, i int)         { c.step(w, i) }
func (c *checker) Check(w *world)               { c.checkWorld(w) }
func (c *checker) Done(w *world)                { c.checkDone(w) }
func (c *checker) Trace(b, a *world, i int) traceStep {
	return traceStep{actor: uint8(i), pc: b.act[i].pc, w: a.w}
}
func (c *checker) Describe(s traceStep) string {
	return fmt.Sprintf("%-8s %-28s -> %v", actorNames[c.sc.actors[s.actor].kind], pcNames[s.pc], s.w)
}

// Checked: only uncounted wakes and aborts reach a released task, and they
// must see the zero count and keep off: with recycled cells the word would
// belong to another task.
func (c *checker) Checked(before, after *world, i int) {
	if before.deallocs != 0 && after.w != before.w {
		c.fail("%s wrote %v over the released word %v", actorNames[before.act[i].kind], after.w, before.w)
	}
}

// enabled reports whether actor i can take a step.
func (c *checker) enabled(w *world, i int) bool {
	a := &w.act[i]
	switch a.pc {
	case pcDone:
		return false
	case pcWorkerPop:
		return w.queue > 0
	case pcJWait:
		return w.permit[a.wk]
	}
	if a.kind == akJoin && !w.spawned {
		return false
	}
	return true
}

// held is the number of counted references the model's parties hold.
func (w *world) held() int {
	h := int(w.queue)
	if w.listed {
		h++
	}
	for i := 0; i < int(w.nact); i++ {
		h += int(w.act[i].refs)
	}
	return h
}

// release records that the count reached zero: the harness's dealloc.
func (c *checker) release(w *world) {
	if w.w.RefCount() != 0 {
		c.fail("released with refs=%d", w.w.RefCount())
	}
	w.deallocs++
	if w.stage == stgRunning && w.fut {
		// dealloc drops a future that never ran (UnownedTask.Drop).
		w.fut = false
		w.futDrops++
	}
}

// refDec drops one reference held by actor a.
func (c *checker) refDec(w *world, a *actor) {
	if a.refs == 0 {
		c.fail("actor drops a reference it does not hold")
		return
	}
	a.refs--
	w.w = w.w.refDec(1)
	if w.w.RefCount() == 0 {
		c.release(w)
	}
}

// lifecycle names the part of s that decides most transitions.
func lifecycle(s Snapshot) string {
	switch {
	case s.IsRunning():
		return "running"
	case s.IsComplete():
		return "complete"
	case s.IsNotified():
		return "queued"
	}
	return "idle"
}

// useScheduler checks that the task's scheduler may still be used.
func (c *checker) useScheduler(w *world, what string) {
	if w.deallocs != 0 {
		c.fail("%s after the task was released (its scheduler is cleared)", what)
	}
}

// schedule hands a new Notified, whose reference actor a holds, to the
// scheduler: queued, or dropped when the scheduler has shut down.
func (c *checker) schedule(w *world, a *actor) {
	c.useScheduler(w, "Schedule")
	if w.schedClosed {
		c.cover["Schedule after shutdown drops the Notified"]++
		c.refDec(w, a)
		return
	}
	a.refs--
	w.queue++
}

func (c *checker) mustHoldRunning(w *world, i int, what string) {
	if int(w.holder) != i || !w.w.IsRunning() {
		c.fail("%s by an actor that does not hold RUNNING (holder %d, word %v)", what, w.holder, w.w)
	}
}

// storeOutput records the output of the run; the caller holds RUNNING.
func (c *checker) storeOutput(w *world, kind uint8) {
	if w.fut {
		w.fut = false
		w.futDrops++
	}
	if w.stage != stgRunning {
		c.fail("output stored in stage %d", w.stage)
	}
	w.stage = stgFinished
	w.out = kind
	w.stores++
}

// step advances actor i by one atomic step.
func (c *checker) step(w *world, i int) {
	a := &w.act[i]
	s := w.w
	switch a.pc {
	// ---- running a Notified (harness.go poll) ----
	case pcWorkerPop:
		w.queue--
		a.refs++
		a.ret = pcWorkerPop
		a.pc = pcRun
	case pcRun:
		next, r := s.transitionToRunning()
		c.cover["toRunning: "+r.String()]++
		w.w = next
		switch r {
		case runningSuccess:
			w.holder = int8(i)
			a.pc = pcPoll
		case runningCancelled:
			w.holder = int8(i)
			a.pc = pcCancel
		case runningFailed:
			a.refs--
			a.pc = a.ret
		case runningDealloc:
			a.refs--
			c.release(w)
			a.pc = a.ret
		}
	case pcPoll:
		c.mustHoldRunning(w, i, "poll")
		if !w.fut {
			c.fail("poll of a dropped future")
		}
		w.polls++
		ready, kind := false, outValue
		switch c.sc.fut {
		case futReadyAtOnce:
			ready = true
		case futReadyOnEvent:
			ready = w.event
		case futPanicOnEvent:
			ready, kind = w.event, outPanic
		case futYieldOnce:
			if !w.selfWoke {
				w.selfWoke = true
				a.pc = pcSelfWake
				return
			}
			ready = true
		}
		if ready {
			c.storeOutput(w, kind)
			a.pc = pcComplete
		} else {
			a.pc = pcToIdle
		}
	case pcSelfWake:
		next, write, r := s.transitionToNotifiedByRef()
		if write {
			w.w = next
		}
		if r != notifyDoNothing {
			c.fail("a wake from inside the poll returned %v", r)
		}
		a.pc = pcToIdle
	case pcToIdle:
		c.mustHoldRunning(w, i, "toIdle")
		next, write, r := s.transitionToIdle()
		c.cover["toIdle: "+r.String()]++
		if a.kind == akTracer {
			c.cover["untrace: "+r.String()]++
		}
		if write {
			w.w = next
		}
		switch r {
		case idleOK:
			w.holder = -1
			c.refDec0(w, a)
			a.pc = a.ret
		case idleOKNotified:
			w.holder = -1 // the poll reference is now the new Notified's
			a.pc = pcYield
		case idleOKDealloc:
			w.holder = -1
			c.refDec0(w, a)
			a.pc = a.ret
		case idleCancelled:
			a.pc = pcCancel
		}
	case pcYield:
		c.schedule(w, a)
		a.pc = a.ret
	case pcCancel:
		c.mustHoldRunning(w, i, "cancelTask")
		c.storeOutput(w, outCancelled)
		a.pc = pcComplete

	// ---- complete() ----
	case pcComplete:
		c.mustHoldRunning(w, i, "toComplete")
		if w.stage != stgFinished {
			c.fail("toComplete before the output was stored")
		}
		next := s.transitionToComplete()
		w.w = next
		w.holder = -1
		a.n = 1
		switch {
		case !next.IsJoinInterested():
			a.pc = pcDropOutput
		case next.IsJoinWakerSet():
			w.pubAtDone = w.slot
			a.pc = pcWakeJoin
		default:
			a.pc = pcRelease
		}
	case pcDropOutput:
		if !s.IsComplete() || s.IsJoinInterested() {
			c.fail("completer drops the output without owning it (rule 7) in %v", s)
		}
		if w.stage == stgFinished {
			w.stage = stgConsumed
			w.outDrops++
			c.cover["completer drops the output of a detached task"]++
		}
		a.pc = pcRelease
	case pcWakeJoin:
		if !s.IsComplete() || !s.IsJoinWakerSet() || w.tok != tokShared {
			c.fail("completer reads the slot outside rule 4 (word %v, owner %d)", s, w.tok)
		}
		if w.slot == 0 {
			c.fail("published join-waker slot is empty")
		} else {
			w.wakes[w.slot]++
			w.permit[w.slot] = true
			c.cover["completer wakes the join waker"]++
		}
		a.pc = pcUnsetAfter
	case pcUnsetAfter:
		next := s.transitionUnsetWakerAfterComplete()
		w.w = next
		if next.IsJoinInterested() {
			w.tok = tokHandle
			a.pc = pcRelease
		} else {
			w.tok = tokCompleter
			a.pc = pcClearSlotDone
		}
	case pcClearSlotDone:
		if !s.IsComplete() || s.IsJoinInterested() || w.tok != tokCompleter {
			c.fail("completer clears the slot outside rule 7 (word %v, owner %d)", s, w.tok)
		}
		w.slot = 0
		c.cover["completer clears the slot: handle let go while it woke"]++
		a.pc = pcRelease
	case pcRelease:
		c.useScheduler(w, "Release")
		if w.listed {
			w.listed = false
			a.refs++
			a.n = 2
		}
		a.pc = pcTerminal
	case pcTerminal:
		next, dealloc := s.transitionToTerminal(uint64(a.n))
		w.w = next
		if a.refs < a.n {
			c.fail("toTerminal(%d) by an actor holding %d references", a.n, a.refs)
		}
		a.refs -= a.n
		if dealloc {
			c.release(w)
		}
		a.pc = a.ret

	// ---- waker and aborter ----
	case pcEvent:
		w.event = true
		a.pc = pcWake
	case pcWake:
		next, write, r := s.transitionToNotifiedByRef()
		c.cover["wake of a "+lifecycle(s)+" task: "+r.String()]++
		if write {
			w.w = next
		}
		a.pc = pcDone
		if r == notifySubmit {
			a.refs++
			a.pc = pcSchedule
		}
	case pcAbort:
		next, write, submit := s.transitionToNotifiedAndCancel()
		c.cover[fmt.Sprintf("abort of a %s task: submit %v", lifecycle(s), submit)]++
		if write {
			w.w = next
			if !s.IsCancelled() {
				w.cancelReqs++
			}
			if s.IsIdle() {
				w.abortIdle = true
			}
		}
		a.pc = pcDone
		if submit {
			a.refs++
			a.pc = pcSchedule
		}
	case pcSchedule:
		c.schedule(w, a)
		a.pc = pcDone

	// ---- JoinHandle (join_waker.go canReadOutput, join_handle.go) ----
	case pcJLoad:
		a.n = 0
		switch {
		case s.IsComplete():
			a.pc = pcJTake
		case s.IsJoinWakerSet():
			a.pc = pcJCompare
		default:
			a.pc = pcJWrite
		}
	case pcJCompare:
		// Rule 3: the handle may read a published slot.
		if w.tok != tokShared && w.tok != tokHandle {
			c.fail("handle reads the slot owned by the completer")
		}
		if w.slot == a.wk {
			c.jhPending(w, a)
		} else {
			a.pc = pcJUnset
		}
	case pcJUnset:
		next, ok := s.transitionUnsetWaker()
		if ok {
			w.w = next
			w.tok = tokHandle
			a.n = 1 // swapping wakers
			a.pc = pcJWrite
		} else {
			c.cover["handle: unsetWaker failed, COMPLETE after its load"]++
			a.pc = pcJTake // completed meanwhile
		}
	case pcJWrite:
		c.handleWritesSlot(w, "write")
		w.slot = a.wk
		a.pc = pcJSet
	case pcJSet:
		next, ok := s.transitionSetJoinWaker()
		if ok {
			w.w = next
			w.tok = tokShared
			c.jhPending(w, a)
		} else {
			if a.n == 1 {
				c.cover["handle: COMPLETE between unsetWaker and setJoinWaker"]++
			} else {
				c.cover["handle: COMPLETE between load and setJoinWaker"]++
			}
			a.pc = pcJClear
		}
	case pcJClear:
		c.handleWritesSlot(w, "clear (set failed)")
		w.slot = 0
		a.pc = pcJTake
	case pcJWait:
		w.permit[a.wk] = false
		a.pc = pcJLoad
	case pcJTake:
		if !s.IsComplete() || !s.IsJoinInterested() {
			c.fail("handle reads the output without COMPLETE and JOIN_INTEREST: %v", s)
		}
		if w.stage != stgFinished {
			c.fail("handle finds no output (stage %d)", w.stage)
		}
		w.got = w.out
		w.taken++
		w.stage = stgConsumed
		w.joined = true
		a.pc = pcJDropped
	case pcJFast:
		next, ok := s.transitionDropJoinHandleFast()
		c.cover[fmt.Sprintf("handle: fast detach %v", ok)]++
		if ok {
			if w.slot != 0 {
				c.fail("fast detach leaves a waker in the slot")
			}
			w.w = next
			a.refs--
			a.pc = pcDone
		} else {
			a.pc = pcJDropped
		}
	case pcJDropped:
		next, r := s.transitionToJoinHandleDropped()
		w.w = next
		if s.IsJoinWakerSet() && !next.IsJoinWakerSet() {
			w.tok = tokHandle // taken back from a task that is not complete
		}
		a.n = 0
		if r.dropWaker {
			a.n |= 2
		}
		a.pc = pcJRefDec
		switch {
		case r.dropOutput:
			a.pc = pcJDropOutput
		case r.dropWaker:
			a.pc = pcJClearSlot
		}
	case pcJDropOutput:
		if !s.IsComplete() {
			c.fail("handle drops the output of an incomplete task")
		}
		if w.stage == stgFinished {
			w.stage = stgConsumed
			w.outDrops++
			c.cover["handle drops the output: detached after completion"]++
		}
		a.pc = pcJRefDec
		if a.n&2 != 0 {
			a.pc = pcJClearSlot
		}
	case pcJClearSlot:
		c.handleWritesSlot(w, "clear (release)")
		w.slot = 0
		a.pc = pcJRefDec
	case pcJRefDec:
		c.refDec(w, a)
		a.pc = pcDone

	// ---- shutdown (owned_tasks.go CloseAndShutdownAll, harness.go shutdown) ----
	case pcSClose:
		w.closed = true
		a.pc = pcSPop
	case pcSPop:
		a.pc = pcSDrain
		if w.listed {
			w.listed = false
			a.refs++
			a.ret = pcSDrain
			a.pc = pcSShut
		}
	case pcSShut:
		next, idle := s.transitionToShutdown()
		c.cover["shutdown of a "+lifecycle(s)+" task"]++
		w.w = next
		if !s.IsCancelled() && !s.IsComplete() {
			w.cancelReqs++
		}
		if idle {
			w.holder = int8(i)
			a.pc = pcCancel
		} else {
			a.pc = pcSDropRef
		}
	case pcSDropRef:
		c.refDec(w, a)
		a.pc = a.ret
	case pcSDrain:
		if w.queue > 0 {
			c.cover["shutdown drops a queued Notified"]++
			w.queue--
			a.refs++
			c.refDec(w, a) // Notified.Drop
		} else {
			w.schedClosed = true
			a.pc = pcDone
		}

	// ---- spawner (bind.go) ----
	case pcBBind:
		c.cover[fmt.Sprintf("bind: refused %v", w.closed)]++
		if w.closed {
			// Refused: shut down with the list's reference, then drop
			// the Notified's.
			a.ret = pcBDropNotified
			a.pc = pcSShut
		} else {
			w.listed = true
			a.refs--
			w.spawned = true
			a.pc = pcBSchedule
		}
	case pcBSchedule:
		c.schedule(w, a)
		a.pc = pcDone
	case pcBDropNotified:
		c.refDec(w, a)
		w.spawned = true
		a.pc = pcDone

	// ---- blocking pool (notified.go UnownedTask) ----
	case pcURunStart:
		a.ret = pcUDropRef
		a.pc = pcRun
	case pcUDropRef:
		c.refDec(w, a)
		a.pc = pcDone
	case pcUShutStart:
		c.refDec(w, a)
		a.ret = pcDone
		a.pc = pcSShut
	case pcUDrop:
		if a.refs != 2 {
			c.fail("UnownedTask.Drop without its two references")
		}
		a.refs = 0
		w.w = s.refDec(2)
		if w.w.RefCount() == 0 {
			c.release(w)
		}
		w.abandoned = true
		a.pc = pcDone

	// ---- task dump (dump.go Header.Trace) ----
	case pcTCollect:
		// Each runs before the bind or after the removal: the task is
		// not in this dump.
		a.pc = pcDone
		if w.listed {
			a.pc = pcTLock
		}
	case pcTLock:
		next, write, r := s.transitionToTracing()
		c.cover["trace: "+r.String()]++
		if write {
			w.w = next
		}
		a.ret = pcDone
		a.pc = pcDone
		if r == tracingLocked {
			if w.holder >= 0 {
				c.fail("toTracing locked a task held by %s", actorNames[w.act[w.holder].kind])
			}
			w.holder = int8(i)
			a.refs++
			a.pc = pcTRead
		}
	case pcTRead:
		c.mustHoldRunning(w, i, "Trace")
		if !w.fut || w.stage != stgRunning {
			c.fail("dump reads a future that is gone (stage %d)", w.stage)
		}
		a.pc = pcToIdle

	default:
		c.fail("no step for pc %d", a.pc)
	}
}

// refDec0 releases the poll reference inside toIdle (the transition already
// took it off the word).
func (c *checker) refDec0(w *world, a *actor) {
	if a.refs == 0 {
		c.fail("toIdle released a poll reference the poller does not hold")
		return
	}
	a.refs--
	if w.w.RefCount() == 0 {
		c.release(w)
	}
}

// jhPending ends a poll of the handle that returned pending with its waker
// registered.
func (c *checker) jhPending(w *world, a *actor) {
	switch {
	case a.eager > 0:
		a.eager--
		a.wk = 3 - a.wk // polled again at once, with the other waker
		a.pc = pcJLoad
	case a.mode == jmPollDetach:
		a.pc = pcJFast
	default:
		a.pc = pcJWait
	}
}

// handleWritesSlot checks a write of the slot by the handle: rule 2.
func (c *checker) handleWritesSlot(w *world, what string) {
	s := w.w
	if w.tok != tokHandle || s.IsJoinWakerSet() {
		c.fail("handle slot %s outside rule 2 (word %v, owner %d)", what, s, w.tok)
	}
	if s.IsComplete() && !s.IsJoinInterested() {
		c.rule7Literal++
	}
}

// checkWorld checks the invariants that hold between any two steps.
func (c *checker) checkWorld(w *world) {
	s := w.w
	switch {
	case s.IsRunning() && s.IsComplete():
		c.fail("RUNNING with COMPLETE: %v", s)
	case w.deallocs > 1:
		c.fail("released %d times", w.deallocs)
	case w.deallocs == 0 && int(s.RefCount()) != w.held():
		c.fail("refs=%d but the parties hold %d", s.RefCount(), w.held())
	case w.deallocs == 1 && (s.RefCount() != 0 || w.held() != 0):
		c.fail("released, but refs=%d and the parties hold %d", s.RefCount(), w.held())
	case (w.holder >= 0) != s.IsRunning():
		c.fail("RUNNING=%v but holder %d", s.IsRunning(), w.holder)
	case (w.tok == tokShared) != s.IsJoinWakerSet():
		c.fail("JOIN_WAKER=%v but the slot's owner is %d", s.IsJoinWakerSet(), w.tok)
	case w.queue > 1:
		c.fail("%d Notifieds queued at once", w.queue)
	case w.queue > 0 && !s.IsNotified():
		c.fail("a Notified is queued but NOTIFIED is clear")
	case s.IsComplete() && (w.fut || w.stage == stgRunning):
		c.fail("COMPLETE while the future is present")
	case w.futDrops > 1:
		c.fail("future dropped %d times", w.futDrops)
	case w.stores > 1:
		c.fail("output stored %d times", w.stores)
	}
}

// checkDone checks a state in which no actor can move.
func (c *checker) checkDone(w *world) {
	for i := 0; i < int(w.nact); i++ {
		a := &w.act[i]
		if a.pc != pcDone && a.pc != pcWorkerPop {
			c.fail("%s stuck at %q (word %v)", actorNames[a.kind], pcNames[a.pc], w.w)
			return
		}
	}
	s := w.w
	var jh *actor
	for i := 0; i < int(w.nact); i++ {
		if w.act[i].kind == akJoin {
			jh = &w.act[i]
		}
	}
	switch {
	case w.queue != 0:
		c.fail("a Notified is left in the run queue")
	case w.listed:
		c.fail("the task is left in the owned list")
	case w.deallocs != 1 || s.RefCount() != 0:
		c.fail("not released exactly once: releases %d, refs=%d (leak)", w.deallocs, s.RefCount())
	case w.abandoned:
		// Released unrun: dealloc dropped the future; there is no
		// output, and a wake or abort must not have revived it.
		if w.futDrops != 1 || w.stores != 0 || w.polls != 0 || s.IsComplete() {
			c.fail("abandoned task: future dropped %d times, %d outputs, %d polls, word %v", w.futDrops, w.stores, w.polls, s)
		}
		return
	case !s.IsComplete():
		c.fail("the task never completed: %v", s)
	case w.futDrops != 1:
		c.fail("future dropped %d times", w.futDrops)
	case w.stores != 1:
		c.fail("output stored %d times", w.stores)
	case w.slot != 0:
		c.fail("the join-waker slot still holds waker %d", w.slot)
	case w.pubAtDone != 0 && w.wakes[w.pubAtDone] == 0:
		c.fail("join waker %d published at completion but never woken", w.pubAtDone)
	case w.abortIdle && w.out != outCancelled:
		c.fail("an abort found the task idle, but its output is %d", w.out)
	case w.out == outCancelled && w.cancelReqs == 0:
		c.fail("cancelled without an abort or a shutdown")
	case w.out == outValue && w.polls == 0:
		c.fail("a value without a poll")
	}
	if jh == nil {
		return
	}
	switch {
	case w.joined && (w.taken != 1 || w.outDrops != 0 || w.got != w.out):
		c.fail("joined: taken %d, dropped %d, got %d of %d", w.taken, w.outDrops, w.got, w.out)
	case !w.joined && (w.taken != 0 || w.outDrops != 1):
		c.fail("detached: taken %d, output dropped %d times", w.taken, w.outDrops)
	case (jh.mode == jmJoin || jh.mode == jmJoinSwitch) && !w.joined:
		c.fail("Join returned without the output")
	}
	if w.cancelReqs > 0 && w.out == outValue {
		c.abortLost++
		c.cover["abort or shutdown lost to a poll that returned the value"]++
	}
}

// explore returns the number of interleavings from w to a final state.
func worker() actor             { return actor{kind: akWorker} }
func waker() actor              { return actor{kind: akWaker} }
func aborter() actor            { return actor{kind: akAborter} }
func closer() actor             { return actor{kind: akCloser} }
func spawner() actor            { return actor{kind: akSpawner} }
func handle(mode uint8) actor   { return actor{kind: akJoin, mode: mode} }
func pool(mode uint8) actor     { return actor{kind: akPool, mode: mode} }
func tracer() actor             { return actor{kind: akTracer} }
func actors(a ...actor) []actor { return a }
func futName(f uint8) string {
	return [...]string{"ready", "ready-on-event", "panic-on-event", "yield-once", "pending"}[f]
}
func handleName(m uint8) string {
	return [...]string{"join", "join-switch", "detach", "poll-detach"}[m]
}
func (sc scenario) actorsSummary() string {
	var parts []string
	for _, a := range sc.actors {
		n := actorNames[a.kind]
		if a.kind == akJoin {
			n += "(" + handleName(a.mode) + ")"
		}
		if a.kind == akPool {
			n += "(" + [...]string{"run", "shutdown", "drop"}[a.mode] + ")"
		}
		parts = append(parts, n)
	}
	return strings.Join(parts, ", ")
}

func interleaveScenarios() []scenario {
	var scs []scenario
	add := func(sc scenario) { scs = append(scs, sc) }

	// poll-vs-abort: the abort lands before, during or after a poll.
	for _, jm := range []uint8{jmJoin, jmDetach} {
		add(scenario{name: "poll-vs-abort/pending-forever", fut: futPending, actors: actors(worker(), aborter(), handle(jm)), short: true})
		add(scenario{name: "poll-vs-abort/ready-on-event", fut: futReadyOnEvent, actors: actors(worker(), waker(), aborter(), handle(jm)), short: jm == jmJoin})
	}
	add(scenario{name: "poll-vs-abort/ready-at-once", fut: futReadyAtOnce, actors: actors(worker(), aborter(), handle(jmJoinSwitch)), short: true})
	// poll-vs-wake: woken during the poll, the poller yields it.
	for _, jm := range []uint8{jmJoin, jmJoinSwitch, jmPollDetach} {
		add(scenario{name: "poll-vs-wake", fut: futReadyOnEvent, actors: actors(worker(), waker(), handle(jm)), short: true})
	}
	add(scenario{name: "poll-vs-wake/yield-once", fut: futYieldOnce, actors: actors(worker(), handle(jmJoin)), short: true})
	add(scenario{name: "poll-vs-wake/yield-once+wake", fut: futYieldOnce, actors: actors(worker(), waker(), handle(jmJoinSwitch))})
	add(scenario{name: "poll-vs-wake/panic", fut: futPanicOnEvent, actors: actors(worker(), waker(), handle(jmJoin)), short: true})
	// complete-vs-join-register: the handle swaps its waker while the task
	// completes (COMPLETE between unsetWaker and setJoinWaker).
	for _, f := range []uint8{futReadyAtOnce, futReadyOnEvent} {
		a := actors(worker(), handle(jmJoinSwitch))
		if f == futReadyOnEvent {
			a = append(a, waker())
		}
		add(scenario{name: "complete-vs-join-register", fut: f, actors: a, short: true})
	}
	add(scenario{name: "complete-vs-join-register/aborted", fut: futPending, actors: actors(worker(), aborter(), handle(jmJoinSwitch)), short: true})
	// detach-vs-complete.
	for _, jm := range []uint8{jmDetach, jmPollDetach} {
		add(scenario{name: "detach-vs-complete", fut: futReadyAtOnce, actors: actors(worker(), handle(jm)), short: true})
		add(scenario{name: "detach-vs-complete/event", fut: futReadyOnEvent, actors: actors(worker(), waker(), handle(jm)), short: true})
		add(scenario{name: "detach-vs-complete/panic", fut: futPanicOnEvent, actors: actors(worker(), waker(), handle(jm))})
	}
	// shutdown-vs-running-poll.
	for _, jm := range []uint8{jmJoin, jmJoinSwitch, jmDetach, jmPollDetach} {
		add(scenario{name: "shutdown-vs-running-poll", fut: futReadyOnEvent, actors: actors(worker(), waker(), closer(), handle(jm)), short: jm == jmJoin})
	}
	add(scenario{name: "shutdown-vs-running-poll/pending-forever", fut: futPending, actors: actors(worker(), closer(), handle(jmJoin)), short: true})
	add(scenario{name: "shutdown-vs-running-poll/yield-once", fut: futYieldOnce, actors: actors(worker(), closer(), handle(jmJoin)), short: true})
	add(scenario{name: "shutdown-vs-abort", fut: futPending, actors: actors(worker(), aborter(), closer(), handle(jmJoinSwitch))})
	add(scenario{name: "shutdown-vs-two-workers", fut: futYieldOnce, actors: actors(worker(), worker(), closer(), handle(jmJoin))})
	// abort-before-first-run (and after).
	for _, f := range []uint8{futReadyAtOnce, futPending} {
		add(scenario{name: "abort-before-first-run", fut: f, actors: actors(aborter(), worker(), handle(jmJoin)), short: true})
	}
	add(scenario{name: "abort-before-first-run/detach", fut: futReadyAtOnce, actors: actors(aborter(), worker(), handle(jmDetach)), short: true})
	// bind-after-close.
	for _, jm := range []uint8{jmJoin, jmDetach, jmJoinSwitch} {
		add(scenario{name: "bind-after-close", fut: futReadyAtOnce, unbound: true, actors: actors(spawner(), closer(), worker(), handle(jm)), short: jm == jmJoin})
	}
	add(scenario{name: "bind-after-close/abort", fut: futPending, unbound: true, actors: actors(spawner(), closer(), aborter(), handle(jmJoin))})
	// blocking tasks: aborted before they run, or shut down by the pool.
	add(scenario{name: "blocking/abort-before-run", fut: futReadyAtOnce, unowned: true, actors: actors(pool(pmRun), aborter(), handle(jmJoin)), short: true})
	add(scenario{name: "blocking/abort-before-run/switch", fut: futReadyAtOnce, unowned: true, actors: actors(pool(pmRun), aborter(), handle(jmJoinSwitch))})
	add(scenario{name: "blocking/shutdown", fut: futReadyAtOnce, unowned: true, actors: actors(pool(pmShutdown), aborter(), handle(jmJoin)), short: true})
	// Five actors at once (beyond the 2–4 of the brief; cheap with
	// memoization).
	for _, jm := range []uint8{jmJoinSwitch, jmPollDetach} {
		add(scenario{name: "all/wake+abort+shutdown", fut: futReadyOnEvent, actors: actors(worker(), waker(), aborter(), closer(), handle(jm))})
	}
	add(scenario{name: "all/two-workers", fut: futYieldOnce, actors: actors(worker(), worker(), waker(), aborter(), handle(jmJoinSwitch))})
	add(scenario{name: "all/bind-after-close", fut: futYieldOnce, unbound: true, actors: actors(spawner(), closer(), worker(), aborter(), handle(jmJoinSwitch))})
	add(scenario{name: "all/panic", fut: futPanicOnEvent, actors: actors(worker(), waker(), aborter(), closer(), handle(jmJoin))})
	// A stale Waker and AbortHandle acting on a task released unrun: the
	// count is zero, so neither may revive it.
	add(scenario{name: "blocking/dropped-unrun", fut: futReadyAtOnce, unowned: true, actors: actors(pool(pmDrop), waker(), aborter(), handle(jmDetach)), short: true})
	add(scenario{name: "blocking/shutdown/detach", fut: futReadyAtOnce, unowned: true, actors: actors(pool(pmShutdown), handle(jmPollDetach))})
	// Task dumps: the dumper locks the task between polls while wakes,
	// aborts, shutdowns and the handle race it.
	for _, jm := range []uint8{jmJoin, jmJoinSwitch, jmDetach, jmPollDetach} {
		add(scenario{name: "dump-vs-poll+wake", fut: futReadyOnEvent, actors: actors(worker(), waker(), tracer(), handle(jm)), short: jm == jmJoin})
	}
	add(scenario{name: "dump-vs-yield", fut: futYieldOnce, actors: actors(worker(), tracer(), handle(jmJoin)), short: true})
	add(scenario{name: "dump-vs-abort", fut: futPending, actors: actors(worker(), aborter(), tracer(), handle(jmJoin)), short: true})
	add(scenario{name: "dump-vs-abort/event", fut: futReadyOnEvent, actors: actors(worker(), waker(), aborter(), tracer(), handle(jmJoinSwitch))})
	add(scenario{name: "dump-vs-shutdown", fut: futPending, actors: actors(worker(), closer(), tracer(), handle(jmJoin)), short: true})
	add(scenario{name: "dump-vs-shutdown/event", fut: futReadyOnEvent, actors: actors(worker(), waker(), closer(), tracer(), handle(jmPollDetach))})
	add(scenario{name: "dump-vs-shutdown/abort", fut: futPending, actors: actors(worker(), aborter(), closer(), tracer(), handle(jmJoin))})
	add(scenario{name: "dump-vs-panic", fut: futPanicOnEvent, actors: actors(worker(), waker(), tracer(), handle(jmJoin))})
	add(scenario{name: "two-dumps", fut: futReadyOnEvent, actors: actors(worker(), waker(), tracer(), tracer(), handle(jmJoin)), short: true})
	add(scenario{name: "two-dumps/two-workers", fut: futYieldOnce, actors: actors(worker(), worker(), tracer(), tracer(), handle(jmJoinSwitch))})
	add(scenario{name: "dump/bind-after-close", fut: futPending, unbound: true, actors: actors(spawner(), closer(), tracer(), worker(), handle(jmJoin))})
	return scs
}

func TestInterleavings(t *testing.T) {
	var total, states uint64
	rule7, lost := 0, 0
	cover := map[string]int{}
	for _, sc := range interleaveScenarios() {
		if testing.Short() && !sc.short {
			continue
		}
		name := fmt.Sprintf("%s/%s/%s", sc.name, futName(sc.fut), sc.actorsSummary())
		c := &checker{sc: sc, cover: cover}
		n := c.Explore(c, newWorld(sc))
		if c.Failure() != "" {
			t.Errorf("%s: %s", name, c.Failure())
			continue
		}
		if n == 0 {
			t.Errorf("%s: no interleaving explored", name)
		}
		t.Logf("%-110s %10d interleavings, %6d states", name, n, c.States())
		total += n
		states += uint64(c.States())
		rule7 += c.rule7Literal
		lost += c.abortLost
	}
	t.Logf("total: %d interleavings, %d distinct states", total, states)
	t.Logf("handle slot clears with COMPLETE set and JOIN_INTEREST clear (the slot is the handle's by the precise rule 7; the first wording gave it to the completer): %d steps", rule7)
	t.Logf("final states where an abort or shutdown landed during a poll that returned the value (abort lost, as in Tokio): %d", lost)

	// The races the scenarios are named after must actually happen.
	for _, ev := range []string{
		"toRunning: Success", "toRunning: Cancelled", "toRunning: Failed", "toRunning: Dealloc",
		"toIdle: Ok", "toIdle: OkNotified", "toIdle: Cancelled",
		"wake of a running task: DoNothing", "wake of a idle task: Submit", "wake of a queued task: DoNothing",
		"wake of a complete task: DoNothing",
		"abort of a running task: submit false", "abort of a idle task: submit true", "abort of a queued task: submit false",
		"abort of a complete task: submit false",
		"shutdown of a running task", "shutdown of a idle task", "shutdown of a queued task", "shutdown of a complete task",
		"shutdown drops a queued Notified", "Schedule after shutdown drops the Notified",
		"completer wakes the join waker", "completer clears the slot: handle let go while it woke",
		"completer drops the output of a detached task", "handle drops the output: detached after completion",
		"handle: unsetWaker failed, COMPLETE after its load",
		"handle: COMPLETE between unsetWaker and setJoinWaker", "handle: COMPLETE between load and setJoinWaker",
		"handle: fast detach true", "handle: fast detach false",
		"bind: refused true", "bind: refused false",
		"abort or shutdown lost to a poll that returned the value",
		"trace: Locked", "trace: Queued", "trace: Running", "trace: Complete", "trace: Gone",
		"untrace: Ok", "untrace: OkNotified", "untrace: Cancelled",
	} {
		if cover[ev] == 0 && !testing.Short() {
			t.Errorf("no scenario reaches %q", ev)
		}
	}
	var evs []string
	for ev, n := range cover {
		evs = append(evs, fmt.Sprintf("%s: %d", ev, n))
	}
	sort.Strings(evs)
	t.Logf("events (distinct transitions in which each happened):\n  %s", strings.Join(evs, "\n  "))
}

package task

/*
This file owns the task state word: every bit, every transition. The harness
(harness.go) is the only code that acts on the results.

# Reference kinds

A task's reference count counts the handles that have a lifetime the runtime
can see. Each kind holds exactly one reference, except UnownedTask:

  - Task: the entry in an OwnedTasks or LocalOwnedTasks list. Released when the
    scheduler's Release removes the task at completion (counted together with
    the poller's reference in toTerminal(2)), or by the shutdown that popped it.
  - Notified: a task that sits in (or is about to enter) a run queue. At most
    one exists at a time: NOTIFIED is set exactly while it does. Running it
    hands its reference to the poller; the poller gives it back in toIdle, or
    passes it to a new Notified when the task was woken during the poll.
  - UnownedTask: a blocking task; it holds two references, standing for the
    list entry it does not have and for its Notified.
  - JoinHandle: released when BlockingJoin (or the await) takes the output, or by Detach.

Wakers and AbortHandles hold no reference (Go cannot run code when a copy of a
value is dropped). They keep the task's memory alive through the garbage
collector only, and every transition they start checks the state first: a wake
or abort of a COMPLETE task, or of a task whose count is already zero, does
nothing (ARCHITECTURE.md, deviations 1 and 3).

# State word

One atomic uint64. The low six bits are flags; the reference count is above.

  RUNNING        1<<0  the future or its output is locked by a poller or a
                       canceller. Works as the lock on the stage.
  COMPLETE       1<<1  the future is gone and the output (value or JoinError)
                       is stored. Set once, never cleared, never together with
                       RUNNING.
  NOTIFIED       1<<2  a Notified exists for the task.
  JOIN_INTEREST  1<<3  the JoinHandle has not been joined or detached.
  JOIN_WAKER     1<<4  access control for the join-waker slot; see
                       join_waker.go.
  CANCELLED      1<<5  the task must be cancelled at its next chance. May take
                       any value once COMPLETE is set.
  refs           bits 6..31, in units of refOne = 1<<6.
  generation     bits 32..63: the low 32 bits of the task's ID. A task's
                 memory (its cell) is reused for a new task once its count
                 reaches zero; Wakers and AbortHandles remember the ID they
                 were made for, and their transitions compare it with these
                 bits inside the same CAS, so a stale one can never act on
                 the next task. Every transition leaves these bits alone.

A task starts with three references (owned list, first Notified, JoinHandle)
and NOTIFIED|JOIN_INTEREST set: initialState = 3*refOne | NOTIFIED |
JOIN_INTEREST = 0xCC, the same number as Tokio's.

# Field ownership

  stage, fut, out, err   owned by the goroutine that set RUNNING until it
                         clears RUNNING or sets COMPLETE; after COMPLETE, owned
                         by the JoinHandle while JOIN_INTEREST is set, and by
                         the completing goroutine when it is not.
  join (the waker slot)  see join_waker.go.
  queueNext              owned by whoever holds the task's Notified.
  owned links            guarded by the owner list's shard lock.
  id, typ, sched         immutable after the task is bound (sched is cleared by
                         dealloc, when no counted reference is left).

# Transitions

	            spawn (refs 3, NOTIFIED|JOIN_INTEREST)
	                │
	                ▼            wake (+1 ref)
	  ┌──────► idle+NOTIFIED ◄───────────────── idle ◄──┐
	  │             │ toRunning                          │ toIdle (−1 ref)
	  │             ▼                                    │
	  │          RUNNING ────────────────────────────────┘
	  │  toIdle      │  Ready, or CANCELLED seen, or shutdown
	  │  (woken:     ▼
	  └── ref kept)  COMPLETE ── toTerminal(1 or 2) ──► refs may reach 0: dealloc

Abort sets CANCELLED (and NOTIFIED with a new reference when the task is idle,
so that it gets scheduled and cancelled by its scheduler). Shutdown sets
CANCELLED and, when the task is idle, takes the RUNNING lock directly. A task
dump takes the RUNNING lock (and a reference) of a task that is idle and not
NOTIFIED, reads the future, and gives both back with toIdle like a poller
whose poll returned Pending (dump.go).

Every transition below is a pure function over a Snapshot that returns the
next Snapshot, whether to write it, and a result that tells the caller what to
do next. The methods on state wrap each one in a compare-and-swap loop. Go's
atomics are sequentially consistent, so each successful CAS is ordered with
every other operation on the word; where Tokio relies on a release store
(toNotifiedByRef of a task that is already NOTIFIED), weft writes the same
value back with a CAS so that the waker's earlier writes happen before the
next poll.

# Deviations from Tokio

  - Wakers and AbortHandles hold no reference (above). toNotifiedByRef and
    toNotifiedAndCancel therefore treat a zero count as "the task is gone".
  - toIdle of a task woken during its poll keeps the reference count: the
    poller's reference moves to the new Notified instead of taking a new one
    and dropping the old, which saves two atomic operations per yield.
*/

import (
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/weftrt/weft/internal/invariants"
)

const (
	stateRunning      Snapshot = 1 << 0
	stateComplete     Snapshot = 1 << 1
	stateNotified     Snapshot = 1 << 2
	stateJoinInterest Snapshot = 1 << 3
	stateJoinWaker    Snapshot = 1 << 4
	stateCancelled    Snapshot = 1 << 5

	stateLifecycleMask = stateRunning | stateComplete
	stateFlagsMask     = Snapshot(1<<refShift - 1)

	refShift = 6
	refOne   = Snapshot(1) << refShift
	genShift = 32
	refMask  = Snapshot(1)<<genShift - refOne

	// initialState: references for the owned list, the first Notified and
	// the JoinHandle; notified (it is about to be scheduled) and with join
	// interest.
	initialState = 3*refOne | stateNotified | stateJoinInterest

	// initialDetachedState is the state of a task bound without a
	// JoinHandle (BindDetached): initialState after the handle's
	// transitionDropJoinHandleFast, which TestInitialDetachedStateIsADroppedHandle
	// checks.
	initialDetachedState = 2*refOne | stateNotified

	// maxRefs bounds the reference count below overflow into the
	// generation bits.
	maxRefs = 1<<(genShift-refShift) - 1
)

// Snapshot is one reading of a task's state word. Its String method prints
// the set bits with Tokio's names and the reference count, e.g.
// "RUNNING|JOIN_INTEREST refs=2".
type Snapshot uint64

// IsRunning reports whether a poller or canceller holds the task.
func (s Snapshot) IsRunning() bool { return s&stateRunning != 0 }

// IsComplete reports whether the task's future is gone and its output stored.
func (s Snapshot) IsComplete() bool { return s&stateComplete != 0 }

// IsNotified reports whether the task is in, or about to enter, a run queue.
func (s Snapshot) IsNotified() bool { return s&stateNotified != 0 }

// IsJoinInterested reports whether the JoinHandle still waits for the output.
func (s Snapshot) IsJoinInterested() bool { return s&stateJoinInterest != 0 }

// IsJoinWakerSet reports whether the join-waker slot holds a waker that the
// runtime may use.
func (s Snapshot) IsJoinWakerSet() bool { return s&stateJoinWaker != 0 }

// IsCancelled reports whether the task has been asked to stop.
func (s Snapshot) IsCancelled() bool { return s&stateCancelled != 0 }

// IsIdle reports whether the task is neither running nor complete.
func (s Snapshot) IsIdle() bool { return s&stateLifecycleMask == 0 }

// RefCount returns the number of counted references.
func (s Snapshot) RefCount() uint64 { return uint64((s & refMask) >> refShift) }

// gen returns the generation bits: the low 32 bits of the ID of the task that
// owns the cell.
func (s Snapshot) gen() uint32 { return uint32(s >> genShift) }

// withGen returns s with its generation bits set to those of id.
func (s Snapshot) withGen(id ID) Snapshot {
	return s&(1<<genShift-1) | Snapshot(uint32(id))<<genShift
}

// String prints the flags with Tokio's names and the reference count.
func (s Snapshot) String() string {
	var b strings.Builder
	names := [...]struct {
		bit  Snapshot
		name string
	}{
		{stateRunning, "RUNNING"},
		{stateComplete, "COMPLETE"},
		{stateNotified, "NOTIFIED"},
		{stateJoinInterest, "JOIN_INTEREST"},
		{stateJoinWaker, "JOIN_WAKER"},
		{stateCancelled, "CANCELLED"},
	}
	for _, n := range names {
		if s&n.bit != 0 {
			if b.Len() > 0 {
				b.WriteByte('|')
			}
			b.WriteString(n.name)
		}
	}
	if b.Len() == 0 {
		b.WriteString("IDLE")
	}
	fmt.Fprintf(&b, " refs=%d", s.RefCount())
	return b.String()
}

func (s Snapshot) refDec(n uint64) Snapshot {
	if s.RefCount() < n {
		invariants.Violated("task: reference count underflow in %v", s)
	}
	return s - Snapshot(n)*refOne
}

func (s Snapshot) refInc() Snapshot {
	if s.RefCount() >= maxRefs {
		invariants.Violated("task: reference count overflow in %v", s)
	}
	return s + refOne
}

// Results of toRunning: what the caller of a Notified's run must do next.
type runningResult uint8

const (
	// runningSuccess: the caller holds RUNNING and polls the future.
	runningSuccess runningResult = iota
	// runningCancelled: the caller holds RUNNING and must cancel the task.
	runningCancelled
	// runningFailed: the task was running or complete already; the
	// Notified's reference has been released.
	runningFailed
	// runningDealloc: as runningFailed, and that was the last reference.
	runningDealloc
)

func (r runningResult) String() string {
	switch r {
	case runningSuccess:
		return "Success"
	case runningCancelled:
		return "Cancelled"
	case runningFailed:
		return "Failed"
	case runningDealloc:
		return "Dealloc"
	}
	return fmt.Sprintf("runningResult(%d)", uint8(r))
}

// transitionToRunning takes the RUNNING lock for a Notified that is being
// run. Precondition: NOTIFIED is set and the caller owns the Notified's
// reference. On Success and Cancelled the reference passes to the poller; on
// Failed and Dealloc it is released here.
// Mirrors tokio runtime/task/state.rs transition_to_running.
func (s Snapshot) transitionToRunning() (Snapshot, runningResult) {
	if !s.IsNotified() {
		invariants.Violated("task: toRunning of a task that is not notified: %v", s)
	}
	if !s.IsIdle() {
		// Already running (a stale queue entry) or complete: the Notified
		// carries nothing to do, only its reference to give back.
		next := s.refDec(1)
		if next.RefCount() == 0 {
			return next, runningDealloc
		}
		return next, runningFailed
	}
	next := (s | stateRunning) &^ stateNotified
	if next.IsCancelled() {
		return next, runningCancelled
	}
	return next, runningSuccess
}

// Results of toIdle: what the poller must do after a Pending poll.
type idleResult uint8

const (
	// idleOK: the task is idle; the poller's reference was released.
	idleOK idleResult = iota
	// idleOKNotified: the task was woken during the poll; the poller's
	// reference now belongs to a new Notified that the poller must hand to
	// Scheduler.Yield.
	idleOKNotified
	// idleOKDealloc: as idleOK, and that was the last reference.
	idleOKDealloc
	// idleCancelled: the task was cancelled during the poll; nothing was
	// written, the poller still holds RUNNING and must cancel the task.
	idleCancelled
)

func (r idleResult) String() string {
	switch r {
	case idleOK:
		return "Ok"
	case idleOKNotified:
		return "OkNotified"
	case idleOKDealloc:
		return "OkDealloc"
	case idleCancelled:
		return "Cancelled"
	}
	return fmt.Sprintf("idleResult(%d)", uint8(r))
}

// transitionToIdle releases the RUNNING lock after a poll that returned
// Pending. Precondition: RUNNING is set; the caller holds the poll reference.
// Mirrors tokio transition_to_idle, except that a woken task keeps its
// reference count (the poll reference moves to the new Notified).
func (s Snapshot) transitionToIdle() (next Snapshot, write bool, r idleResult) {
	if !s.IsRunning() {
		invariants.Violated("task: toIdle of a task that is not running: %v", s)
	}
	if s.IsCancelled() {
		return s, false, idleCancelled
	}
	next = s &^ stateRunning
	if next.IsNotified() {
		// Woken while we polled: the wake saw RUNNING and only set
		// NOTIFIED, leaving the rescheduling to us.
		return next, true, idleOKNotified
	}
	next = next.refDec(1)
	if next.RefCount() == 0 {
		return next, true, idleOKDealloc
	}
	return next, true, idleOK
}

// transitionToComplete marks the future finished and its output stored,
// clearing RUNNING and setting COMPLETE in one step. Precondition: RUNNING is
// set, COMPLETE is not. The reference count is unchanged.
// Mirrors tokio transition_to_complete.
func (s Snapshot) transitionToComplete() Snapshot {
	if !s.IsRunning() || s.IsComplete() {
		invariants.Violated("task: toComplete from %v", s)
	}
	return s ^ (stateRunning | stateComplete)
}

// transitionToTerminal drops n references (the poller's, and the owned
// list's when Release handed it back) after completion and reports whether
// the task must be deallocated. Mirrors tokio transition_to_terminal.
func (s Snapshot) transitionToTerminal(n uint64) (Snapshot, bool) {
	if !s.IsComplete() {
		invariants.Violated("task: toTerminal of an incomplete task: %v", s)
	}
	next := s.refDec(n)
	return next, next.RefCount() == 0
}

// Results of the notify transitions.
type notifyResult uint8

const (
	// notifyDoNothing: nothing to schedule.
	notifyDoNothing notifyResult = iota
	// notifySubmit: a new Notified (with its own new reference) must be
	// handed to Scheduler.Schedule.
	notifySubmit
	// notifyDealloc: by-value only: the caller's reference was the last.
	notifyDealloc
)

func (r notifyResult) String() string {
	switch r {
	case notifyDoNothing:
		return "DoNothing"
	case notifySubmit:
		return "Submit"
	case notifyDealloc:
		return "Dealloc"
	}
	return fmt.Sprintf("notifyResult(%d)", uint8(r))
}

// transitionToNotifiedByRef is a wake through a Waker. The caller holds no
// reference (weft's wakers are uncounted), so a task whose count is zero is
// gone and the wake does nothing. Mirrors tokio transition_to_notified_by_ref.
func (s Snapshot) transitionToNotifiedByRef() (next Snapshot, write bool, r notifyResult) {
	switch {
	case s.IsComplete() || s.RefCount() == 0:
		return s, false, notifyDoNothing
	case s.IsNotified():
		// Already queued. Write the same value back so that the waker's
		// earlier writes are ordered before the queued run's toRunning.
		return s, true, notifyDoNothing
	case s.IsRunning():
		// The poller sees NOTIFIED in toIdle and reschedules.
		return s | stateNotified, true, notifyDoNothing
	default:
		return (s | stateNotified).refInc(), true, notifySubmit
	}
}

// transitionToNotifiedByVal is a wake by a holder of a counted reference that
// gives its reference up. weft's own wakers are uncounted; this edge exists
// for counted handles that wake and let go in one step.
// Mirrors tokio transition_to_notified_by_val.
func (s Snapshot) transitionToNotifiedByVal() (Snapshot, notifyResult) {
	switch {
	case s.IsRunning():
		next := (s | stateNotified).refDec(1)
		if next.RefCount() == 0 {
			invariants.Violated("task: by-value wake left a running task without references: %v", s)
		}
		return next, notifyDoNothing
	case s.IsComplete() || s.IsNotified():
		next := s.refDec(1)
		if next.RefCount() == 0 {
			return next, notifyDealloc
		}
		return next, notifyDoNothing
	default:
		// Our reference becomes the new Notified's reference, and the
		// caller drops its own after scheduling: +1 now, −1 later.
		return (s | stateNotified).refInc(), notifySubmit
	}
}

// transitionToNotifiedForTracing marks a task notified so that a task dump can
// poll it once, taking a reference for the new Notified; it reports false when
// the task is already notified. Precondition: no poller holds RUNNING (dumps
// run while the task's scheduler is stopped); on a running task the poller's
// toIdle would hand out a second Notified. Mirrors tokio
// transition_to_notified_for_tracing. weft's own dumps do not poll and use
// transitionToTracing instead (dump.go); this edge stays in the model so that
// the reachable-state search covers Tokio's protocol too.
func (s Snapshot) transitionToNotifiedForTracing() (Snapshot, bool) {
	if s.IsNotified() {
		return s, false
	}
	return (s | stateNotified).refInc(), true
}

// Results of toTracing: whether a task dump may read the future.
type tracingResult uint8

const (
	// tracingLocked: the dumper holds RUNNING and one new reference, as a
	// poller would after toRunning; it releases both with toIdle.
	tracingLocked tracingResult = iota
	// tracingRunning: a poller or canceller holds the task.
	tracingRunning
	// tracingQueued: NOTIFIED is set; a Notified is (or is about to be) in a
	// run queue, or a wake is waiting for the current holder.
	tracingQueued
	// tracingComplete: the future is gone.
	tracingComplete
	// tracingGone: the task was released (count zero), or its memory now
	// belongs to another task (checked by the atomic form).
	tracingGone
)

func (r tracingResult) String() string {
	switch r {
	case tracingLocked:
		return "Locked"
	case tracingRunning:
		return "Running"
	case tracingQueued:
		return "Queued"
	case tracingComplete:
		return "Complete"
	case tracingGone:
		return "Gone"
	}
	return fmt.Sprintf("tracingResult(%d)", uint8(r))
}

// transitionToTracing takes the RUNNING lock of an idle task for a task dump,
// so that the dumper may read the future without polling it; see dump.go for
// the protocol. It succeeds only on a task that is neither running, complete,
// nor NOTIFIED, and then takes a reference for the dumper in the same step.
// The caller holds no reference (like a Waker), so a task whose count is zero
// is gone. The dumper gives both back with toIdle and acts on its result as a
// poller does after a Pending poll.
//
// A NOTIFIED task is refused: its Notified would find RUNNING set, give its
// reference back in toRunning (Failed) and leave NOTIFIED set with no
// Notified to run the task, a lost wake-up.
func (s Snapshot) transitionToTracing() (next Snapshot, write bool, r tracingResult) {
	switch {
	case s.RefCount() == 0:
		return s, false, tracingGone
	case s.IsComplete():
		return s, false, tracingComplete
	case s.IsRunning():
		return s, false, tracingRunning
	case s.IsNotified():
		return s, false, tracingQueued
	}
	return (s | stateRunning).refInc(), true, tracingLocked
}

// transitionToNotifiedAndCancel is an abort. It reports whether the caller
// must schedule a new Notified (whose reference it takes here) so that the
// scheduler cancels the task. The caller may hold no reference (AbortHandle),
// so a task whose count is zero is gone. Mirrors tokio
// transition_to_notified_and_cancel.
func (s Snapshot) transitionToNotifiedAndCancel() (next Snapshot, write bool, submit bool) {
	switch {
	case s.IsCancelled() || s.IsComplete() || s.RefCount() == 0:
		return s, false, false
	case s.IsRunning():
		// The poller cancels when it sees CANCELLED in toIdle. NOTIFIED
		// spares later wakes their CAS.
		return s | stateNotified | stateCancelled, true, false
	case s.IsNotified():
		// The queued Notified cancels the task when it runs.
		return s | stateCancelled, true, false
	default:
		return (s | stateNotified | stateCancelled).refInc(), true, true
	}
}

// transitionToShutdown cancels the task for a runtime shutdown. It always sets
// CANCELLED; when the task is idle it also takes RUNNING and returns true,
// and the caller must cancel and complete the task. Otherwise a poller holds
// the task (and will see CANCELLED) or it is complete.
// Mirrors tokio transition_to_shutdown.
func (s Snapshot) transitionToShutdown() (Snapshot, bool) {
	idle := s.IsIdle()
	next := s | stateCancelled
	if idle {
		next |= stateRunning
	}
	return next, idle
}

// joinDroppedResult says what a JoinHandle that lets go must clean up.
type joinDroppedResult struct {
	dropOutput bool // the task is complete: the handle owns and drops the output
	dropWaker  bool // JOIN_WAKER is clear: the handle owns and clears the slot
}

// transitionToJoinHandleDropped clears JOIN_INTEREST for a JoinHandle that
// is joined or detached; if the task is not complete it also takes back the
// join-waker slot by clearing JOIN_WAKER. The reference count is unchanged
// (the caller releases its reference after cleaning up).
// Mirrors tokio transition_to_join_handle_dropped.
func (s Snapshot) transitionToJoinHandleDropped() (Snapshot, joinDroppedResult) {
	if !s.IsJoinInterested() {
		invariants.Violated("task: JoinHandle dropped twice: %v", s)
	}
	next := s &^ stateJoinInterest
	if !s.IsComplete() {
		next &^= stateJoinWaker
	}
	return next, joinDroppedResult{dropOutput: s.IsComplete(), dropWaker: !next.IsJoinWakerSet()}
}

// transitionToJoinHandleDroppedAndRefDec is transitionToJoinHandleDropped
// followed by the handle's refDec, as one transition: for a handle that took
// the output of a complete task, which has nothing to clean up between the
// two but the slot, which is the handle's memory (join_waker.go). It
// reports whether the slot is the handle's to clear and whether the
// reference was the last. Precondition: COMPLETE and JOIN_INTEREST set.
// Its interleavings are those of the two steps with nothing between them,
// which the interleaving checker explores
// (TestJoinHandleDroppedAndRefDecIsTheTwoStepsInOne).
func (s Snapshot) transitionToJoinHandleDroppedAndRefDec() (next Snapshot, dropWaker, last bool) {
	if !s.IsComplete() {
		invariants.Violated("task: JoinHandle took the output of an incomplete task: %v", s)
	}
	next, r := s.transitionToJoinHandleDropped()
	next = next.refDec(1)
	return next, r.dropWaker, next.RefCount() == 0
}

// transitionDropJoinHandleFast is the JoinHandle's fast detach: it succeeds
// only on a task that nothing has happened to yet (the initial state), turning
// it into the initial state minus the handle's reference and interest.
func (s Snapshot) transitionDropJoinHandleFast() (Snapshot, bool) {
	if s.withGen(0) != initialState {
		return s, false
	}
	return (s - refOne) &^ stateJoinInterest, true
}

// transitionSetJoinWaker publishes the join waker the handle just wrote. It
// fails (reports false, writes nothing) when the task completed meanwhile.
// Precondition: JOIN_INTEREST set and JOIN_WAKER clear (rule 5 in
// join_waker.go).
func (s Snapshot) transitionSetJoinWaker() (Snapshot, bool) {
	if !s.IsJoinInterested() {
		invariants.Violated("task: setJoinWaker without join interest: %v", s)
	}
	if s.IsJoinWakerSet() {
		invariants.Violated("task: setJoinWaker with JOIN_WAKER already set: %v", s)
	}
	if s.IsComplete() {
		return s, false
	}
	return s | stateJoinWaker, true
}

// transitionUnsetWaker takes the join-waker slot back from the runtime so the
// handle may replace the waker. It fails when the task completed meanwhile.
// Precondition: JOIN_INTEREST set; JOIN_WAKER set unless complete.
func (s Snapshot) transitionUnsetWaker() (Snapshot, bool) {
	if !s.IsJoinInterested() {
		invariants.Violated("task: unsetWaker without join interest: %v", s)
	}
	if s.IsComplete() {
		return s, false
	}
	if !s.IsJoinWakerSet() {
		invariants.Violated("task: unsetWaker with JOIN_WAKER clear: %v", s)
	}
	return s &^ stateJoinWaker, true
}

// transitionUnsetWakerAfterComplete gives the slot back after the runtime has
// woken the join waker. Precondition: COMPLETE and JOIN_WAKER set.
func (s Snapshot) transitionUnsetWakerAfterComplete() Snapshot {
	if !s.IsComplete() || !s.IsJoinWakerSet() {
		invariants.Violated("task: unsetWakerAfterComplete from %v", s)
	}
	return s &^ stateJoinWaker
}

// state is the atomic state word. Each method applies one pure transition
// with a CAS loop (or a single atomic add where the transition cannot fail)
// and returns its result.
type state struct {
	v atomic.Uint64
}

func (st *state) load() Snapshot { return Snapshot(st.v.Load()) }

func (st *state) cas(old, next Snapshot) bool {
	return st.v.CompareAndSwap(uint64(old), uint64(next))
}

func (st *state) toRunning() runningResult {
	cur := st.load()
	for {
		next, r := cur.transitionToRunning()
		if st.cas(cur, next) {
			return r
		}
		cur = st.load()
	}
}

func (st *state) toIdle() idleResult {
	cur := st.load()
	for {
		next, write, r := cur.transitionToIdle()
		if !write || st.cas(cur, next) {
			return r
		}
		cur = st.load()
	}
}

func (st *state) toComplete() Snapshot {
	cur := st.load()
	for {
		next := cur.transitionToComplete()
		if st.cas(cur, next) {
			return next
		}
		cur = st.load()
	}
}

func (st *state) toTerminal(n uint64) bool {
	// One atomic subtraction: nothing else can clear COMPLETE, and the
	// references we drop are ours, so the transition cannot fail.
	d := n * uint64(refOne)
	prev := Snapshot(st.v.Add(^(d - 1)) + d)
	_, dealloc := prev.transitionToTerminal(n)
	return dealloc
}

// toNotifiedByRef wakes the task if it is still the incarnation gen. A CAS
// compares the whole word, generation included, so a cell reused between our
// load and our CAS makes the CAS fail and the retry see the new generation.
func (st *state) toNotifiedByRef(gen uint32) notifyResult {
	cur := st.load()
	for {
		if cur.gen() != gen {
			return notifyDoNothing
		}
		next, write, r := cur.transitionToNotifiedByRef()
		if !write || st.cas(cur, next) {
			return r
		}
		cur = st.load()
	}
}

func (st *state) toNotifiedByVal() notifyResult {
	cur := st.load()
	for {
		next, r := cur.transitionToNotifiedByVal()
		if st.cas(cur, next) {
			return r
		}
		cur = st.load()
	}
}

func (st *state) toNotifiedForTracing() bool {
	cur := st.load()
	for {
		next, ok := cur.transitionToNotifiedForTracing()
		if !ok || st.cas(cur, next) {
			return ok
		}
		cur = st.load()
	}
}

// toTracing locks the task for a dump if it is still the incarnation gen
// and idle. It returns the word it decided on.
func (st *state) toTracing(gen uint32) (Snapshot, tracingResult) {
	cur := st.load()
	for {
		if cur.gen() != gen {
			return cur, tracingGone
		}
		next, write, r := cur.transitionToTracing()
		if !write || st.cas(cur, next) {
			return cur, r
		}
		cur = st.load()
	}
}

// toNotifiedAndCancel aborts the task if it is still the incarnation gen.
func (st *state) toNotifiedAndCancel(gen uint32) bool {
	cur := st.load()
	for {
		if cur.gen() != gen {
			return false
		}
		next, write, submit := cur.transitionToNotifiedAndCancel()
		if !write || st.cas(cur, next) {
			return submit
		}
		cur = st.load()
	}
}

func (st *state) toShutdown() bool {
	cur := st.load()
	for {
		next, idle := cur.transitionToShutdown()
		if st.cas(cur, next) {
			return idle
		}
		cur = st.load()
	}
}

func (st *state) toJoinHandleDropped() joinDroppedResult {
	cur := st.load()
	for {
		next, r := cur.transitionToJoinHandleDropped()
		if st.cas(cur, next) {
			return r
		}
		cur = st.load()
	}
}

// toJoinHandleDroppedAndRefDec applies transitionToJoinHandleDroppedAndRefDec:
// one CAS where the two steps took a CAS and an atomic add.
func (st *state) toJoinHandleDroppedAndRefDec() (dropWaker, last bool) {
	cur := st.load()
	for {
		next, dropWaker, last := cur.transitionToJoinHandleDroppedAndRefDec()
		if st.cas(cur, next) {
			return dropWaker, last
		}
		cur = st.load()
	}
}

func (st *state) dropJoinHandleFast() bool {
	cur := st.load()
	next, ok := cur.transitionDropJoinHandleFast()
	return ok && st.cas(cur, next)
}

func (st *state) setJoinWaker() bool {
	cur := st.load()
	for {
		next, ok := cur.transitionSetJoinWaker()
		if !ok {
			return false
		}
		if st.cas(cur, next) {
			return true
		}
		cur = st.load()
	}
}

func (st *state) unsetWaker() bool {
	cur := st.load()
	for {
		next, ok := cur.transitionUnsetWaker()
		if !ok {
			return false
		}
		if st.cas(cur, next) {
			return true
		}
		cur = st.load()
	}
}

func (st *state) unsetWakerAfterComplete() Snapshot {
	prev := Snapshot(st.v.And(^uint64(stateJoinWaker)))
	return prev.transitionUnsetWakerAfterComplete()
}

func (st *state) refInc() {
	prev := Snapshot(st.v.Add(uint64(refOne)) - uint64(refOne))
	prev.refInc() // checks the count before the add
}

// refDec releases one reference and reports whether it was the last.
func (st *state) refDec() bool {
	prev := Snapshot(st.v.Add(^uint64(refOne-1)) + uint64(refOne))
	return prev.refDec(1).RefCount() == 0
}

// refDecTwice releases both references of an UnownedTask and reports whether
// they were the last.
func (st *state) refDecTwice() bool {
	prev := Snapshot(st.v.Add(^uint64(2*refOne-1)) + 2*uint64(refOne))
	return prev.refDec(2).RefCount() == 0
}

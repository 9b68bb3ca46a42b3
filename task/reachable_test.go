package task

import (
	"fmt"
	"strings"
	"testing"
)

/*
This file finds every state word a task can be in, by a breadth-first search
from the initial state that applies the transitions of state.go themselves.

A word alone does not say which transitions a real actor could apply next (a
NOTIFIED bit may stand for a queued Notified, or for a wake seen by a poller
that has not yet returned), so the search runs over the word plus an abstract
account of who holds what: the owned-list entry, Notifieds in run queues, the
goroutine that holds RUNNING, the JoinHandle and what it knows of the
join-waker slot, and counted handles in Tokio's style (a bounded number of
them, to reach the by-value wake; weft's own wakers and AbortHandles hold no
reference and may act at any time, even after the task was released). Each
move is one transition applied by an actor that could apply it in the
harness: toRunning only for a Notified that exists, toIdle and the completion
only for the goroutine that holds RUNNING, join-side transitions only for a
live JoinHandle, and so on.

On every node the search checks the bit algebra against the account, and on
every reachable word it checks every transition of state.go against the
reference specification in spec_test.go.
*/

// What holds RUNNING, or has just completed the task.
const (
	runNone      uint8 = iota
	runPoller          // polled the future; holds RUNNING and the poll reference
	runCanceller       // holds RUNNING and must cancel (abort seen, or shutdown)
	runCompleter       // set COMPLETE; finishing complete()
	runTracer          // a task dump: holds RUNNING and its own reference, reads the future
)

// Phases of complete() after toComplete.
const (
	cphWake     uint8 = iota // the join waker was published: wake it and hand the slot back
	cphRelease               // Scheduler.Release: take the list's reference if still listed
	cphTerminal              // toTerminal(n)
)

// What the JoinHandle does.
const (
	jhGone      uint8 = iota // joined or detached, reference released
	jhOwn                    // interested; JOIN_WAKER clear and the slot is the handle's
	jhPublished              // interested; the handle published its waker (JOIN_WAKER set by it)
	jhDropping               // cleared JOIN_INTEREST, still holds its reference
)

// What the UnownedTask (a blocking task) has done.
const (
	unNone     uint8 = iota // not a blocking task, or finished with its references
	unFresh                 // holds its two references; NOTIFIED stands for it
	unRunning               // Run: one reference went to the poll, the other is held until Run returns
	unShutting              // Shutdown: dropped one reference, toShutdown next with the other
)

const maxCountedExtras = 2

// rnode is a state of the search: the word and the account.
type rnode struct {
	w        Snapshot
	listed   bool  // the owned-list entry is in the list (one reference)
	closed   bool  // the list was closed: queues may be drained
	popped   uint8 // 1: shutdown popped the entry and holds its reference; 2: toShutdown lost, must drop it
	queued   uint8 // Notifieds in run queues (one reference each)
	runner   uint8
	runRefs  uint8
	cphase   uint8
	runWake  bool // the completer saw JOIN_WAKER in toComplete
	jh       uint8
	unowned  uint8
	blocking bool  // a blocking task: its only poll completes it
	extras   uint8 // counted handles (one reference each)
	giving   uint8 // counted handles that woke by value with Submit and still drop their reference
	cancel   bool  // an abort or a shutdown set CANCELLED before completion
	dealloc  bool
	// abandoned: UnownedTask.Drop released the task unrun; its JoinHandle
	// never completes (documented).
	abandoned bool
}

// held is the number of references the account says exist.
func (n rnode) held() uint64 {
	h := uint64(n.queued) + uint64(n.runRefs) + uint64(n.extras) + uint64(n.giving)
	if n.listed {
		h++
	}
	if n.popped != 0 {
		h++
	}
	if n.jh != jhGone {
		h++
	}
	switch n.unowned {
	case unFresh:
		h += 2
	case unRunning, unShutting:
		h++ // the other one is the runner's, or was dropped
	}
	return h
}

// check reports what is wrong with n, or "".
func (n rnode) check() string {
	s := n.w
	switch {
	case s.IsRunning() && s.IsComplete():
		return "RUNNING together with COMPLETE"
	case n.dealloc != (s.RefCount() == 0):
		return fmt.Sprintf("refs=%d but deallocated=%v", s.RefCount(), n.dealloc)
	case s.RefCount() != n.held():
		return fmt.Sprintf("refs=%d but the handles hold %d", s.RefCount(), n.held())
	case s.IsRunning() != (n.runner == runPoller || n.runner == runCanceller || n.runner == runTracer):
		return fmt.Sprintf("RUNNING=%v but runner=%d", s.IsRunning(), n.runner)
	case n.runner == runCompleter && !s.IsComplete():
		return "completer without COMPLETE"
	case s.IsJoinInterested() != (n.jh == jhOwn || n.jh == jhPublished):
		return fmt.Sprintf("JOIN_INTEREST=%v but the handle is in %d", s.IsJoinInterested(), n.jh)
	case n.jh == jhOwn && s.IsJoinWakerSet():
		return "JOIN_WAKER set while the handle owns the slot"
	case s.IsJoinWakerSet() && !s.IsComplete() && n.jh != jhPublished:
		return "JOIN_WAKER set on an incomplete task whose handle did not publish"
	case s.IsJoinWakerSet() && !s.IsJoinInterested() && !(n.runner == runCompleter && n.runWake):
		return "JOIN_WAKER set without interest and no completer left to clear it"
	case n.queued > 1:
		return fmt.Sprintf("%d Notifieds at once", n.queued)
	case n.queued > 0 && !s.IsNotified():
		return "a Notified exists but NOTIFIED is clear"
	case s.IsIdle() && !n.dealloc && s.IsNotified() && n.queued == 0 &&
		!n.abandoned && n.unowned != unFresh && n.unowned != unShutting && !(n.closed && (n.listed || n.popped == 1)):
		return "idle and NOTIFIED, but no Notified will run it and no shutdown will complete it"
	case s.IsCancelled() && !s.IsComplete() && !n.cancel:
		return "CANCELLED on an incomplete task nobody cancelled"
	case s.RefCount() > 4+maxCountedExtras:
		// The list entry (or the shutdown that popped it), one
		// Notified, the runner, the JoinHandle, and the counted
		// handles.
		return "reference count beyond the bound"
	}
	return ""
}

// apply runs one transition's pure form on n's word and stores the result.
func (n *rnode) apply(next Snapshot, write bool) {
	if write {
		n.w = next
	}
}

func (n *rnode) released() {
	if n.w.RefCount() == 0 {
		n.dealloc = true
	}
}

// move is a transition an actor can apply in node n; it returns the next
// node. ok is false when no actor could apply it in n.
type move struct {
	name string
	do   func(n rnode) (next rnode, ok bool)
}

var reachMoves = []move{
	{"run a Notified", func(n rnode) (rnode, bool) {
		if n.queued == 0 {
			return n, false
		}
		n.queued--
		next, r := n.w.transitionToRunning()
		n.w = next
		switch r {
		case runningSuccess:
			n.runner, n.runRefs = runPoller, 1
		case runningCancelled:
			n.runner, n.runRefs = runCanceller, 1
		default:
			n.released()
		}
		return n, true
	}},
	{"run the UnownedTask", func(n rnode) (rnode, bool) {
		if n.unowned != unFresh {
			return n, false
		}
		next, r := n.w.transitionToRunning()
		n.w = next
		n.unowned = unRunning
		switch r {
		case runningSuccess:
			n.runner, n.runRefs = runPoller, 1
		case runningCancelled:
			n.runner, n.runRefs = runCanceller, 1
		default:
			panic("fresh unowned task not idle")
		}
		return n, true
	}},
	{"UnownedTask.Run returns", func(n rnode) (rnode, bool) {
		if n.unowned != unRunning || n.runner != runNone {
			return n, false
		}
		n.w = n.w.refDec(1)
		n.unowned = unNone
		n.released()
		return n, true
	}},
	{"UnownedTask.Shutdown", func(n rnode) (rnode, bool) {
		if n.unowned != unFresh {
			return n, false
		}
		n.w = n.w.refDec(1)
		n.unowned = unShutting
		return n, true
	}},
	{"UnownedTask.Shutdown: toShutdown", func(n rnode) (rnode, bool) {
		if n.unowned != unShutting {
			return n, false
		}
		next, idle := n.w.transitionToShutdown()
		n.w = next
		n.unowned = unNone
		n.cancel = n.cancel || !n.w.IsComplete()
		if !idle {
			panic("unowned task not idle at shutdown")
		}
		n.runner, n.runRefs = runCanceller, 1
		return n, true
	}},
	{"UnownedTask.Drop", func(n rnode) (rnode, bool) {
		if n.unowned != unFresh {
			return n, false
		}
		n.w = n.w.refDec(2)
		n.unowned = unNone
		n.abandoned = true
		n.released()
		return n, true
	}},
	{"poll: Pending, toIdle", func(n rnode) (rnode, bool) {
		if n.runner != runPoller || n.blocking {
			return n, false
		}
		next, write, r := n.w.transitionToIdle()
		n.apply(next, write)
		switch r {
		case idleOK:
			n.runner, n.runRefs = runNone, 0
		case idleOKNotified:
			n.runner, n.runRefs = runNone, 0
			n.queued++ // Yield: the poll reference is the new Notified's
		case idleOKDealloc:
			n.runner, n.runRefs = runNone, 0
			n.released()
		case idleCancelled:
			n.runner = runCanceller
		}
		return n, true
	}},
	{"poll: Ready (or panic), toComplete", func(n rnode) (rnode, bool) {
		if n.runner != runPoller && n.runner != runCanceller {
			return n, false
		}
		n.w = n.w.transitionToComplete()
		n.runner = runCompleter
		n.runWake = n.w.IsJoinInterested() && n.w.IsJoinWakerSet()
		n.cphase = cphRelease
		if n.runWake {
			n.cphase = cphWake
		}
		return n, true
	}},
	{"complete: wake the join waker, unsetWakerAfterComplete", func(n rnode) (rnode, bool) {
		if n.runner != runCompleter || n.cphase != cphWake {
			return n, false
		}
		n.w = n.w.transitionUnsetWakerAfterComplete()
		n.runWake = false
		n.cphase = cphRelease
		return n, true
	}},
	{"complete: Release", func(n rnode) (rnode, bool) {
		if n.runner != runCompleter || n.cphase != cphRelease {
			return n, false
		}
		if n.listed {
			n.listed = false
			n.runRefs++
		}
		n.cphase = cphTerminal
		return n, true
	}},
	{"complete: toTerminal", func(n rnode) (rnode, bool) {
		if n.runner != runCompleter || n.cphase != cphTerminal {
			return n, false
		}
		next, dealloc := n.w.transitionToTerminal(uint64(n.runRefs))
		n.w = next
		n.runner, n.runRefs = runNone, 0
		if dealloc != (next.RefCount() == 0) {
			panic("toTerminal's dealloc disagrees with the count")
		}
		n.released()
		return n, true
	}},
	{"Waker.Wake (uncounted)", func(n rnode) (rnode, bool) {
		next, write, r := n.w.transitionToNotifiedByRef()
		n.apply(next, write)
		if r == notifySubmit {
			n.queued++
		}
		return n, true
	}},
	{"AbortHandle.Abort (uncounted)", func(n rnode) (rnode, bool) {
		next, write, submit := n.w.transitionToNotifiedAndCancel()
		if write && !n.w.IsComplete() {
			n.cancel = true
		}
		n.apply(next, write)
		if submit {
			n.queued++
		}
		return n, true
	}},
	{"counted handle: clone (refInc)", func(n rnode) (rnode, bool) {
		if n.dealloc || n.extras+n.giving >= maxCountedExtras {
			return n, false
		}
		n.w = n.w.refInc()
		n.extras++
		return n, true
	}},
	{"counted handle: drop (refDec)", func(n rnode) (rnode, bool) {
		switch {
		case n.giving > 0:
			n.giving--
		case n.extras > 0:
			n.extras--
		default:
			return n, false
		}
		n.w = n.w.refDec(1)
		n.released()
		return n, true
	}},
	{"counted handle: wake by value", func(n rnode) (rnode, bool) {
		if n.extras == 0 {
			return n, false
		}
		next, r := n.w.transitionToNotifiedByVal()
		n.w = next
		n.extras--
		switch r {
		case notifySubmit:
			n.queued++
			n.giving++ // drops its own reference after scheduling
		case notifyDealloc:
			n.released()
		}
		return n, true
	}},
	{"task dump: toTracing", func(n rnode) (rnode, bool) {
		// weft's dump (dump.go). The dumper holds no reference and may
		// act at any time after it took the header from the list, even
		// after the task was released; it only ever sees owned tasks.
		if n.blocking {
			return n, false
		}
		next, write, r := n.w.transitionToTracing()
		n.apply(next, write)
		if r == tracingLocked {
			if n.runner != runNone {
				panic("toTracing locked a task another actor holds")
			}
			n.runner, n.runRefs = runTracer, 1
		}
		return n, true
	}},
	{"task dump: untrace (toIdle)", func(n rnode) (rnode, bool) {
		if n.runner != runTracer {
			return n, false
		}
		next, write, r := n.w.transitionToIdle()
		n.apply(next, write)
		switch r {
		case idleOK:
			n.runner, n.runRefs = runNone, 0
		case idleOKNotified:
			n.runner, n.runRefs = runNone, 0
			n.queued++ // Schedule: the dumper's reference is the new Notified's
		case idleOKDealloc:
			n.runner, n.runRefs = runNone, 0
			n.released()
		case idleCancelled:
			n.runner = runCanceller // the dumper cancels and completes the task
		}
		return n, true
	}},
	{"task dump: toNotifiedForTracing", func(n rnode) (rnode, bool) {
		// A dump walks the owned list while the task's scheduler is
		// stopped: the entry holds it, and no poller holds RUNNING.
		if !n.listed || n.w.IsRunning() {
			return n, false
		}
		next, ok := n.w.transitionToNotifiedForTracing()
		n.apply(next, ok)
		if ok {
			n.queued++
		}
		return n, true
	}},
	{"shutdown: pop the list entry", func(n rnode) (rnode, bool) {
		if !n.listed {
			return n, false
		}
		n.listed, n.closed, n.popped = false, true, 1
		return n, true
	}},
	{"shutdown: toShutdown", func(n rnode) (rnode, bool) {
		if n.popped != 1 {
			return n, false
		}
		next, idle := n.w.transitionToShutdown()
		n.cancel = n.cancel || !n.w.IsComplete()
		n.w = next
		if idle {
			n.popped = 0
			n.runner, n.runRefs = runCanceller, 1
		} else {
			n.popped = 2
		}
		return n, true
	}},
	{"shutdown: drop the entry's reference", func(n rnode) (rnode, bool) {
		if n.popped != 2 {
			return n, false
		}
		n.popped = 0
		n.w = n.w.refDec(1)
		n.released()
		return n, true
	}},
	{"shutdown: drop a queued Notified", func(n rnode) (rnode, bool) {
		if !n.closed || n.queued == 0 {
			return n, false
		}
		n.queued--
		n.w = n.w.refDec(1)
		n.released()
		return n, true
	}},
	{"JoinHandle.Detach: fast path", func(n rnode) (rnode, bool) {
		if n.jh != jhOwn && n.jh != jhPublished {
			return n, false
		}
		next, ok := n.w.transitionDropJoinHandleFast()
		if !ok {
			return n, true // falls back to the slow path, a move of its own
		}
		n.w = next
		n.jh = jhGone
		return n, true
	}},
	{"JoinHandle: setJoinWaker", func(n rnode) (rnode, bool) {
		if n.jh != jhOwn {
			return n, false
		}
		next, ok := n.w.transitionSetJoinWaker()
		n.apply(next, ok)
		if ok {
			n.jh = jhPublished
		}
		return n, true
	}},
	{"JoinHandle: unsetWaker", func(n rnode) (rnode, bool) {
		// The handle calls it after a load that showed JOIN_WAKER; it may
		// have completed since.
		if n.jh != jhPublished {
			return n, false
		}
		next, ok := n.w.transitionUnsetWaker()
		n.apply(next, ok)
		if ok {
			n.jh = jhOwn
		}
		return n, true
	}},
	{"JoinHandle: toJoinHandleDropped (join or detach)", func(n rnode) (rnode, bool) {
		if n.jh != jhOwn && n.jh != jhPublished {
			return n, false
		}
		next, _ := n.w.transitionToJoinHandleDropped()
		n.w = next
		n.jh = jhDropping
		return n, true
	}},
	{"JoinHandle: drop its reference", func(n rnode) (rnode, bool) {
		if n.jh != jhDropping {
			return n, false
		}
		n.w = n.w.refDec(1)
		n.jh = jhGone
		n.released()
		return n, true
	}},
}

// reachable runs the search from the spawned and the blocking task, with the
// moves for which use returns true, and returns the words it found. Every
// node is checked; a failure stops the test.
func reachable(t *testing.T, use func(move) bool) map[Snapshot]bool {
	t.Helper()
	starts := []struct {
		name string
		n    rnode
	}{
		{"spawned task", rnode{w: initialState, listed: true, queued: 1, jh: jhOwn}},
		{"blocking task", rnode{w: initialState, jh: jhOwn, unowned: unFresh, blocking: true}},
	}
	words := map[Snapshot]bool{}
	used := map[string]int{}
	nodes := 0
	for _, st := range starts {
		seen := map[rnode]bool{st.n: true}
		frontier := []rnode{st.n}
		edges := 0
		for len(frontier) > 0 {
			n := frontier[0]
			frontier = frontier[1:]
			if msg := n.check(); msg != "" {
				t.Fatalf("%s: reachable node %+v (%v): %s", st.name, n, n.w, msg)
			}
			words[n.w] = true
			for _, m := range reachMoves {
				if !use(m) {
					continue
				}
				next, ok, msg := tryMove(m, n)
				if msg != "" {
					t.Fatalf("%s: %q from %+v (%v): %s", st.name, m.name, n, n.w, msg)
				}
				if !ok {
					continue
				}
				edges++
				used[m.name]++
				if !seen[next] {
					seen[next] = true
					frontier = append(frontier, next)
				}
			}
		}
		nodes += len(seen)
		t.Logf("%s: %d nodes, %d moves", st.name, len(seen), edges)
	}
	for _, m := range reachMoves {
		if use(m) && used[m.name] == 0 {
			t.Errorf("move %q never applied: the search misses a part of the protocol", m.name)
		}
	}
	t.Logf("reachable: %d distinct state words (%d nodes with their handle accounts)", len(words), nodes)
	return words
}

// tokioOnly marks the moves of actors weft's harness does not have: counted
// handles (Tokio's wakers) and Tokio's polling task dump.
func tokioOnly(m move) bool {
	return strings.HasPrefix(m.name, "counted handle") || m.name == "task dump: toNotifiedForTracing"
}

// weftDump marks the moves of weft's task dump.
func weftDump(m move) bool {
	return m.name == "task dump: toTracing" || m.name == "task dump: untrace (toIdle)"
}

func TestEveryReachableStateWord(t *testing.T) {
	t.Log("weft's harness alone, without dumps:")
	noDump := reachable(t, func(m move) bool { return !tokioOnly(m) && !weftDump(m) })
	t.Log("weft's harness with its task dumps:")
	weft := reachable(t, func(m move) bool { return !tokioOnly(m) })
	// To the state word, a dump that holds a task is a poller whose poll
	// will return Pending: RUNNING and one more reference. It must add
	// paths between words, never a word of its own (a word only a dump can
	// produce would be a state the harness was never written for).
	for s := range noDump {
		if !weft[s] {
			t.Errorf("%v reachable without dumps but not with them", s)
		}
	}
	for s := range weft {
		if !noDump[s] {
			t.Errorf("%v reachable only with task dumps", s)
		}
	}
	t.Log("with counted handles (by-value wakes) and task dumps as well:")
	words := reachable(t, func(move) bool { return true })
	for s := range weft {
		if !words[s] {
			t.Errorf("%v reachable with fewer actors but not with all", s)
		}
	}

	checked := 0
	for s := range words {
		for _, tr := range specTransitions {
			if msg := compareWithSpec(tr, s); msg != "" {
				t.Errorf("reachable word: %s", msg)
			}
			if msg := compareMethodWithSpec(tr, s); msg != "" {
				t.Errorf("reachable word: %s", msg)
			}
			checked++
		}
	}
	t.Logf("checked %d (word, transition) pairs against the specification, in pure and atomic form", checked)

	// Words the search must find: one per interesting situation.
	for _, want := range []Snapshot{
		initialState,
		word(3, tR, tJI),         // first poll
		word(2, tJI, tJW),        // idle, its handle waiting
		word(3, tR, tN, tX, tJI), // aborted during a poll, or shut down while queued
		word(3, tR, tN, tJI),     // woken during the poll
		word(3, tC, tJI, tJW),    // completer about to wake the handle
		word(2, tC, tJW),         // handle gone while the completer wakes
		word(1, tC, tJI),         // complete, waiting for Join
		word(2, tN),              // detached on the fast path
		word(0, tC, tN, tX),      // released by a stale run after a shutdown
		word(2, tN, tJI),         // blocking task after Shutdown's first drop
	} {
		if !weft[want] {
			t.Errorf("word %v not reached by weft's harness", want)
		}
	}
	if want := word(5, tN, tJI); !words[want] || weft[want] {
		t.Errorf("word %v (two counted handles) must be reachable only with counted handles", want)
	}
}

// tryMove applies m to n, turning a panic into a message.
func tryMove(m move, n rnode) (next rnode, ok bool, msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint("panicked: ", r)
		}
	}()
	next, ok = m.do(n)
	return next, ok, ""
}

// TestReachableWordsNeverPanicInWakeOrAbort: weft's wakers and AbortHandles
// hold no reference, so they may act on any word, including a released task's;
// they must never panic or change a released word.
func TestReachableWordsNeverPanicInWakeOrAbort(t *testing.T) {
	for flags := Snapshot(0); flags <= stateFlagsMask; flags++ {
		if flags.IsRunning() && flags.IsComplete() {
			continue
		}
		for _, refs := range []uint64{0, 1, 2, 3} {
			s := flags | Snapshot(refs)*refOne
			if v := violation(t, func() { s.transitionToNotifiedByRef() }); v != nil {
				t.Errorf("wake of %v panicked: %v", s, v)
			}
			if v := violation(t, func() { s.transitionToNotifiedAndCancel() }); v != nil {
				t.Errorf("abort of %v panicked: %v", s, v)
			}
			if refs == 0 {
				if n, w, _ := s.transitionToNotifiedByRef(); w || n != s {
					t.Errorf("wake of released %v wrote %v", s, n)
				}
				if n, w, _ := s.transitionToNotifiedAndCancel(); w || n != s {
					t.Errorf("abort of released %v wrote %v", s, n)
				}
			}
		}
	}
}

// TestTracingARunningTaskWouldMakeTwoNotifieds shows why the search lets a
// task dump mark only a task that no poller holds: toNotifiedForTracing on a
// running task creates a Notified, the poller's toIdle then sees NOTIFIED and
// hands out a second one, and whichever runs second finds NOTIFIED clear
// and violates toRunning's precondition. Tokio has the same edge; its dumps
// run while every worker is parked, and state.go documents the precondition.
func TestTracingARunningTaskWouldMakeTwoNotifieds(t *testing.T) {
	s, _ := initialState.transitionToRunning()  // the poller holds RUNNING
	s, ok := s.transitionToNotifiedForTracing() // the dump's Notified
	if !ok {
		t.Fatal("dump did not mark the running task")
	}
	s, _, r := s.transitionToIdle()
	if r != idleOKNotified {
		t.Fatalf("toIdle = %v, want OkNotified (the poller yields a second Notified)", r)
	}
	s, r2 := s.transitionToRunning() // the first of the two runs
	if r2 != runningSuccess {
		t.Fatalf("first run = %v", r2)
	}
	s, _, _ = s.transitionToIdle()
	if violation(t, func() { s.transitionToRunning() }) == nil {
		t.Fatalf("second Notified ran from %v without violating toRunning's precondition", s)
	}
}

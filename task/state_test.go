package task

import (
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/weftrt/weft/internal/invariants"
)

// Short names for the flags in the tables below.
const (
	tR  = stateRunning
	tC  = stateComplete
	tN  = stateNotified
	tJI = stateJoinInterest
	tJW = stateJoinWaker
	tX  = stateCancelled
)

// word builds a state word from a reference count and flags.
func word(refs uint64, flags ...Snapshot) Snapshot {
	s := Snapshot(refs) << refShift
	for _, f := range flags {
		s |= f
	}
	return s
}

// violation runs f and returns the *invariants.Violation it panicked with, or
// nil when it returned normally. Any other panic value fails the test.
func violation(t *testing.T, f func()) (v *invariants.Violation) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		var ok bool
		if v, ok = r.(*invariants.Violation); !ok {
			t.Fatalf("panicked with %T %v, want *invariants.Violation", r, r)
		}
	}()
	f()
	return nil
}

func TestStateBitsHaveTokiosValues(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uint64
	}{
		{"RUNNING", uint64(stateRunning), 0x01},
		{"COMPLETE", uint64(stateComplete), 0x02},
		{"NOTIFIED", uint64(stateNotified), 0x04},
		{"JOIN_INTEREST", uint64(stateJoinInterest), 0x08},
		{"JOIN_WAKER", uint64(stateJoinWaker), 0x10},
		{"CANCELLED", uint64(stateCancelled), 0x20},
		{"REF_ONE", uint64(refOne), 64},
		{"INITIAL_STATE", uint64(initialState), 0xCC},
		{"flags mask", uint64(stateFlagsMask), 0x3F},
		{"lifecycle mask", uint64(stateLifecycleMask), 0x03},
	} {
		if c.got != c.want {
			t.Errorf("%s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
}

func TestSnapshotStringNamesBitsAndRefs(t *testing.T) {
	for _, c := range []struct {
		in   Snapshot
		want string
	}{
		{word(2, tR, tJI), "RUNNING|JOIN_INTEREST refs=2"},
		{initialState, "NOTIFIED|JOIN_INTEREST refs=3"},
		{0, "IDLE refs=0"},
		{word(1), "IDLE refs=1"},
		{word(0, tC), "COMPLETE refs=0"},
		{word(7, tR, tC, tN, tJI, tJW, tX), "RUNNING|COMPLETE|NOTIFIED|JOIN_INTEREST|JOIN_WAKER|CANCELLED refs=7"},
		{word(1, tC, tJW, tX), "COMPLETE|JOIN_WAKER|CANCELLED refs=1"},
		{word(1<<20, tN), "NOTIFIED refs=1048576"},
	} {
		if got := c.in.String(); got != c.want {
			t.Errorf("Snapshot(%#x).String() = %q, want %q", uint64(c.in), got, c.want)
		}
	}
}

func TestSnapshotPredicatesReadOneBitEach(t *testing.T) {
	preds := []struct {
		name string
		bit  Snapshot
		f    func(Snapshot) bool
	}{
		{"IsRunning", tR, Snapshot.IsRunning},
		{"IsComplete", tC, Snapshot.IsComplete},
		{"IsNotified", tN, Snapshot.IsNotified},
		{"IsJoinInterested", tJI, Snapshot.IsJoinInterested},
		{"IsJoinWakerSet", tJW, Snapshot.IsJoinWakerSet},
		{"IsCancelled", tX, Snapshot.IsCancelled},
	}
	for flags := Snapshot(0); flags <= stateFlagsMask; flags++ {
		s := flags | 5*refOne
		for _, p := range preds {
			if got, want := p.f(s), s&p.bit != 0; got != want {
				t.Errorf("%v.%s() = %v, want %v", s, p.name, got, want)
			}
		}
		if got, want := s.IsIdle(), s&(tR|tC) == 0; got != want {
			t.Errorf("%v.IsIdle() = %v, want %v", s, got, want)
		}
		if got := s.RefCount(); got != 5 {
			t.Errorf("%v.RefCount() = %d, want 5", s, got)
		}
	}
}

func TestResultStringsNameEveryValue(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{runningSuccess.String(), "Success"},
		{runningCancelled.String(), "Cancelled"},
		{runningFailed.String(), "Failed"},
		{runningDealloc.String(), "Dealloc"},
		{runningResult(9).String(), "runningResult(9)"},
		{idleOK.String(), "Ok"},
		{idleOKNotified.String(), "OkNotified"},
		{idleOKDealloc.String(), "OkDealloc"},
		{idleCancelled.String(), "Cancelled"},
		{idleResult(9).String(), "idleResult(9)"},
		{notifyDoNothing.String(), "DoNothing"},
		{notifySubmit.String(), "Submit"},
		{notifyDealloc.String(), "Dealloc"},
		{notifyResult(9).String(), "notifyResult(9)"},
		{tracingLocked.String(), "Locked"},
		{tracingRunning.String(), "Running"},
		{tracingQueued.String(), "Queued"},
		{tracingComplete.String(), "Complete"},
		{tracingGone.String(), "Gone"},
		{tracingResult(9).String(), "tracingResult(9)"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// transitionCase is one row of a transition table. res is the transition's
// result printed with %v ("Success", "true", "{dropOutput:true ...}").
type transitionCase struct {
	name  string
	in    Snapshot
	want  Snapshot // the word after the transition
	write bool     // whether the pure form asks for a write
	res   string
	panic bool // the precondition is violated: both forms must panic with *invariants.Violation
}

// transitionUnderTest is a transition in its two forms: the pure function on
// a Snapshot and the method on the atomic state.
type transitionUnderTest struct {
	// pure returns the next word, whether to write it, and the result.
	pure func(Snapshot) (Snapshot, bool, string)
	// method applies the transition to st and returns the result.
	method func(st *state) string
	// methodUnchangedOnPanic: the method checks before it writes (CAS
	// loops). The atomic-add methods write first, then check.
	methodUnchangedOnPanic bool
}

func runTransitionTable(t *testing.T, tr transitionUnderTest, cases []transitionCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var (
				next  Snapshot
				write bool
				res   string
			)
			v := violation(t, func() { next, write, res = tr.pure(c.in) })
			if c.panic {
				if v == nil {
					t.Fatalf("pure form from %v returned %v (%s), want a violation panic", c.in, next, res)
				}
			} else {
				if v != nil {
					t.Fatalf("pure form from %v panicked: %v", c.in, v)
				}
				if next != c.want || write != c.write || res != c.res {
					t.Errorf("pure form from %v = (%v, write %v, %s), want (%v, write %v, %s)",
						c.in, next, write, res, c.want, c.write, c.res)
				}
				if !write && next != c.in {
					t.Errorf("pure form from %v asks for no write but changed the word to %v", c.in, next)
				}
			}

			var st state
			st.v.Store(uint64(c.in))
			v = violation(t, func() { res = tr.method(&st) })
			got := st.load()
			if c.panic {
				if v == nil {
					t.Fatalf("method from %v returned %s (word %v), want a violation panic", c.in, res, got)
				}
				if tr.methodUnchangedOnPanic && got != c.in {
					t.Errorf("method panicked but changed the word from %v to %v", c.in, got)
				}
				return
			}
			if v != nil {
				t.Fatalf("method from %v panicked: %v", c.in, v)
			}
			if got != c.want || res != c.res {
				t.Errorf("method from %v = (%v, %s), want (%v, %s)", c.in, got, res, c.want, c.res)
			}
		})
	}
}

func TestTransitionToRunning(t *testing.T) {
	tr := transitionUnderTest{
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, r := s.transitionToRunning()
			return n, true, r.String()
		},
		method:                 func(st *state) string { return st.toRunning().String() },
		methodUnchangedOnPanic: true,
	}
	runTransitionTable(t, tr, []transitionCase{
		{name: "first run takes RUNNING and clears NOTIFIED", in: initialState, want: word(3, tR, tJI), write: true, res: "Success"},
		{name: "queued after an abort runs cancelled", in: word(3, tN, tJI, tX), want: word(3, tR, tJI, tX), write: true, res: "Cancelled"},
		{name: "detached task", in: word(2, tN), want: word(2, tR), write: true, res: "Success"},
		{name: "stale run of a running task gives its ref back", in: word(3, tR, tN, tX, tJI), want: word(2, tR, tN, tX, tJI), write: true, res: "Failed"},
		{name: "stale run of a complete task", in: word(2, tC, tN, tJI), want: word(1, tC, tN, tJI), write: true, res: "Failed"},
		{name: "stale run holding the last ref deallocates", in: word(1, tC, tN, tX), want: word(0, tC, tN, tX), write: true, res: "Dealloc"},
		{name: "not notified", in: word(2, tJI), panic: true},
		{name: "running, not notified", in: word(2, tR, tJI), panic: true},
		{name: "notified but no reference to give back", in: word(0, tC, tN), panic: true},
	})
}

func TestTransitionToIdle(t *testing.T) {
	tr := transitionUnderTest{
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, w, r := s.transitionToIdle()
			return n, w, r.String()
		},
		method:                 func(st *state) string { return st.toIdle().String() },
		methodUnchangedOnPanic: true,
	}
	runTransitionTable(t, tr, []transitionCase{
		{name: "pending poll drops the poll reference", in: word(3, tR, tJI), want: word(2, tJI), write: true, res: "Ok"},
		{name: "pending poll keeps a published join waker", in: word(3, tR, tJI, tJW), want: word(2, tJI, tJW), write: true, res: "Ok"},
		{name: "last reference", in: word(1, tR), want: word(0), write: true, res: "OkDealloc"},
		// weft deviation: the poll reference moves to the new Notified,
		// the count stays.
		{name: "woken during the poll keeps the count", in: word(3, tR, tN, tJI), want: word(3, tN, tJI), write: true, res: "OkNotified"},
		{name: "woken, sole reference", in: word(1, tR, tN), want: word(1, tN), write: true, res: "OkNotified"},
		{name: "cancelled during the poll writes nothing", in: word(2, tR, tX, tJI), want: word(2, tR, tX, tJI), res: "Cancelled"},
		{name: "aborted during the poll (NOTIFIED too)", in: word(2, tR, tN, tX), want: word(2, tR, tN, tX), res: "Cancelled"},
		{name: "not running", in: word(2, tJI), panic: true},
		{name: "complete", in: word(1, tC), panic: true},
		{name: "running with no reference", in: word(0, tR), panic: true},
	})
}

func TestTransitionToComplete(t *testing.T) {
	tr := transitionUnderTest{
		pure: func(s Snapshot) (Snapshot, bool, string) {
			return s.transitionToComplete(), true, ""
		},
		method:                 func(st *state) string { st.toComplete(); return "" },
		methodUnchangedOnPanic: true,
	}
	runTransitionTable(t, tr, []transitionCase{
		{name: "keeps every other bit and the count", in: word(2, tR, tJI, tJW), want: word(2, tC, tJI, tJW), write: true},
		{name: "woken and aborted", in: word(3, tR, tN, tX), want: word(3, tC, tN, tX), write: true},
		{name: "detached", in: word(1, tR), want: word(1, tC), write: true},
		{name: "idle", in: word(2, tJI), panic: true},
		{name: "complete already", in: word(2, tC, tJI), panic: true},
		{name: "running and complete", in: word(2, tR, tC), panic: true},
	})
	var st state
	st.v.Store(uint64(word(2, tR, tN, tJI, tJW)))
	if got, want := st.toComplete(), word(2, tC, tN, tJI, tJW); got != want {
		t.Errorf("state.toComplete returned %v, want the new word %v", got, want)
	}
}

func TestTransitionToTerminal(t *testing.T) {
	for _, n := range []uint64{1, 2} {
		tr := transitionUnderTest{
			pure: func(s Snapshot) (Snapshot, bool, string) {
				next, dealloc := s.transitionToTerminal(n)
				return next, true, strconv.FormatBool(dealloc)
			},
			method: func(st *state) string { return strconv.FormatBool(st.toTerminal(n)) },
		}
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			runTransitionTable(t, tr, []transitionCase{
				{name: "references left", in: word(n+1, tC, tJI), want: word(1, tC, tJI), write: true, res: "false"},
				{name: "last references", in: word(n, tC, tN, tX), want: word(0, tC, tN, tX), write: true, res: "true"},
				{name: "keeps JOIN_WAKER", in: word(n+2, tC, tJI, tJW), want: word(2, tC, tJI, tJW), write: true, res: "false"},
				{name: "not complete", in: word(3, tR, tJI), panic: true},
				{name: "underflow", in: word(n-1, tC), panic: true},
			})
		})
	}
}

func TestTransitionToNotifiedByRef(t *testing.T) {
	tr := transitionUnderTest{
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, w, r := s.transitionToNotifiedByRef()
			return n, w, r.String()
		},
		method: func(st *state) string { return st.toNotifiedByRef(0).String() },
	}
	runTransitionTable(t, tr, []transitionCase{
		{name: "idle: new Notified with its own reference", in: word(2, tJI), want: word(3, tN, tJI), write: true, res: "Submit"},
		{name: "idle, aborted earlier, no longer queued", in: word(1), want: word(2, tN), write: true, res: "Submit"},
		{name: "running: only NOTIFIED", in: word(3, tR, tJI), want: word(3, tR, tN, tJI), write: true, res: "DoNothing"},
		// The same value is written back, for the ordering.
		{name: "queued already", in: word(3, tN, tJI), want: word(3, tN, tJI), write: true, res: "DoNothing"},
		{name: "running and woken already", in: word(3, tR, tN, tJI), want: word(3, tR, tN, tJI), write: true, res: "DoNothing"},
		{name: "complete", in: word(1, tC, tJI), want: word(1, tC, tJI), res: "DoNothing"},
		{name: "complete and notified", in: word(1, tC, tN), want: word(1, tC, tN), res: "DoNothing"},
		{name: "released: zero count", in: word(0), want: word(0), res: "DoNothing"},
		{name: "released while queued", in: word(0, tN, tX), want: word(0, tN, tX), res: "DoNothing"},
		{name: "overflow", in: word(maxRefs, tJI), panic: true},
	})
}

func TestTransitionToNotifiedByVal(t *testing.T) {
	tr := transitionUnderTest{
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, r := s.transitionToNotifiedByVal()
			return n, true, r.String()
		},
		method:                 func(st *state) string { return st.toNotifiedByVal().String() },
		methodUnchangedOnPanic: true,
	}
	runTransitionTable(t, tr, []transitionCase{
		{name: "running: NOTIFIED, caller's reference dropped", in: word(3, tR, tJI), want: word(2, tR, tN, tJI), write: true, res: "DoNothing"},
		{name: "running and notified", in: word(2, tR, tN), want: word(1, tR, tN), write: true, res: "DoNothing"},
		{name: "complete", in: word(2, tC, tJI), want: word(1, tC, tJI), write: true, res: "DoNothing"},
		{name: "complete, last reference", in: word(1, tC), want: word(0, tC), write: true, res: "Dealloc"},
		{name: "queued", in: word(3, tN, tJI), want: word(2, tN, tJI), write: true, res: "DoNothing"},
		{name: "queued, last reference", in: word(1, tN, tX), want: word(0, tN, tX), write: true, res: "Dealloc"},
		{name: "idle: +1 for the Notified, caller drops its own later", in: word(2, tJI), want: word(3, tN, tJI), write: true, res: "Submit"},
		{name: "running, caller held the last reference", in: word(1, tR), panic: true},
		{name: "complete, no reference to give", in: word(0, tC), panic: true},
	})
}

func TestTransitionToNotifiedForTracing(t *testing.T) {
	tr := transitionUnderTest{
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, ok := s.transitionToNotifiedForTracing()
			return n, ok, strconv.FormatBool(ok)
		},
		method: func(st *state) string { return strconv.FormatBool(st.toNotifiedForTracing()) },
	}
	runTransitionTable(t, tr, []transitionCase{
		{name: "idle", in: word(2, tJI), want: word(3, tN, tJI), write: true, res: "true"},
		{name: "complete", in: word(1, tC), want: word(2, tC, tN), write: true, res: "true"},
		{name: "queued already", in: word(3, tN, tJI), want: word(3, tN, tJI), res: "false"},
		{name: "overflow", in: word(maxRefs), panic: true},
	})
}

// Reference: dump.go, step 2 of the protocol. No Tokio counterpart: Tokio's
// dumps poll (transition_to_notified_for_tracing, above).
func TestTransitionToTracing(t *testing.T) {
	tr := transitionUnderTest{
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, w, r := s.transitionToTracing()
			return n, w, r.String()
		},
		// Generation 0: the words of the table carry no generation.
		method: func(st *state) string { _, r := st.toTracing(0); return r.String() },
	}
	runTransitionTable(t, tr, []transitionCase{
		{name: "idle task is locked with a reference for the dumper", in: word(2, tJI, tJW), want: word(3, tR, tJI, tJW), write: true, res: "Locked"},
		{name: "detached idle task, list reference only", in: word(1), want: word(2, tR), write: true, res: "Locked"},
		{name: "cancelled but not yet noticed is still locked", in: word(2, tX, tJI), want: word(3, tR, tX, tJI), write: true, res: "Locked"},
		{name: "queued task is refused", in: word(3, tN, tJI), want: word(3, tN, tJI), res: "Queued"},
		{name: "spawned task waiting for its first run is refused", in: initialState, want: initialState, res: "Queued"},
		{name: "running task is refused", in: word(3, tR, tJI), want: word(3, tR, tJI), res: "Running"},
		{name: "running and woken is refused as running", in: word(3, tR, tN, tJI), want: word(3, tR, tN, tJI), res: "Running"},
		{name: "complete task is refused", in: word(1, tC, tJI), want: word(1, tC, tJI), res: "Complete"},
		{name: "released task is gone", in: word(0, tC), want: word(0, tC), res: "Gone"},
		{name: "released unrun task is gone", in: word(0, tN), want: word(0, tN), res: "Gone"},
		{name: "overflow", in: word(maxRefs, tJI), panic: true},
	})
}

func TestToTracingIgnoresAnotherGeneration(t *testing.T) {
	var st state
	idle := word(2, tJI).withGen(7)
	st.v.Store(uint64(idle))
	if _, r := st.toTracing(8); r != tracingGone {
		t.Fatalf("toTracing of generation 8 on a word of generation 7 = %v, want Gone", r)
	}
	if got := st.load(); got != idle {
		t.Fatalf("the word changed to %v", got)
	}
	if s, r := st.toTracing(7); r != tracingLocked || s != idle {
		t.Fatalf("toTracing(7) = %v, %v; want Locked from %v", s, r, idle)
	}
	if got, want := st.load(), word(3, tR, tJI).withGen(7); got != want {
		t.Fatalf("word after lock = %v, want %v", got, want)
	}
}

func TestTransitionToNotifiedAndCancel(t *testing.T) {
	tr := transitionUnderTest{
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, w, submit := s.transitionToNotifiedAndCancel()
			return n, w, strconv.FormatBool(submit)
		},
		method: func(st *state) string { return strconv.FormatBool(st.toNotifiedAndCancel(0)) },
	}
	runTransitionTable(t, tr, []transitionCase{
		{name: "idle: schedule a Notified to cancel", in: word(2, tJI), want: word(3, tN, tX, tJI), write: true, res: "true"},
		{name: "queued: the queued run cancels", in: word(3, tN, tJI), want: word(3, tN, tX, tJI), write: true, res: "false"},
		{name: "running: the poller cancels", in: word(3, tR, tJI, tJW), want: word(3, tR, tN, tX, tJI, tJW), write: true, res: "false"},
		{name: "cancelled already", in: word(3, tN, tX, tJI), want: word(3, tN, tX, tJI), res: "false"},
		{name: "cancelled by shutdown, running", in: word(1, tR, tX), want: word(1, tR, tX), res: "false"},
		{name: "complete", in: word(1, tC, tJI), want: word(1, tC, tJI), res: "false"},
		{name: "released: zero count", in: word(0), want: word(0), res: "false"},
		{name: "overflow", in: word(maxRefs), panic: true},
	})
}

func TestTransitionToShutdown(t *testing.T) {
	tr := transitionUnderTest{
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, idle := s.transitionToShutdown()
			return n, true, strconv.FormatBool(idle)
		},
		method: func(st *state) string { return strconv.FormatBool(st.toShutdown()) },
	}
	runTransitionTable(t, tr, []transitionCase{
		{name: "idle: take RUNNING to cancel", in: word(2, tJI), want: word(2, tR, tX, tJI), write: true, res: "true"},
		{name: "idle and queued", in: initialState, want: word(3, tR, tN, tX, tJI), write: true, res: "true"},
		{name: "idle, aborted already", in: word(3, tN, tX), want: word(3, tR, tN, tX), write: true, res: "true"},
		{name: "running: only CANCELLED", in: word(2, tR, tJI), want: word(2, tR, tX, tJI), write: true, res: "false"},
		{name: "complete: CANCELLED is allowed", in: word(1, tC, tJI), want: word(1, tC, tX, tJI), write: true, res: "false"},
	})
}

func TestTransitionDropJoinHandleFast(t *testing.T) {
	tr := transitionUnderTest{
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, ok := s.transitionDropJoinHandleFast()
			return n, ok, strconv.FormatBool(ok)
		},
		method: func(st *state) string { return strconv.FormatBool(st.dropJoinHandleFast()) },
	}
	runTransitionTable(t, tr, []transitionCase{
		{name: "untouched task", in: initialState, want: 0x84, write: true, res: "true"},
		{name: "aborted", in: initialState | tX, want: initialState | tX, res: "false"},
		{name: "running", in: word(3, tR, tJI), want: word(3, tR, tJI), res: "false"},
		{name: "woken with a counted reference", in: word(4, tN, tJI), want: word(4, tN, tJI), res: "false"},
		{name: "join waker published", in: initialState | tJW, want: initialState | tJW, res: "false"},
		{name: "complete", in: word(3, tC, tJI), want: word(3, tC, tJI), res: "false"},
	})
}

func TestTransitionToJoinHandleDropped(t *testing.T) {
	tr := transitionUnderTest{
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, r := s.transitionToJoinHandleDropped()
			return n, true, fmt.Sprintf("%+v", r)
		},
		method:                 func(st *state) string { return fmt.Sprintf("%+v", st.toJoinHandleDropped()) },
		methodUnchangedOnPanic: true,
	}
	runTransitionTable(t, tr, []transitionCase{
		{name: "not complete, no waker", in: word(3, tN, tJI), want: word(3, tN), write: true, res: "{dropOutput:false dropWaker:true}"},
		{name: "not complete, waker published: taken back", in: word(2, tR, tJI, tJW), want: word(2, tR), write: true, res: "{dropOutput:false dropWaker:true}"},
		{name: "complete, waker handed back", in: word(1, tC, tJI), want: word(1, tC), write: true, res: "{dropOutput:true dropWaker:true}"},
		{name: "complete, completer still waking", in: word(2, tC, tJI, tJW, tX), want: word(2, tC, tJW, tX), write: true, res: "{dropOutput:true dropWaker:false}"},
		{name: "dropped twice", in: word(2, tN), panic: true},
		{name: "complete, dropped twice", in: word(1, tC, tJW), panic: true},
	})
}

func TestTransitionToJoinHandleDroppedAndRefDec(t *testing.T) {
	tr := transitionUnderTest{
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, w, last := s.transitionToJoinHandleDroppedAndRefDec()
			return n, true, fmt.Sprintf("dropWaker:%v last:%v", w, last)
		},
		method: func(st *state) string {
			w, last := st.toJoinHandleDroppedAndRefDec()
			return fmt.Sprintf("dropWaker:%v last:%v", w, last)
		},
		methodUnchangedOnPanic: true,
	}
	runTransitionTable(t, tr, []transitionCase{
		{name: "complete, last reference", in: word(1, tC, tJI), want: word(0, tC), write: true, res: "dropWaker:true last:true"},
		{name: "complete, completer still holds its reference", in: word(2, tC, tJI), want: word(1, tC), write: true, res: "dropWaker:true last:false"},
		{name: "complete, completer still waking", in: word(2, tC, tJI, tJW, tX), want: word(1, tC, tJW, tX), write: true, res: "dropWaker:false last:false"},
		{name: "not complete", in: word(2, tR, tJI), panic: true},
		{name: "dropped twice", in: word(1, tC, tJW), panic: true},
	})
}

// The fused join release is the two steps it replaces, with nothing between
// them: on every complete word with join interest and a reference, it
// yields the word and the slot ownership of toJoinHandleDropped followed by
// refDec.
func TestJoinHandleDroppedAndRefDecIsTheTwoStepsInOne(t *testing.T) {
	for refs := uint64(1); refs <= 3; refs++ {
		for flags := Snapshot(0); flags < 1<<6; flags++ {
			s := word(refs, flags&(tR|tN|tJW|tX), tC, tJI)
			mid, r := s.transitionToJoinHandleDropped()
			want := mid.refDec(1)
			got, dropWaker, last := s.transitionToJoinHandleDroppedAndRefDec()
			if got != want || dropWaker != r.dropWaker || last != (want.RefCount() == 0) {
				t.Fatalf("%v: fused gives %v dropWaker %v last %v; two steps give %v dropWaker %v", s, got, dropWaker, last, want, r.dropWaker)
			}
		}
	}
}

func TestTransitionSetJoinWaker(t *testing.T) {
	tr := transitionUnderTest{
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, ok := s.transitionSetJoinWaker()
			return n, ok, strconv.FormatBool(ok)
		},
		method:                 func(st *state) string { return strconv.FormatBool(st.setJoinWaker()) },
		methodUnchangedOnPanic: true,
	}
	runTransitionTable(t, tr, []transitionCase{
		{name: "publish", in: initialState, want: initialState | tJW, write: true, res: "true"},
		{name: "publish while running", in: word(2, tR, tN, tX, tJI), want: word(2, tR, tN, tX, tJI, tJW), write: true, res: "true"},
		{name: "completed meanwhile", in: word(2, tC, tJI), want: word(2, tC, tJI), res: "false"},
		{name: "no join interest", in: word(2, tN), panic: true},
		{name: "published already", in: word(2, tJI, tJW), panic: true},
		{name: "published already, complete", in: word(2, tC, tJI, tJW), panic: true},
	})
}

func TestTransitionUnsetWaker(t *testing.T) {
	tr := transitionUnderTest{
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, ok := s.transitionUnsetWaker()
			return n, ok, strconv.FormatBool(ok)
		},
		method:                 func(st *state) string { return strconv.FormatBool(st.unsetWaker()) },
		methodUnchangedOnPanic: true,
	}
	runTransitionTable(t, tr, []transitionCase{
		{name: "take back", in: word(2, tJI, tJW), want: word(2, tJI), write: true, res: "true"},
		{name: "take back while running", in: word(3, tR, tN, tJI, tJW), want: word(3, tR, tN, tJI), write: true, res: "true"},
		{name: "completed, completer waking", in: word(2, tC, tJI, tJW), want: word(2, tC, tJI, tJW), res: "false"},
		{name: "completed, waker handed back", in: word(1, tC, tJI), want: word(1, tC, tJI), res: "false"},
		{name: "no join interest", in: word(2, tJW, tC), panic: true},
		{name: "not published", in: word(2, tJI), panic: true},
	})
}

func TestTransitionUnsetWakerAfterComplete(t *testing.T) {
	tr := transitionUnderTest{
		pure: func(s Snapshot) (Snapshot, bool, string) {
			return s.transitionUnsetWakerAfterComplete(), true, ""
		},
		method: func(st *state) string { st.unsetWakerAfterComplete(); return "" },
	}
	runTransitionTable(t, tr, []transitionCase{
		{name: "hand the slot back", in: word(2, tC, tJI, tJW), want: word(2, tC, tJI), write: true},
		{name: "handle gone meanwhile", in: word(1, tC, tJW, tN, tX), want: word(1, tC, tN, tX), write: true},
		{name: "not published", in: word(2, tC, tJI), panic: true},
		{name: "not complete", in: word(2, tJI, tJW), panic: true},
	})
	var st state
	st.v.Store(uint64(word(1, tC, tJW)))
	if got, want := st.unsetWakerAfterComplete(), word(1, tC); got != want {
		t.Errorf("state.unsetWakerAfterComplete returned %v, want the new word %v", got, want)
	}
}

func TestRefIncDec(t *testing.T) {
	t.Run("pure", func(t *testing.T) {
		if got, want := word(1, tN, tJI).refInc(), word(2, tN, tJI); got != want {
			t.Errorf("refInc = %v, want %v", got, want)
		}
		if got, want := word(3, tC, tJW).refDec(2), word(1, tC, tJW); got != want {
			t.Errorf("refDec(2) = %v, want %v", got, want)
		}
		if got, want := word(1, tR).refDec(1), word(0, tR); got != want {
			t.Errorf("refDec(1) = %v, want %v", got, want)
		}
		if violation(t, func() { word(maxRefs).refInc() }) == nil {
			t.Error("refInc at maxRefs did not panic")
		}
		if violation(t, func() { word(maxRefs - 1).refInc() }) != nil {
			t.Error("refInc below maxRefs panicked")
		}
		if violation(t, func() { word(1, tC).refDec(2) }) == nil {
			t.Error("refDec(2) of one reference did not panic")
		}
		if violation(t, func() { word(0).refDec(1) }) == nil {
			t.Error("refDec of zero references did not panic")
		}
	})
	for _, c := range []struct {
		name    string
		in      Snapshot
		op      func(*state) bool
		want    Snapshot
		last    bool
		panics  bool
		opLabel string
	}{
		{name: "inc", in: word(2, tN, tJI), op: func(st *state) bool { st.refInc(); return false }, want: word(3, tN, tJI)},
		{name: "inc at max", in: word(maxRefs), op: func(st *state) bool { st.refInc(); return false }, panics: true},
		{name: "dec", in: word(2, tC, tJI), op: (*state).refDec, want: word(1, tC, tJI)},
		{name: "dec last", in: word(1, tC), op: (*state).refDec, want: word(0, tC), last: true},
		{name: "dec of zero", in: word(0, tC), op: (*state).refDec, panics: true},
		{name: "dec twice", in: word(3, tN, tJI), op: (*state).refDecTwice, want: word(1, tN, tJI)},
		{name: "dec twice last", in: word(2, tN, tX), op: (*state).refDecTwice, want: word(0, tN, tX), last: true},
		{name: "dec twice of one", in: word(1, tN), op: (*state).refDecTwice, panics: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var st state
			st.v.Store(uint64(c.in))
			var last bool
			v := violation(t, func() { last = c.op(&st) })
			if c.panics {
				if v == nil {
					t.Fatalf("from %v: no violation panic", c.in)
				}
				return
			}
			if v != nil {
				t.Fatalf("from %v: %v", c.in, v)
			}
			if got := st.load(); got != c.want || last != c.last {
				t.Errorf("from %v: word %v last %v, want %v last %v", c.in, got, last, c.want, c.last)
			}
		})
	}
}

func TestViolationMessagesSayWhatBroke(t *testing.T) {
	v := violation(t, func() { word(2, tJI).transitionToRunning() })
	if v == nil {
		t.Fatal("no panic")
	}
	const want = "weft: invariant violated: task: toRunning of a task that is not notified: JOIN_INTEREST refs=2"
	if v.Error() != want {
		t.Errorf("message %q, want %q", v.Error(), want)
	}
	var err error = v
	if !errors.As(err, new(*invariants.Violation)) {
		t.Error("a violation is not an error of its own type")
	}
}

// BindDetached starts a task in initialDetachedState with one store; it must
// be the state an immediate drop of the JoinHandle would leave.
func TestInitialDetachedStateIsADroppedHandle(t *testing.T) {
	got, ok := initialState.withGen(7).transitionDropJoinHandleFast()
	if !ok || got != initialDetachedState.withGen(7) {
		t.Fatalf("dropping the handle of a new task gives %v (ok %v), initialDetachedState is %v",
			got, ok, initialDetachedState)
	}
}

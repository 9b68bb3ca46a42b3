package task

import (
	"fmt"
	"strconv"

	"github.com/weftrt/weft/internal/invariants"
)

/*
This file is a reference specification of the state word, written from
Tokio's state transitions (tokio runtime/task/state.rs) and the deviations
listed at the top of state.go, and not from state.go's code: the word is
taken apart into one bool per flag and a plain reference count, and each
transition is a list of rules, one per bit.
reachable_test.go checks every transition against it on every reachable word,
and fuzz_state_test.go runs it as the model of the atomic state.

The bit values are the literal numbers of Tokio's documentation; nothing here
uses the constants of state.go.
*/

const (
	specRunning      = 0x01
	specComplete     = 0x02
	specNotified     = 0x04
	specJoinInterest = 0x08
	specJoinWaker    = 0x10
	specCancelled    = 0x20
	specRefShift     = 6
	specMaxRefs      = 1 << 40 // the documented bound of the count
)

// specWord is a state word taken apart.
type specWord struct {
	running, complete, notified, joinInterest, joinWaker, cancelled bool
	refs                                                            uint64
}

func specDecode(s Snapshot) specWord {
	v := uint64(s)
	return specWord{
		running:      v&specRunning != 0,
		complete:     v&specComplete != 0,
		notified:     v&specNotified != 0,
		joinInterest: v&specJoinInterest != 0,
		joinWaker:    v&specJoinWaker != 0,
		cancelled:    v&specCancelled != 0,
		refs:         v >> specRefShift,
	}
}

func (w specWord) encode() Snapshot {
	v := w.refs << specRefShift
	for _, f := range []struct {
		set bool
		bit uint64
	}{
		{w.running, specRunning}, {w.complete, specComplete}, {w.notified, specNotified},
		{w.joinInterest, specJoinInterest}, {w.joinWaker, specJoinWaker}, {w.cancelled, specCancelled},
	} {
		if f.set {
			v |= f.bit
		}
	}
	return Snapshot(v)
}

func (w specWord) idle() bool { return !w.running && !w.complete }

// specInitial is a freshly spawned task: three references, notified, with
// join interest.
var specInitial = specWord{notified: true, joinInterest: true, refs: 3}

// specOutcome is what a transition does to a word, according to the
// specification.
type specOutcome struct {
	next      specWord
	write     bool
	res       string // the result, printed as the implementation prints it
	violation bool   // the precondition does not hold: the transition must panic
}

func violated() specOutcome { return specOutcome{violation: true} }

func unchanged(w specWord, res string) specOutcome { return specOutcome{next: w, res: res} }

func written(w specWord, res string) specOutcome { return specOutcome{next: w, write: true, res: res} }

// A Notified that is run: it needs NOTIFIED. An idle task becomes running and
// its Notified's reference passes to the poller; anything else gives that
// reference back.
func specToRunning(w specWord) specOutcome {
	if !w.notified {
		return violated()
	}
	idle := w.idle()
	if !idle && w.refs == 0 {
		return violated()
	}
	n := w
	n.running = w.running || idle // RUNNING: taken when idle
	n.notified = !idle            // NOTIFIED: consumed when idle, kept otherwise
	n.refs = w.refs - b2u(!idle)  // refs: the Notified's is given back unless idle
	res := "Success"              // the other bits do not change
	switch {
	case idle && w.cancelled:
		res = "Cancelled"
	case !idle && n.refs == 0:
		res = "Dealloc"
	case !idle:
		res = "Failed"
	}
	return written(n, res)
}

// A Pending poll ends: RUNNING is needed. CANCELLED keeps the task locked and
// writes nothing. Otherwise RUNNING goes; the poll reference goes too unless
// the task was woken meanwhile, when it becomes the new Notified's (weft
// keeps the count where Tokio adds one and drops one).
func specToIdle(w specWord) specOutcome {
	if !w.running {
		return violated()
	}
	if w.cancelled {
		return unchanged(w, "Cancelled")
	}
	if !w.notified && w.refs == 0 {
		return violated()
	}
	n := w
	n.running = false
	n.refs = w.refs - b2u(!w.notified)
	switch {
	case w.notified:
		return written(n, "OkNotified")
	case n.refs == 0:
		return written(n, "OkDealloc")
	}
	return written(n, "Ok")
}

// The future is done and its output stored: RUNNING becomes COMPLETE.
func specToComplete(w specWord) specOutcome {
	if !w.running || w.complete {
		return violated()
	}
	n := w
	n.running = false
	n.complete = true
	return written(n, "")
}

// After completion the runner drops k references.
func specToTerminal(w specWord, k uint64) specOutcome {
	if !w.complete || w.refs < k {
		return violated()
	}
	n := w
	n.refs = w.refs - k
	return written(n, strconv.FormatBool(n.refs == 0))
}

// A wake through an uncounted waker.
func specToNotifiedByRef(w specWord) specOutcome {
	switch {
	case w.complete || w.refs == 0:
		return unchanged(w, "DoNothing")
	case w.notified:
		return written(w, "DoNothing") // same value, written for ordering
	}
	n := w
	n.notified = true
	if w.running {
		return written(n, "DoNothing")
	}
	if w.refs >= specMaxRefs {
		return violated()
	}
	n.refs = w.refs + 1
	return written(n, "Submit")
}

// A wake by a holder of a counted reference that gives it up.
func specToNotifiedByVal(w specWord) specOutcome {
	n := w
	switch {
	case w.running:
		if w.refs < 2 {
			return violated()
		}
		n.notified = true
		n.refs = w.refs - 1
		return written(n, "DoNothing")
	case w.complete || w.notified:
		if w.refs == 0 {
			return violated()
		}
		n.refs = w.refs - 1
		if n.refs == 0 {
			return written(n, "Dealloc")
		}
		return written(n, "DoNothing")
	}
	if w.refs >= specMaxRefs {
		return violated()
	}
	n.notified = true
	n.refs = w.refs + 1
	return written(n, "Submit")
}

func specToNotifiedForTracing(w specWord) specOutcome {
	if w.notified {
		return unchanged(w, "false")
	}
	if w.refs >= specMaxRefs {
		return violated()
	}
	n := w
	n.notified = true
	n.refs = w.refs + 1
	return written(n, "true")
}

// A task dump locks an idle task that is not queued, taking a reference; it
// holds no reference to begin with, so a zero count means the task is gone.
func specToTracing(w specWord) specOutcome {
	switch {
	case w.refs == 0:
		return unchanged(w, "Gone")
	case w.complete:
		return unchanged(w, "Complete")
	case w.running:
		return unchanged(w, "Running")
	case w.notified:
		return unchanged(w, "Queued")
	}
	if w.refs >= specMaxRefs {
		return violated()
	}
	n := w
	n.running = true
	n.refs = w.refs + 1
	return written(n, "Locked")
}

// An abort through a handle that holds no reference.
func specToNotifiedAndCancel(w specWord) specOutcome {
	if w.cancelled || w.complete || w.refs == 0 {
		return unchanged(w, "false")
	}
	n := w
	n.cancelled = true
	n.notified = true
	submit := w.idle() && !w.notified
	if submit {
		if w.refs >= specMaxRefs {
			return violated()
		}
		n.refs = w.refs + 1
	}
	return written(n, strconv.FormatBool(submit))
}

func specToShutdown(w specWord) specOutcome {
	n := w
	n.cancelled = true
	n.running = w.running || w.idle()
	return written(n, strconv.FormatBool(w.idle()))
}

func specDropJoinHandleFast(w specWord) specOutcome {
	if w != specInitial {
		return unchanged(w, "false")
	}
	n := w
	n.joinInterest = false
	n.refs = w.refs - 1
	return written(n, "true")
}

func specToJoinHandleDropped(w specWord) specOutcome {
	if !w.joinInterest {
		return violated()
	}
	n := w
	n.joinInterest = false
	n.joinWaker = w.joinWaker && w.complete // taken back unless complete
	return written(n, fmt.Sprintf("{dropOutput:%v dropWaker:%v}", w.complete, !n.joinWaker))
}

func specSetJoinWaker(w specWord) specOutcome {
	if !w.joinInterest || w.joinWaker {
		return violated()
	}
	if w.complete {
		return unchanged(w, "false")
	}
	n := w
	n.joinWaker = true
	return written(n, "true")
}

func specUnsetWaker(w specWord) specOutcome {
	if !w.joinInterest {
		return violated()
	}
	if w.complete {
		return unchanged(w, "false")
	}
	if !w.joinWaker {
		return violated()
	}
	n := w
	n.joinWaker = false
	return written(n, "true")
}

func specUnsetWakerAfterComplete(w specWord) specOutcome {
	if !w.complete || !w.joinWaker {
		return violated()
	}
	n := w
	n.joinWaker = false
	return written(n, "")
}

func specRefInc(w specWord) specOutcome {
	if w.refs >= specMaxRefs {
		return violated()
	}
	n := w
	n.refs = w.refs + 1
	return written(n, "")
}

func specRefDec(w specWord, k uint64) specOutcome {
	if w.refs < k {
		return violated()
	}
	n := w
	n.refs = w.refs - k
	return written(n, strconv.FormatBool(n.refs == 0))
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// specTransition pairs a transition of state.go with its specification.
type specTransition struct {
	name string
	spec func(specWord) specOutcome
	// pure is the implementation's pure form: next word, write, result.
	pure func(Snapshot) (Snapshot, bool, string)
	// method applies the implementation's atomic form to st.
	method func(st *state) string
}

// specTransitions lists every transition of the state word.
var specTransitions = []specTransition{
	{
		name: "toRunning", spec: specToRunning,
		pure:   func(s Snapshot) (Snapshot, bool, string) { n, r := s.transitionToRunning(); return n, true, r.String() },
		method: func(st *state) string { return st.toRunning().String() },
	},
	{
		name: "toIdle", spec: specToIdle,
		pure:   func(s Snapshot) (Snapshot, bool, string) { n, w, r := s.transitionToIdle(); return n, w, r.String() },
		method: func(st *state) string { return st.toIdle().String() },
	},
	{
		name: "toComplete", spec: specToComplete,
		pure:   func(s Snapshot) (Snapshot, bool, string) { return s.transitionToComplete(), true, "" },
		method: func(st *state) string { st.toComplete(); return "" },
	},
	{
		name: "toTerminal(1)", spec: func(w specWord) specOutcome { return specToTerminal(w, 1) },
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, d := s.transitionToTerminal(1)
			return n, true, strconv.FormatBool(d)
		},
		method: func(st *state) string { return strconv.FormatBool(st.toTerminal(1)) },
	},
	{
		name: "toTerminal(2)", spec: func(w specWord) specOutcome { return specToTerminal(w, 2) },
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, d := s.transitionToTerminal(2)
			return n, true, strconv.FormatBool(d)
		},
		method: func(st *state) string { return strconv.FormatBool(st.toTerminal(2)) },
	},
	{
		name: "toNotifiedByRef", spec: specToNotifiedByRef,
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, w, r := s.transitionToNotifiedByRef()
			return n, w, r.String()
		},
		method: func(st *state) string { return st.toNotifiedByRef(0).String() },
	},
	{
		name: "toNotifiedByVal", spec: specToNotifiedByVal,
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, r := s.transitionToNotifiedByVal()
			return n, true, r.String()
		},
		method: func(st *state) string { return st.toNotifiedByVal().String() },
	},
	{
		name: "toNotifiedForTracing", spec: specToNotifiedForTracing,
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, ok := s.transitionToNotifiedForTracing()
			return n, ok, strconv.FormatBool(ok)
		},
		method: func(st *state) string { return strconv.FormatBool(st.toNotifiedForTracing()) },
	},
	{
		name: "toTracing", spec: specToTracing,
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, w, r := s.transitionToTracing()
			return n, w, r.String()
		},
		method: func(st *state) string { _, r := st.toTracing(0); return r.String() },
	},
	{
		name: "toNotifiedAndCancel", spec: specToNotifiedAndCancel,
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, w, sub := s.transitionToNotifiedAndCancel()
			return n, w, strconv.FormatBool(sub)
		},
		method: func(st *state) string { return strconv.FormatBool(st.toNotifiedAndCancel(0)) },
	},
	{
		name: "toShutdown", spec: specToShutdown,
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, idle := s.transitionToShutdown()
			return n, true, strconv.FormatBool(idle)
		},
		method: func(st *state) string { return strconv.FormatBool(st.toShutdown()) },
	},
	{
		name: "dropJoinHandleFast", spec: specDropJoinHandleFast,
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, ok := s.transitionDropJoinHandleFast()
			return n, ok, strconv.FormatBool(ok)
		},
		method: func(st *state) string { return strconv.FormatBool(st.dropJoinHandleFast()) },
	},
	{
		name: "toJoinHandleDropped", spec: specToJoinHandleDropped,
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, r := s.transitionToJoinHandleDropped()
			return n, true, fmt.Sprintf("%+v", r)
		},
		method: func(st *state) string { return fmt.Sprintf("%+v", st.toJoinHandleDropped()) },
	},
	{
		name: "setJoinWaker", spec: specSetJoinWaker,
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, ok := s.transitionSetJoinWaker()
			return n, ok, strconv.FormatBool(ok)
		},
		method: func(st *state) string { return strconv.FormatBool(st.setJoinWaker()) },
	},
	{
		name: "unsetWaker", spec: specUnsetWaker,
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n, ok := s.transitionUnsetWaker()
			return n, ok, strconv.FormatBool(ok)
		},
		method: func(st *state) string { return strconv.FormatBool(st.unsetWaker()) },
	},
	{
		name: "unsetWakerAfterComplete", spec: specUnsetWakerAfterComplete,
		pure:   func(s Snapshot) (Snapshot, bool, string) { return s.transitionUnsetWakerAfterComplete(), true, "" },
		method: func(st *state) string { st.unsetWakerAfterComplete(); return "" },
	},
	{
		name: "refInc", spec: specRefInc,
		pure:   func(s Snapshot) (Snapshot, bool, string) { return s.refInc(), true, "" },
		method: func(st *state) string { st.refInc(); return "" },
	},
	{
		name: "refDec", spec: func(w specWord) specOutcome { return specRefDec(w, 1) },
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n := s.refDec(1)
			return n, true, strconv.FormatBool(n.RefCount() == 0)
		},
		method: func(st *state) string { return strconv.FormatBool(st.refDec()) },
	},
	{
		name: "refDecTwice", spec: func(w specWord) specOutcome { return specRefDec(w, 2) },
		pure: func(s Snapshot) (Snapshot, bool, string) {
			n := s.refDec(2)
			return n, true, strconv.FormatBool(n.RefCount() == 0)
		},
		method: func(st *state) string { return strconv.FormatBool(st.refDecTwice()) },
	},
}

// compareWithSpec applies tr's pure form to s and reports how it differs from
// the specification, or "" when it agrees. A violation panic of the
// implementation is expected exactly where the specification says the
// precondition does not hold.
func compareWithSpec(tr specTransition, s Snapshot) string {
	want := tr.spec(specDecode(s))
	var (
		next  Snapshot
		write bool
		res   string
		pv    any
	)
	func() {
		defer func() { pv = recover() }()
		next, write, res = tr.pure(s)
	}()
	if pv != nil {
		if _, ok := pv.(*invariants.Violation); !ok {
			return fmt.Sprintf("%s from %v panicked with %T %v, not an invariant violation", tr.name, s, pv, pv)
		}
		if want.violation {
			return ""
		}
		return fmt.Sprintf("%s from %v panicked (%v); spec says %v write=%v %q", tr.name, s, pv, want.next.encode(), want.write, want.res)
	}
	if want.violation {
		return fmt.Sprintf("%s from %v returned %v %q; spec says the precondition is violated", tr.name, s, next, res)
	}
	if next != want.next.encode() || write != want.write || res != want.res {
		return fmt.Sprintf("%s from %v = (%v, write %v, %q); spec says (%v, write %v, %q)",
			tr.name, s, next, write, res, want.next.encode(), want.write, want.res)
	}
	return ""
}

// compareMethodWithSpec applies tr's atomic form to a state holding s and
// reports how the word it leaves and its result differ from the
// specification, or "".
func compareMethodWithSpec(tr specTransition, s Snapshot) string {
	want := tr.spec(specDecode(s))
	var (
		st  state
		res string
		pv  any
	)
	st.v.Store(uint64(s))
	func() {
		defer func() { pv = recover() }()
		res = tr.method(&st)
	}()
	got := st.load()
	if pv != nil {
		if _, ok := pv.(*invariants.Violation); !ok {
			return fmt.Sprintf("state.%s from %v panicked with %T %v, not an invariant violation", tr.name, s, pv, pv)
		}
		if want.violation {
			return ""
		}
		return fmt.Sprintf("state.%s from %v panicked (%v); spec says %v %q", tr.name, s, pv, want.next.encode(), want.res)
	}
	if want.violation {
		return fmt.Sprintf("state.%s from %v returned %q leaving %v; spec says the precondition is violated", tr.name, s, res, got)
	}
	if got != want.next.encode() || res != want.res {
		return fmt.Sprintf("state.%s from %v = (%v, %q); spec says (%v, %q)", tr.name, s, got, res, want.next.encode(), want.res)
	}
	return ""
}

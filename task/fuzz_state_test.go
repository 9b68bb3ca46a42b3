package task

import (
	"sync"
	"testing"
)

// refModel is the reference model of the state word: the specification of
// spec_test.go behind a mutex, the simplest correct implementation of an
// atomic word.
type refModel struct {
	mu sync.Mutex
	w  specWord
}

// apply runs tr's specification on the model and returns its outcome. On a
// violated precondition the model does not change.
func (m *refModel) apply(tr specTransition) specOutcome {
	m.mu.Lock()
	defer m.mu.Unlock()
	o := tr.spec(m.w)
	if !o.violation && o.write {
		m.w = o.next
	}
	return o
}

// peek returns what tr would do, without applying it.
func (m *refModel) peek(tr specTransition) specOutcome {
	m.mu.Lock()
	defer m.mu.Unlock()
	return tr.spec(m.w)
}

func (m *refModel) load() Snapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.w.encode()
}

// fuzzMaxRefs keeps the fuzzer's counts small, where the interesting edges
// (zero, one, two) are.
const fuzzMaxRefs = 16

// FuzzStateWord applies random sequences of transitions to the real atomic
// state, through its methods, and to the reference model, and compares the
// results and the words after every step. The first byte picks the start: the
// initial state, or (odd) a word made of the next two bytes (six flag bits and
// a small count). Each further byte picks a transition; one whose precondition
// the model says is violated is skipped.
func FuzzStateWord(f *testing.F) {
	idx := func(name string) byte {
		for i, tr := range specTransitions {
			if tr.name == name {
				return byte(i)
			}
		}
		panic("no transition " + name)
	}
	seq := func(start []byte, names ...string) []byte {
		b := append([]byte(nil), start...)
		for _, n := range names {
			b = append(b, idx(n))
		}
		return b
	}
	fromInitial := []byte{0}
	// A spawned task polled twice, woken in between, joined.
	f.Add(seq(fromInitial, "toRunning", "toIdle", "setJoinWaker", "toNotifiedByRef", "toRunning",
		"toNotifiedByRef", "toIdle", "toRunning", "toComplete", "unsetWakerAfterComplete", "toTerminal(2)",
		"toJoinHandleDropped", "refDec"))
	// Aborted while idle, cancelled by the queued run, detached.
	f.Add(seq(fromInitial, "toRunning", "toIdle", "toNotifiedAndCancel", "toRunning", "toComplete",
		"dropJoinHandleFast", "toJoinHandleDropped", "toTerminal(2)", "refDec"))
	// Shutdown of a queued task; the stale run gives its reference back.
	f.Add(seq(fromInitial, "toShutdown", "toComplete", "toTerminal(1)", "toRunning", "toJoinHandleDropped", "refDec"))
	// Fast detach, then a Tokio-style counted waker waking by value.
	f.Add(seq(fromInitial, "dropJoinHandleFast", "toRunning", "refInc", "toIdle", "toNotifiedByVal",
		"refDec", "toRunning", "toComplete", "toTerminal(2)"))
	// The join waker swapped while the task completes.
	f.Add(seq(fromInitial, "setJoinWaker", "toRunning", "unsetWaker", "toComplete", "setJoinWaker",
		"toTerminal(1)", "toJoinHandleDropped", "refDec", "refDecTwice"))
	// A dump holds the idle task while it is woken, then aborted, then
	// shut down; each untrace (toIdle) reports what the holder must do.
	f.Add(seq(fromInitial, "toRunning", "toIdle", "toTracing", "toNotifiedByRef", "toIdle", "toTracing",
		"toRunning", "toIdle", "toTracing", "toNotifiedAndCancel", "toIdle", "toComplete", "toTerminal(2)",
		"toTracing", "toJoinHandleDropped", "refDec", "toTracing"))
	// A blocking task shut down; arbitrary words.
	f.Add(seq(fromInitial, "refDec", "toShutdown", "toComplete", "toTerminal(1)", "toNotifiedForTracing", "toRunning"))
	f.Add(seq([]byte{1, 0x3f, 2}, "toNotifiedByRef", "toIdle", "toComplete", "unsetWakerAfterComplete", "refDecTwice"))
	f.Add(seq([]byte{3, 0x15, 0}, "toNotifiedAndCancel", "toNotifiedByRef", "toNotifiedForTracing", "toRunning"))

	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		start := initialState
		ops := data[1:]
		if data[0]&1 == 1 && len(data) >= 3 {
			start = Snapshot(data[1])&stateFlagsMask | Snapshot(data[2]%fuzzMaxRefs)<<refShift
			ops = data[3:]
		}
		var st state
		st.v.Store(uint64(start))
		m := &refModel{w: specDecode(start)}
		for i, b := range ops {
			tr := specTransitions[int(b)%len(specTransitions)]
			if o := m.peek(tr); o.violation || (o.write && o.next.refs > fuzzMaxRefs) {
				continue
			}
			before := st.load()
			want := m.apply(tr)
			var got string
			if v := violation(t, func() { got = tr.method(&st) }); v != nil {
				t.Fatalf("op %d: state.%s from %v panicked: %v", i, tr.name, before, v)
			}
			if got != want.res {
				t.Fatalf("op %d: state.%s from %v returned %q, model %q", i, tr.name, before, got, want.res)
			}
			if w, mw := st.load(), m.load(); w != mw {
				t.Fatalf("op %d: state.%s from %v left %v, model %v", i, tr.name, before, w, mw)
			}
		}
	})
}

package task

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/invariants"
)

/*
interleave_test.go proves the protocol on a model of the harness. This file
runs the real harness (harness.go, join_waker.go, join_handle.go, notified.go,
owned_tasks.go): it tries every sequence, up to a depth, of whole operations
on one real task — run its queued Notified, wake it, abort it, poll its
JoinHandle with one of three wakers, detach, shut the runtime down, and do
some of these from inside the future's poll or inside the join waker's wake,
where a concurrent goroutine could act — each from a fresh task, replaying
the prefix. Between operations no goroutine is inside
the harness, so the word's count must equal the references the list, the
queue and the handle hold. After every prefix the task is torn down (shutdown,
then the handle joins if it is still live) and the accounting is checked on
the real objects: the future dropped once, the output delivered to the handle
or dropped once, a registered join waker woken by the completion, the count
at zero, the cell released (its scheduler cleared) and the join-waker slot
empty.
*/

// seqEnv is one run: the task's observable effects.
type seqEnv struct {
	mode     uint8 // fut* of interleave_test.go
	event    bool
	yielded  bool
	polls    int
	futDrops int
	outDrops int
	panics   int    // UnhandledPanic calls
	valueOut bool   // the future returned a value
	cancels  int    // aborts and shutdowns asked for
	hook     func() // run once inside the next Poll
}

type seqFuture struct{ e *seqEnv }

func (f *seqFuture) Poll(cx *future.Context) (*seqOut, bool) {
	v, ok := f.poll(cx)
	f.e.valueOut = f.e.valueOut || ok
	return v, ok
}

func (f *seqFuture) poll(cx *future.Context) (*seqOut, bool) {
	e := f.e
	e.polls++
	if h := e.hook; h != nil {
		e.hook = nil
		h()
	}
	switch e.mode {
	case futReadyAtOnce:
		return &seqOut{e: e}, true
	case futReadyOnEvent:
		if e.event {
			return &seqOut{e: e}, true
		}
	case futPanicOnEvent:
		if e.event {
			panic("seq: boom")
		}
	case futYieldOnce:
		if e.yielded {
			return &seqOut{e: e}, true
		}
		e.yielded = true
		cx.Waker().Wake()
	}
	return nil, false
}

func (f *seqFuture) Drop() { f.e.futDrops++ }

// seqOut is the output; dropping it unread is counted.
type seqOut struct{ e *seqEnv }

func (o *seqOut) Drop() { o.e.outDrops++ }

// seqScheduler queues what it is given; after shutdown it drops it.
type seqScheduler struct {
	o      *OwnedTasks
	e      *seqEnv
	queue  []Notified
	closed bool
}

func (s *seqScheduler) Schedule(n Notified) {
	if s.closed {
		n.Drop()
		return
	}
	s.queue = append(s.queue, n)
}
func (s *seqScheduler) Yield(n Notified)          { s.Schedule(n) }
func (s *seqScheduler) Release(t Task) bool       { return s.o.Remove(t) }
func (s *seqScheduler) Hooks() *Hooks             { return nil }
func (s *seqScheduler) UnhandledPanic(*JoinError) { s.e.panics++ }

// countWaker counts its wakes; onWake, when set, runs inside Wake.
type countWaker struct {
	n      int
	onWake func()
}

func (w *countWaker) Wake(uint64) {
	w.n++
	if w.onWake != nil {
		w.onWake()
	}
}

// Operations. The "in poll" ones run another operation from inside the
// future's Poll, while the task holds RUNNING: what a concurrent goroutine
// could do at that moment, here done deterministically. poll(w3) registers a
// waker whose Wake detaches the handle: the handle lets go while the
// completer is between waking it and unsetWakerAfterComplete.
const (
	opRun uint8 = iota
	opRunAbortInPoll
	opRunShutdownInPoll
	opRunJoinInPoll
	opRunDetachInPoll
	opWake
	opAbort
	opPoll1
	opPoll2
	opPoll3
	opDetach
	opShutdown
	opCount
)

var opNames = [opCount]string{"run", "run+abort in poll", "run+shutdown in poll", "run+poll(w1) in poll",
	"run+detach in poll", "wake", "abort", "poll(w1)", "poll(w2)", "poll(w3 detaches)", "detach", "shutdown"}

// seqRun is a task under test with everything around it.
type seqRun struct {
	e       *seqEnv
	o       *OwnedTasks
	s       *seqScheduler
	jh      *JoinHandle[*seqOut]
	unowned UnownedTask
	isUn    bool
	unUsed  bool
	wakers  [3]*countWaker
	cx      [3]*future.Context
	live    bool // the handle has not been joined or detached
	reg     int  // the waker the handle registered by its last pending poll: 0, 1, 2 or 3
	regN    int  // that waker's count then
	result  future.Result[*seqOut]
	joined  bool
	log     []string
}

func newSeqRun(mode uint8, unowned bool) *seqRun {
	e := &seqEnv{mode: mode}
	o := NewOwnedTasks(1)
	s := &seqScheduler{o: o, e: e}
	r := &seqRun{e: e, o: o, s: s, live: true, isUn: unowned}
	if unowned {
		// A blocking task completes in its one poll.
		e.event = true
		r.unowned, r.jh = NewUnowned[*seqFuture, *seqOut](&seqFuture{e: e}, s, Options{})
	} else {
		jh, n, ok := Bind[*seqFuture, *seqOut](o, &seqFuture{e: e}, s, Options{})
		if !ok {
			panic("bind refused")
		}
		r.jh = jh
		s.Schedule(n)
	}
	for i := range r.wakers {
		r.wakers[i] = &countWaker{}
		r.cx[i] = future.NewContext(future.NewWaker(r.wakers[i]))
	}
	r.wakers[2].onWake = func() {
		if r.live {
			r.apply(opDetach)
		}
	}
	return r
}

func (r *seqRun) hdr() *Header { return &r.jh.c.hdr }

// applicable reports whether op makes sense now.
func (r *seqRun) applicable(op uint8) bool {
	switch op {
	case opRun:
		if r.isUn {
			return !r.unUsed
		}
		return len(r.s.queue) > 0
	case opRunAbortInPoll:
		return r.applicable(opRun)
	case opRunShutdownInPoll:
		// A blocking task's pool shutdown never touches a running task:
		// Run and Shutdown of one UnownedTask exclude each other.
		return !r.isUn && r.applicable(opRun) && r.applicable(opShutdown)
	case opRunJoinInPoll, opRunDetachInPoll:
		return r.applicable(opRun) && r.live
	case opPoll1, opPoll2, opPoll3, opDetach:
		return r.live
	case opShutdown:
		if r.isUn {
			return !r.unUsed
		}
		return !r.s.closed
	}
	return true
}

// apply performs op on the real task.
func (r *seqRun) apply(op uint8) {
	switch op {
	case opRun:
		if r.isUn {
			r.unUsed = true
			r.unowned.Run(future.NewContext(future.Noop()))
			return
		}
		n := r.s.queue[0]
		r.s.queue = r.s.queue[1:]
		r.o.AssertOwner(n).Run(future.NewContext(future.Noop()))
	case opRunAbortInPoll, opRunShutdownInPoll, opRunJoinInPoll, opRunDetachInPoll:
		inner := map[uint8]uint8{opRunAbortInPoll: opAbort, opRunShutdownInPoll: opShutdown,
			opRunJoinInPoll: opPoll1, opRunDetachInPoll: opDetach}[op]
		r.e.hook = func() { r.apply(inner) }
		r.apply(opRun)
		r.e.hook = nil
	case opWake:
		r.e.event = true
		r.hdr().Wake(0)
	case opAbort:
		r.e.cancels++
		r.jh.Abort()
	case opPoll1, opPoll2, opPoll3:
		k := int(op - opPoll1)
		res, ok := r.jh.Poll(r.cx[k])
		if ok {
			r.result, r.joined, r.live, r.reg = res, true, false, 0
		} else {
			r.reg, r.regN = k+1, r.wakers[k].n
		}
	case opDetach:
		r.live, r.reg = false, 0
		r.jh.Detach()
	case opShutdown:
		r.e.cancels++
		if r.isUn {
			r.unUsed = true
			r.unowned.Shutdown(nil)
			return
		}
		r.o.CloseAndShutdownAll(0, nil)
		r.s.closed = true
		for _, n := range r.s.queue {
			n.Drop()
		}
		r.s.queue = nil
	}
}

// do applies op and checks the accounting after it.
func (r *seqRun) do(op uint8) error {
	wasComplete := r.hdr().State().IsComplete()
	wasLive, reg, regN := r.live, r.reg, r.regN
	r.apply(op)
	if op == opRunJoinInPoll && r.reg != 0 {
		reg, regN = r.reg, r.regN // registered by the poll inside this run
	}
	r.log = append(r.log, fmt.Sprintf("%s -> %v", opNames[op], r.hdr().State()))

	s := r.hdr().State()
	if s.IsRunning() {
		return errors.New("RUNNING between operations")
	}
	held := uint64(len(r.s.queue) + r.o.Len())
	if r.live {
		held++
	}
	if r.isUn && !r.unUsed {
		held += 2
	}
	if s.RefCount() != held {
		return fmt.Errorf("refs=%d but the list, queue and handle hold %d", s.RefCount(), held)
	}
	detached := wasLive && !r.live && !r.joined
	if !wasComplete && s.IsComplete() && reg != 0 && !detached && r.wakers[reg-1].n == regN {
		return fmt.Errorf("completed, but the registered join waker w%d was not woken", reg)
	}
	if r.e.futDrops > 1 || r.e.outDrops > 1 {
		return fmt.Errorf("future dropped %d times, output %d times", r.e.futDrops, r.e.outDrops)
	}
	return nil
}

// teardown shuts the runtime down, joins a live handle, and checks that
// everything was accounted for.
func (r *seqRun) teardown() error {
	if r.applicable(opShutdown) {
		if err := r.do(opShutdown); err != nil {
			return err
		}
	}
	if r.live {
		if err := r.do(opPoll1); err != nil {
			return err
		}
		if r.live {
			return errors.New("handle still pending after shutdown")
		}
	}
	h := r.hdr()
	s := h.State()
	e := r.e
	switch {
	case !s.IsComplete():
		return fmt.Errorf("task not complete after shutdown: %v", s)
	case s.RefCount() != 0:
		return fmt.Errorf("leak: refs=%d after every handle let go", s.RefCount())
	case h.sched != nil:
		return errors.New("count is zero but the cell was not released")
	case !r.jh.slot.waker.IsZero() || h.join != nil:
		return errors.New("join-waker slot not cleared")
	case e.futDrops != 1:
		return fmt.Errorf("future dropped %d times", e.futDrops)
	case !r.o.IsEmpty():
		return errors.New("owned list not empty")
	}
	if r.joined {
		var je *JoinError
		switch {
		case r.result.Err == nil:
			if r.result.Value == nil || !e.valueOut || e.outDrops != 0 {
				return fmt.Errorf("joined a value %v, output dropped %d times", r.result.Value, e.outDrops)
			}
		case errors.As(r.result.Err, &je) && je.IsPanic():
			if e.mode != futPanicOnEvent || e.panics != 1 {
				return fmt.Errorf("panic error from mode %d, %d UnhandledPanic calls", e.mode, e.panics)
			}
		case errors.As(r.result.Err, &je) && je.IsCancelled():
			if e.cancels == 0 {
				return errors.New("cancelled without an abort or a shutdown")
			}
		default:
			return fmt.Errorf("joined %v", r.result.Err)
		}
		if res, ok := r.jh.Poll(r.cx[0]); !ok || !errors.Is(res.Err, ErrAlreadyJoined) {
			return fmt.Errorf("poll after join = %v, %v", res, ok)
		}
	} else {
		// Detached: a value output is dropped unread, exactly once.
		if e.outDrops != int(b2u(e.valueOut)) {
			return fmt.Errorf("detached: value produced %v, output dropped %d times", e.valueOut, e.outDrops)
		}
		if res, ok := r.jh.Poll(r.cx[0]); !ok || !errors.Is(res.Err, ErrDetached) {
			return fmt.Errorf("poll after detach = %v, %v", res, ok)
		}
	}
	return nil
}

// exploreSequences replays every applicable sequence of operations up to
// depth, tearing down after each prefix. It returns the number of sequences.
func exploreSequences(t *testing.T, mode uint8, unowned bool, depth int) int {
	t.Helper()
	count := 0
	var rec func(prefix []uint8) bool
	rec = func(prefix []uint8) bool {
		count++
		r := newSeqRun(mode, unowned)
		for _, op := range prefix {
			if err := r.do(op); err != nil {
				t.Errorf("%v: %v\n  %s", names(prefix), err, strings.Join(r.log, "\n  "))
				return false
			}
		}
		var next []uint8
		for op := uint8(0); op < opCount; op++ {
			if r.applicable(op) {
				next = append(next, op)
			}
		}
		if err := r.teardown(); err != nil {
			t.Errorf("%v + teardown: %v\n  %s", names(prefix), err, strings.Join(r.log, "\n  "))
			return false
		}
		if len(prefix) == depth {
			return true
		}
		for _, op := range next {
			if !rec(append(prefix[:len(prefix):len(prefix)], op)) {
				return false
			}
		}
		return true
	}
	rec(nil)
	return count
}

func names(ops []uint8) string {
	var s []string
	for _, op := range ops {
		s = append(s, opNames[op])
	}
	return "[" + strings.Join(s, ", ") + "]"
}

func TestHarnessEveryOperationSequence(t *testing.T) {
	// Depth 5 is some 30k to 50k sequences per future; the race detector
	// (where invariants.Enabled is true) makes each about ten times slower.
	depth := 5
	if invariants.Enabled {
		depth = 4
	}
	if testing.Short() {
		depth = 3
	}
	for _, c := range []struct {
		mode    uint8
		unowned bool
	}{
		{futReadyAtOnce, false},
		{futReadyOnEvent, false},
		{futPanicOnEvent, false},
		{futYieldOnce, false},
		{futPending, false},
		{futReadyAtOnce, true},
		{futPanicOnEvent, true},
	} {
		name := futName(c.mode)
		if c.unowned {
			name = "blocking/" + name
		}
		t.Run(name, func(t *testing.T) {
			n := exploreSequences(t, c.mode, c.unowned, depth)
			t.Logf("%d operation sequences up to depth %d, each torn down and checked", n, depth)
		})
	}
}

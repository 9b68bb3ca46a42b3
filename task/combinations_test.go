package task_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// This file ports the matrix of tokio tests/task_combinations.rs to the task
// module: a task whose future may panic when polled and/or when dropped, whose
// output may panic when dropped, whose JoinHandle is kept or detached at some
// point, and which may be aborted through its JoinHandle or an AbortHandle at
// some point of its life. Every combination is a subtest named after it, and
// each asserts the exact outcome rather than only "no crash".
//
// Deviations from the Tokio test: there is one scheduler (ours, on the public
// API) instead of Tokio's runtime flavours; the combinations Tokio skips
// because a double panic aborts a Rust process are all run here, since Go
// recovers both panics; an abort "during the final poll" is added to pin down
// the quirk that an abort landing during a poll that returns Ready is lost;
// and whether the JoinHandle was polled before the task ran (Tokio's
// JoinInterest) decides whether a join waker is registered, whose wakes are
// counted.

type comboTask uint8

const (
	taskNoPanic comboTask = iota
	taskPanicOnPoll
	taskPanicOnDrop
	taskPanicOnPollAndDrop
)

func (c comboTask) String() string {
	return [...]string{"NoPanic", "PanicOnPoll", "PanicOnDrop", "PanicOnPollAndDrop"}[c]
}

func (c comboTask) panicsOnPoll() bool { return c == taskPanicOnPoll || c == taskPanicOnPollAndDrop }
func (c comboTask) panicsOnDrop() bool { return c == taskPanicOnDrop || c == taskPanicOnPollAndDrop }

type comboOutputKind uint8

const (
	outputNoPanic comboOutputKind = iota
	outputPanicOnDrop
)

func (c comboOutputKind) String() string {
	return [...]string{"OutputNoPanic", "OutputPanicOnDrop"}[c]
}

// comboHandle is what happens to the JoinHandle, and when.
type comboHandle uint8

const (
	handleKept                  comboHandle = iota // joined at the end
	handleDetachBeforeFirstPoll                    // Detach's fast path
	handleDetachAfterPoll                          // after a Pending poll
	handleDetachAfterComplete                      // output already stored
)

func (c comboHandle) String() string {
	return [...]string{"Kept", "DetachBeforeFirstPoll", "DetachAfterPoll", "DetachAfterComplete"}[c]
}

type comboAbortVia uint8

const (
	abortNone comboAbortVia = iota
	abortViaJoinHandle
	abortViaAbortHandle
)

func (c comboAbortVia) String() string {
	return [...]string{"NoAbort", "AbortViaJoinHandle", "AbortViaAbortHandle"}[c]
}

type comboAbortAt uint8

const (
	abortBeforeFirstPoll  comboAbortAt = iota // the task is queued, never polled
	abortDuringFirstPoll                      // from inside a poll that returns Pending
	abortAfterPollPending                     // the task is idle, waiting
	abortDuringFinalPoll                      // from inside the poll that returns Ready (or panics)
	abortAfterCompletion                      // the task is complete
)

func (c comboAbortAt) String() string {
	return [...]string{"BeforeFirstPoll", "DuringFirstPoll", "AfterPollPending", "DuringFinalPoll", "AfterCompletion"}[c]
}

type combo struct {
	task       comboTask
	output     comboOutputKind
	handle     comboHandle
	joinPolled bool
	via        comboAbortVia
	at         comboAbortAt // meaningless when via is abortNone
}

func (c combo) String() string {
	jp := "JoinNotPolled"
	if c.joinPolled {
		jp = "JoinPolled"
	}
	abort := c.via.String()
	if c.via != abortNone {
		abort += c.at.String()
	}
	return strings.Join([]string{c.task.String(), c.output.String(), c.handle.String(), jp, abort}, "/")
}

// aborted reports whether the abort cancels the task: it must land before the
// task's last poll starts, or during a poll that returns Pending.
func (c combo) aborted() bool {
	return c.via != abortNone && c.at <= abortAfterPollPending
}

// completesInFirstRun reports whether the task is complete after the
// scheduler's first round of runs (it was cancelled before or during its
// first poll); otherwise it completes in the second round, after the test
// opened its gate.
func (c combo) completesInFirstRun() bool {
	return c.aborted() && c.at <= abortDuringFirstPoll
}

// detachedBeforeCompletion reports whether the handle let go before the task
// completed, so that the task itself drops the output and never wakes the
// join waker.
func (c combo) detachedBeforeCompletion() bool {
	switch c.handle {
	case handleDetachBeforeFirstPoll:
		return true
	case handleDetachAfterPoll:
		return !c.completesInFirstRun()
	}
	return false
}

// outputCreated reports whether the future returned its output.
func (c combo) outputCreated() bool { return !c.aborted() && !c.task.panicsOnPoll() }

// expectedPolls is how many times the future is polled.
func (c combo) expectedPolls() int {
	switch {
	case c.aborted() && c.at == abortBeforeFirstPoll:
		return 0
	case c.aborted():
		return 1
	}
	return 2
}

// expectedPanic returns the value the task's JoinError must carry, or nil when
// the task does not end in a panic.
func (c combo) expectedPanic() any {
	switch {
	case c.task.panicsOnPoll() && !c.aborted():
		// The final poll panics. Drop runs while the harness unwinds; a
		// second panic there is swallowed, the first is the one reported.
		return comboPollPanic
	case c.task.panicsOnDrop():
		// Drop always runs (cancel or Ready) and its panic is the task's.
		return comboDropPanic
	}
	return nil
}

// unhandled reports whether the scheduler's UnhandledPanic hears of the
// task: a panic in Poll, or in Drop after a poll, but not a panic in Drop
// during a cancellation (Tokio's cancel_task does not report either).
func (c combo) unhandled() bool {
	return !c.aborted() && (c.task.panicsOnPoll() || c.task.panicsOnDrop())
}

const (
	comboPollPanic   = "combo: panic in Poll"
	comboDropPanic   = "combo: panic in future Drop"
	comboOutputPanic = "combo: panic in output Drop"
	comboValue       = 42
)

// comboOutput is the task's output. Its Drop has a pointer receiver, so the
// harness finds it through a *comboOutput; a Drop on a comboOutput the future
// never returned (the zero value) is counted in zeroOutputDrops.
type comboOutput struct {
	value int
	rec   *comboRecord
}

// zeroOutputDrops counts Drops of output values that no future produced.
var zeroOutputDrops atomic.Int64

func (o *comboOutput) Drop() {
	if o.rec == nil {
		zeroOutputDrops.Add(1)
		return
	}
	o.rec.outputDrops++
	if o.rec.outputPanics {
		panic(comboOutputPanic)
	}
}

// comboRecord is what the future and its output record of their life.
type comboRecord struct {
	polls         int
	drops         int
	outputDrops   int
	outputPanics  bool
	dropWhilePoll bool // set if Drop ran while Poll was active
}

// comboFuture is the spawned future.
type comboFuture struct {
	c      combo
	rec    *comboRecord
	open   bool         // set by the test: the next poll completes
	waker  future.Waker // the waker of the last poll
	abort  func()       // aborts the task through the combination's handle
	inPoll bool
}

func (f *comboFuture) Poll(cx *future.Context) (comboOutput, bool) {
	f.inPoll = true
	defer func() { f.inPoll = false }()
	f.rec.polls++
	f.waker = cx.Waker()
	if f.c.via != abortNone {
		if (f.rec.polls == 1 && f.c.at == abortDuringFirstPoll) || (f.open && f.c.at == abortDuringFinalPoll) {
			f.abort()
		}
	}
	if !f.open {
		return comboOutput{}, false
	}
	if f.c.task.panicsOnPoll() {
		panic(comboPollPanic)
	}
	return comboOutput{value: comboValue, rec: f.rec}, true
}

func (f *comboFuture) Drop() {
	if f.inPoll {
		f.rec.dropWhilePoll = true
	}
	f.rec.drops++
	if f.c.task.panicsOnDrop() {
		panic(comboDropPanic)
	}
}

func allCombos() []combo {
	var out []combo
	for tk := taskNoPanic; tk <= taskPanicOnPollAndDrop; tk++ {
		for ok := outputNoPanic; ok <= outputPanicOnDrop; ok++ {
			for hd := handleKept; hd <= handleDetachAfterComplete; hd++ {
				for _, jp := range []bool{false, true} {
					base := combo{task: tk, output: ok, handle: hd, joinPolled: jp}
					out = append(out, base)
					for _, via := range []comboAbortVia{abortViaJoinHandle, abortViaAbortHandle} {
						for at := abortBeforeFirstPoll; at <= abortAfterCompletion; at++ {
							c := base
							c.via, c.at = via, at
							out = append(out, c)
						}
					}
				}
			}
		}
	}
	return out
}

// TestCombinations runs every combination of future panics, output Drop
// panics, handle fate, join-waker registration and abort (how and when), and
// checks the task's exact outcome. Reference: tokio tests/task_combinations.rs.
func TestCombinations(t *testing.T) {
	combos := allCombos()
	if len(combos) != 4*2*4*2*11 {
		t.Fatalf("built %d combinations", len(combos))
	}
	for _, c := range combos {
		t.Run(c.String(), func(t *testing.T) { runCombo(t, c) })
	}
}

func runCombo(t *testing.T, c combo) {
	zeroBefore := zeroOutputDrops.Load()
	s := newTestSched(t, 1)
	rec := &comboRecord{outputPanics: c.output == outputPanicOnDrop}
	f := &comboFuture{c: c, rec: rec}
	jh := spawn(s, f)
	h := task.HeaderOf(jh)
	ah := jh.AbortHandle()
	f.abort = func() {
		if c.via == abortViaJoinHandle {
			jh.Abort()
		} else {
			ah.Abort()
		}
	}
	abortAt := func(at comboAbortAt) {
		if c.via != abortNone && c.at == at {
			f.abort()
		}
	}
	detachAt := func(hd comboHandle) {
		if c.handle == hd {
			noPanic(t, "Detach", jh.Detach)
			if _, err := jh.BlockingJoin(context.Background()); err != task.ErrDetached {
				t.Errorf("Join after Detach: err = %v, want ErrDetached", err)
			}
		}
	}
	runAll := func() {
		noPanic(t, "RunUntilIdle", func() { s.RunUntilIdle() })
	}

	// The join waker, registered before the task runs.
	var jw wakeCounter
	if c.joinPolled {
		if _, ready := pollOnce[future.Result[comboOutput]](jh, &jw); ready {
			t.Fatalf("JoinHandle ready before the task ran")
		}
	}

	abortAt(abortBeforeFirstPoll)
	detachAt(handleDetachBeforeFirstPoll)

	// First round: the future is polled once and waits (unless cancelled
	// before or during that poll).
	runAll()
	if got := jh.IsFinished(); got != c.completesInFirstRun() {
		t.Fatalf("after first run: IsFinished = %v, want %v (state %v)", got, c.completesInFirstRun(), h.State())
	}
	if !c.completesInFirstRun() {
		if s.ListLen() != 1 {
			t.Errorf("pending task not in OwnedTasks: Len = %d", s.ListLen())
		}
		if jw.Count() != 0 {
			t.Errorf("join waker woken %d times before completion", jw.Count())
		}
		if rec.drops != 0 {
			t.Errorf("future dropped %d times before completion", rec.drops)
		}
	}

	abortAt(abortAfterPollPending)
	detachAt(handleDetachAfterPoll)

	// Second round: open the gate; the next poll completes (or the task is
	// cancelled, if it was aborted while waiting).
	f.open = true
	f.waker.Wake()
	runAll()

	if !jh.IsFinished() || !ah.IsFinished() {
		t.Fatalf("task not finished after both rounds: state %v", h.State())
	}
	if rec.drops != 1 {
		t.Errorf("future dropped %d times, want exactly 1", rec.drops)
	}
	if rec.dropWhilePoll {
		t.Errorf("future dropped from inside its own Poll")
	}
	if rec.polls != c.expectedPolls() {
		t.Errorf("future polled %d times, want %d", rec.polls, c.expectedPolls())
	}
	if s.ListLen() != 0 || s.owned.Len() != 0 {
		t.Errorf("completed task still in OwnedTasks: Len = %d", s.ListLen())
	}
	if s.removed.Load() != 1 {
		t.Errorf("Release found the task %d times, want 1", s.removed.Load())
	}
	wantWakes := int64(0)
	if c.joinPolled && !c.detachedBeforeCompletion() {
		wantWakes = 1
	}
	if jw.Count() != wantWakes {
		t.Errorf("join waker woken %d times, want %d", jw.Count(), wantWakes)
	}
	// Abort schedules the task only when it finds it idle and not queued.
	wantSchedules := int64(1) // the wake that opened the gate
	if c.aborted() && c.at != abortAfterPollPending {
		wantSchedules = 0 // cancelled in the first round; the wake found it complete
	}
	if got := s.schedules.Load(); got != wantSchedules {
		t.Errorf("Schedule called %d times, want %d", got, wantSchedules)
	}
	if y := s.yields.Load(); y != 0 {
		t.Errorf("Yield called %d times, want 0", y)
	}

	abortAt(abortAfterCompletion)
	detachAt(handleDetachAfterComplete)
	if got := s.schedules.Load(); got != wantSchedules {
		t.Errorf("abort after completion scheduled the task")
	}

	// The outcome.
	wantPanic := c.expectedPanic()
	if c.handle == handleKept {
		var (
			out comboOutput
			err error
		)
		noPanic(t, "Join", func() { out, err = jh.BlockingJoin(context.Background()) })
		checkComboResult(t, c, jh.ID(), out, err, wantPanic)
		if _, err := jh.BlockingJoin(context.Background()); err != task.ErrAlreadyJoined {
			t.Errorf("second Join: err = %v, want ErrAlreadyJoined", err)
		}
	}
	panics := s.Panics()
	if c.unhandled() {
		if len(panics) != 1 || panics[0].PanicValue() != wantPanic || panics[0].ID() != jh.ID() {
			t.Errorf("UnhandledPanic got %v, want one panic of task %v with %q", panics, jh.ID(), wantPanic)
		}
	} else if len(panics) != 0 {
		t.Errorf("UnhandledPanic got %v, want none", panics)
	}

	// The output: made only when the future returned it, and dropped by the
	// task exactly once unless the JoinHandle handed it to the caller.
	wantOutputDrops := 0
	if c.outputCreated() && (c.handle != handleKept || c.task.panicsOnDrop()) {
		wantOutputDrops = 1
	}
	if rec.outputDrops != wantOutputDrops {
		t.Errorf("output dropped %d times, want %d", rec.outputDrops, wantOutputDrops)
	}
	if z := zeroOutputDrops.Load() - zeroBefore; z != 0 {
		t.Errorf("Drop called %d times on an output the future never returned", z)
	}

	// Every reference is gone once the handle let go and nothing is queued.
	if s.QueueLen() != 0 {
		t.Errorf("%d tasks still queued", s.QueueLen())
	}
	if st := h.State(); st.RefCount() != 0 || !st.IsComplete() || st.IsRunning() {
		t.Errorf("final state %v, want COMPLETE with refs=0", st)
	}
}

func checkComboResult(t *testing.T, c combo, id task.ID, out comboOutput, err error, wantPanic any) {
	t.Helper()
	switch {
	case wantPanic != nil:
		var je *task.JoinError
		if !errors.As(err, &je) || !je.IsPanic() || je.IsCancelled() {
			t.Fatalf("Join: (%v, %v), want a panic JoinError", out, err)
		}
		if je.PanicValue() != wantPanic {
			t.Errorf("panic value %q, want %q", je.PanicValue(), wantPanic)
		}
		if !errors.Is(err, task.ErrPanicked) || errors.Is(err, task.ErrCancelled) {
			t.Errorf("errors.Is: panicked %v, cancelled %v", errors.Is(err, task.ErrPanicked), errors.Is(err, task.ErrCancelled))
		}
		if je.ID() != id {
			t.Errorf("JoinError ID %v, want %v", je.ID(), id)
		}
		// The stack is the panicking goroutine's, taken where the panic was.
		frame := "comboFuture).Poll"
		if wantPanic == comboDropPanic {
			frame = "comboFuture).Drop"
		}
		if !strings.Contains(string(je.Stack()), frame) {
			t.Errorf("panic stack does not mention %s:\n%s", frame, je.Stack())
		}
		if out != (comboOutput{}) {
			t.Errorf("Join returned output %v with an error", out)
		}
	case c.aborted():
		var je *task.JoinError
		if !errors.As(err, &je) || !je.IsCancelled() || je.IsPanic() {
			t.Fatalf("Join: (%v, %v), want a cancelled JoinError", out, err)
		}
		if !errors.Is(err, task.ErrCancelled) || je.Cause() != nil || je.PanicValue() != nil || je.Stack() != nil {
			t.Errorf("cancelled JoinError: Is(ErrCancelled) %v, Cause %v, PanicValue %v, Stack %d bytes",
				errors.Is(err, task.ErrCancelled), je.Cause(), je.PanicValue(), len(je.Stack()))
		}
		if je.ID() != id {
			t.Errorf("JoinError ID %v, want %v", je.ID(), id)
		}
	default:
		if err != nil || out.value != comboValue {
			t.Fatalf("Join: (%v, %v), want the output %d", out, err, comboValue)
		}
	}
}

// noPanic runs fn and fails the test if a panic escapes it.
func noPanic(t *testing.T, what string, fn func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic escaped %s: %v", what, r)
		}
	}()
	fn()
}

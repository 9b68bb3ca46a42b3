package futurecx

import (
	"math"
	"reflect"
	"testing"

	"github.com/weftrt/weft/future"
)

// TestLayoutMirrorsFutureContext is the guard of the package's one unsafe
// conversion: mirror must have future.Context's fields, in order, with the
// same names, types and offsets, and the same size.
func TestLayoutMirrorsFutureContext(t *testing.T) {
	checkMirror(t, reflect.TypeFor[mirror](), reflect.TypeFor[future.Context]())
}

func TestLayoutMirrorsFutureWaker(t *testing.T) {
	checkMirror(t, reflect.TypeFor[wakerMirror](), reflect.TypeFor[future.Waker]())
}

// checkMirror fails unless got has want's fields (names, types, offsets),
// size and alignment.
func checkMirror(t *testing.T, got, want reflect.Type) {
	t.Helper()
	if got.NumField() != want.NumField() {
		t.Fatalf("%v has %d fields, %v %d", got, got.NumField(), want, want.NumField())
	}
	for i := range want.NumField() {
		w, g := want.Field(i), got.Field(i)
		if g.Name != w.Name || g.Type != w.Type || g.Offset != w.Offset {
			t.Errorf("field %d: %v has %s %v at %d, %v %s %v at %d",
				i, got, g.Name, g.Type, g.Offset, want, w.Name, w.Type, w.Offset)
		}
	}
	if got.Size() != want.Size() || got.Align() != want.Align() {
		t.Errorf("%v is %d bytes aligned %d, %v %d aligned %d",
			got, got.Size(), got.Align(), want, want.Size(), want.Align())
	}
}

func TestWakerTargetIsTheWakeable(t *testing.T) {
	w := &wakeable{}
	if got := WakerTarget(future.NewTaggedWaker(w, 5)); got != w {
		t.Fatalf("WakerTarget = %v, want the Wakeable", got)
	}
	if got := WakerTarget(future.Waker{}); got != nil {
		t.Fatalf("WakerTarget of the zero Waker = %v, want nil", got)
	}
}

type wakeable struct{ n int }

func (w *wakeable) Wake(uint64) { w.n++ }

// TestSettersReachTheContext checks each setter through the Context's own
// getters.
func TestSettersReachTheContext(t *testing.T) {
	w := &wakeable{}
	cx := New(future.Noop(), "exec")
	if cx.Executor() != "exec" || cx.TaskID() != 0 {
		t.Fatalf("New: executor %v, task id %d", cx.Executor(), cx.TaskID())
	}
	if _, constrained := cx.Budget(); constrained {
		t.Fatal("New: budget is constrained")
	}
	SetWaker(cx, future.NewWaker(w))
	SetTaskID(cx, 7)
	SetExecutor(cx, nil)
	if !cx.Waker().WillWake(future.NewWaker(w)) || cx.TaskID() != 7 || cx.Executor() != nil {
		t.Fatalf("setters not seen: task id %d, executor %v", cx.TaskID(), cx.Executor())
	}
	for _, c := range []struct {
		n           int
		left        int
		constrained bool
	}{{3, 3, true}, {0, 0, true}, {-5, 0, false}, {math.MaxInt, 1 << 30, true}} {
		SetBudget(cx, c.n)
		if left, constrained := cx.Budget(); left != c.left || constrained != c.constrained {
			t.Errorf("SetBudget(%d): Budget() = %d, %v; want %d, %v", c.n, left, constrained, c.left, c.constrained)
		}
	}
	SetBudget(cx, 0)
	if cx.ConsumeBudget() || w.n != 1 || cx.ForcedYields() != 1 {
		t.Fatalf("spent budget: ConsumeBudget did not yield (wakes %d, forced %d)", w.n, cx.ForcedYields())
	}
	ResetBudget(cx)
	if left, constrained := cx.Budget(); left != future.DefaultBudget || !constrained {
		t.Fatalf("ResetBudget: Budget() = %d, %v", left, constrained)
	}
}

// TestSettersDoNotAllocate: the setters run on every poll.
func TestSettersDoNotAllocate(t *testing.T) {
	cx := New(future.Noop(), nil)
	w := future.NewTaggedWaker(&wakeable{}, 3)
	if n := testing.AllocsPerRun(100, func() {
		SetWaker(cx, w)
		SetTaskID(cx, 3)
		ResetBudget(cx)
		SetBudget(cx, 5)
	}); n != 0 {
		t.Fatalf("setters allocate %v times", n)
	}
}

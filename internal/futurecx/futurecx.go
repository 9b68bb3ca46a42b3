// Package futurecx sets the fields of a future.Context that only its poller
// may set: the waker, the task id, the executor and the budget; and it reads
// the target of a future.Waker (WakerTarget), which futures must not see.
//
// future.Context exports none of these setters: a future receives the
// Context of its task, and one that could set the waker, the id, the
// executor or the budget could lie about the task it runs in, or give itself
// an endless budget. The pollers are all in this module (the task harness,
// the schedulers, BlockOn, LocalSet, the blocking pool, internal/mocktask),
// and they set these fields on every poll, so the access must cost what a
// field store costs: each function here is a store through a pointer to a
// struct that mirrors future.Context's layout field by field, and inlines.
// TestLayoutMirrorsFutureContext compares the two layouts with reflect
// (names, types, offsets, size), so a field added to one and not the other
// fails the test before it can corrupt a Context.
package futurecx

import (
	"unsafe"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/rtx"
)

// mirror is future.Context's layout; see the package comment.
type mirror struct {
	waker    future.Waker
	taskID   uint64
	executor rtx.Executor
	budget   int32
	forced   uint64
}

func of(cx *future.Context) *mirror { return (*mirror)(unsafe.Pointer(cx)) }

// New returns a Context that wakes w and reports e as its executor, with no
// task id and an unconstrained budget.
func New(w future.Waker, e rtx.Executor) *future.Context {
	cx := future.NewContext(w)
	of(cx).executor = e
	return cx
}

// SetWaker sets the Waker futures polled with cx register.
func SetWaker(cx *future.Context, w future.Waker) { of(cx).waker = w }

// SetTaskID sets the id cx.TaskID reports (0: no task).
func SetTaskID(cx *future.Context, id uint64) { of(cx).taskID = id }

// SetExecutor sets the executor cx.Executor reports.
func SetExecutor(cx *future.Context, e rtx.Executor) { of(cx).executor = e }

// SetBudget gives the poll n units of budget; a negative n makes it
// unconstrained, 0 makes it spent. The field holds 1 + the units left, and
// 0 for unconstrained, so that the zero Context is unconstrained.
func SetBudget(cx *future.Context, n int) {
	if n < 0 {
		of(cx).budget = 0
		return
	}
	if n > 1<<30 {
		n = 1 << 30
	}
	of(cx).budget = int32(n) + 1
}

// ResetBudget gives the poll a fresh budget of future.DefaultBudget units:
// what every task poll starts with.
func ResetBudget(cx *future.Context) { of(cx).budget = future.DefaultBudget + 1 }

// wakerMirror is future.Waker's layout (TestLayoutMirrorsFutureWaker).
type wakerMirror struct {
	w   future.Wakeable
	tag uint64
}

// WakerTarget returns the Wakeable behind w, or nil for the zero Waker. It
// is internal, not a method of Waker: a future that could take its task's
// *task.Header out of its Waker could build a Waker with tag 0, which wakes
// whichever task owns the header's memory later on. Tests use it.
func WakerTarget(w future.Waker) future.Wakeable { return (*wakerMirror)(unsafe.Pointer(&w)).w }

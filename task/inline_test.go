package task_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// selfRecorder is a future with state whose methods have pointer receivers:
// it records where it is each time it is polled or dropped, counts its polls,
// and is ready after readyAfter polls (never when it is 0); panicAt makes
// poll number panicAt panic. While pending it wakes itself unless quiet.
type selfRecorder struct {
	polls      int
	readyAfter int
	panicAt    int
	quiet      bool
	seen       *[]uintptr
	drops      *int
	dropPolls  *int // polls the dropped copy had seen
}

func (r *selfRecorder) Poll(cx *future.Context) (int, bool) {
	r.polls++
	*r.seen = append(*r.seen, uintptr(unsafe.Pointer(r)))
	if r.polls == r.panicAt {
		panic("selfRecorder: boom")
	}
	if r.readyAfter != 0 && r.polls >= r.readyAfter {
		return r.polls, true
	}
	if !r.quiet {
		cx.Waker().Wake()
	}
	return 0, false
}

func (r *selfRecorder) Drop() {
	*r.drops++
	*r.dropPolls = r.polls
}

func (r *selfRecorder) String() string { return fmt.Sprintf("selfRecorder(%d polls)", r.polls) }

func bindInline(s *testSched, f *selfRecorder) *task.JoinHandle[int] {
	jh, n, ok := task.BindInline(s.owned, f, s.self, task.Options{})
	if ok {
		s.spawned.Add(1)
		s.push(n)
	}
	return jh
}

func TestBindInlinePollsItsOwnCopyAtOneAddress(t *testing.T) {
	s := newTestSched(t, 1)
	var seen []uintptr
	var drops, dropPolls int
	orig := selfRecorder{readyAfter: 3, seen: &seen, drops: &drops, dropPolls: &dropPolls}
	jh := bindInline(s, &orig)
	s.RunUntilIdle()
	v, err := jh.BlockingJoin(context.Background())
	if v != 3 || err != nil {
		t.Fatalf("Join: %d, %v; want 3, nil", v, err)
	}
	if len(seen) != 3 || seen[0] != seen[1] || seen[1] != seen[2] {
		t.Fatalf("polled at %x, want three polls at one address", seen)
	}
	if seen[0] == uintptr(unsafe.Pointer(&orig)) {
		t.Fatal("the task polled the caller's value, not its own copy")
	}
	if orig.polls != 0 {
		t.Fatalf("the caller's value was changed (%d polls)", orig.polls)
	}
	if drops != 1 || dropPolls != 3 {
		t.Fatalf("Drop ran %d times on a copy with %d polls, want once with 3", drops, dropPolls)
	}
}

func TestBindInlineAbortDropsTheTasksCopyOnce(t *testing.T) {
	s := newTestSched(t, 1)
	var seen []uintptr
	var drops, dropPolls int
	jh := bindInline(s, &selfRecorder{seen: &seen, drops: &drops, dropPolls: &dropPolls})
	s.RunOne()
	s.RunOne()
	jh.Abort()
	s.RunUntilIdle()
	_, err := jh.BlockingJoin(context.Background())
	if !errors.Is(err, task.ErrCancelled) {
		t.Fatalf("Join after Abort: %v, want a cancellation", err)
	}
	if drops != 1 || dropPolls != 2 {
		t.Fatalf("Drop ran %d times on a copy with %d polls, want once with 2", drops, dropPolls)
	}
}

func TestBindInlinePanicBecomesAJoinError(t *testing.T) {
	s := newTestSched(t, 1)
	var seen []uintptr
	var drops, dropPolls int
	jh := bindInline(s, &selfRecorder{panicAt: 2, seen: &seen, drops: &drops, dropPolls: &dropPolls})
	s.RunUntilIdle()
	_, err := jh.BlockingJoin(context.Background())
	var je *task.JoinError
	if !errors.As(err, &je) || !je.IsPanic() || je.PanicValue() != "selfRecorder: boom" {
		t.Fatalf("Join: %v, want the poll's panic", err)
	}
	if drops != 1 {
		t.Fatalf("Drop ran %d times after the panic, want once", drops)
	}
}

func TestBindInlineOfNilPanics(t *testing.T) {
	s := newTestSched(t, 1)
	v := mustPanic(t, func() { task.BindInline[*selfRecorder](s.owned, nil, s.self, task.Options{}) })
	if !strings.Contains(panicText(v), "nil future") {
		t.Fatalf("panic %q, want one about a nil future", panicText(v))
	}
}

// A task dump reads an inline future through its address, so that its
// pointer-receiver String (or Trace) is seen, on the task's own copy.
func TestInspectHandsOutTheInlineFutureByAddress(t *testing.T) {
	s := newTestSched(t, 1)
	var seen []uintptr
	var drops, dropPolls int
	jh := bindInline(s, &selfRecorder{quiet: true, seen: &seen, drops: &drops, dropPolls: &dropPolls})
	s.RunUntilIdle()
	_, r, f := inspect(t, jh, nil)
	p, ok := f.(*selfRecorder)
	if r != task.TraceIdle || !ok || p.String() != "selfRecorder(1 polls)" {
		t.Fatalf("Inspect = %v, future %T; want the task's *selfRecorder after one poll", r, f)
	}
	if uintptr(unsafe.Pointer(p)) != seen[0] {
		t.Fatal("Inspect handed out another address than the one polled")
	}
	jh.Abort()
	s.RunUntilIdle()
}

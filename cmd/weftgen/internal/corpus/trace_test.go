package corpus

import (
	"regexp"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/mocktask"
	"github.com/weftrt/weft/mpsc"
)

// TestTraceNamesTheFunctionAndLine checks what a task dump shows of a
// generated future: the function, the file and line of the await it is
// suspended in, and below it the awaited future's own trace, through the
// inline child frames of marked callees.
func TestTraceNamesTheFunctionAndLine(t *testing.T) {
	f := CallerFuture(&Env{Vals: []int{1, 2, 3}}, 3)
	if got := future.TraceOf(f).String(); got != "Caller (not started)" {
		t.Fatalf("before the first poll: %q", got)
	}
	task := mocktask.Spawn[future.Result[int]](f)
	task.Poll()
	got := future.TraceOf(f).String()
	want := regexp.MustCompile(`^Caller at basic\.go:\d+\{Sum at basic\.go:\d+\{Step\}\}$`)
	if !want.MatchString(got) {
		t.Fatalf("suspended: trace %q, want %v", got, want)
	}
	task.Drop()
	if got := future.TraceOf(f).String(); got != "Caller (dropped)" {
		t.Fatalf("after Drop: %q", got)
	}

	_, rx := mpsc.New[int](1)
	r := RecvLoopFuture(rx)
	rt := mocktask.Spawn[int](r)
	rt.Poll()
	if got := future.TraceOf(r).String(); !regexp.MustCompile(`^RecvLoop at bench\.go:\d+\{mpsc\.Recv.*\}$`).MatchString(got) {
		t.Fatalf("RecvLoop trace %q", got)
	}
	rt.Drop()
}

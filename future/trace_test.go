package future_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/mocktask"
)

// leaf is a pending future that describes itself with String and counts
// every call that is not a description, so a test can show that tracing
// touched nothing else.
type leaf struct {
	label string
	polls int
	drops int
}

func (l *leaf) Poll(cx *future.Context) (int, bool) { l.polls++; return 0, false }
func (l *leaf) Drop()                               { l.drops++ }
func (l *leaf) String() string                      { return l.label }

// anonymous is a pending future with neither String nor Trace.
type anonymous struct{}

func (anonymous) Poll(*future.Context) (int, bool) { return 0, false }

func TestTraceOfSelectNamesBothSides(t *testing.T) {
	a, b := &leaf{label: "Sleep(3s left)"}, &leaf{label: "mpsc.Recv"}
	got := future.TraceOf(future.Select2[int, int](a, b)).String()
	if want := "Select{Sleep(3s left), mpsc.Recv}"; got != want {
		t.Fatalf("trace = %q, want %q", got, want)
	}
}

func TestTraceNeitherPollsNorDropsNorWakes(t *testing.T) {
	a, b, c := &leaf{label: "a"}, &leaf{label: "b"}, &leaf{label: "c"}
	f := future.Map(future.Join2[int, future.Either[int, int]](a, future.Select2[int, int](b, c)), func(future.Pair[int, future.Either[int, int]]) int { return 0 })
	task := mocktask.Spawn[int](f)
	if _, ok := task.Poll(); ok {
		t.Fatal("ready, want pending")
	}
	polls := a.polls + b.polls + c.polls
	got := future.TraceOf(f).String()
	if want := "Map{Join{a, Select{b, c}}}"; got != want {
		t.Fatalf("trace = %q, want %q", got, want)
	}
	if a.polls+b.polls+c.polls != polls || a.drops+b.drops+c.drops != 0 || task.WakeCount() != 0 {
		t.Fatalf("tracing polled %d more times, dropped %d, woke %d", a.polls+b.polls+c.polls-polls, a.drops+b.drops+c.drops, task.WakeCount())
	}
}

func TestTraceOfAFutureWithoutDescriptionUsesItsType(t *testing.T) {
	if got, want := future.TraceOf(anonymous{}).String(), "future_test.anonymous"; got != want {
		t.Fatalf("trace = %q, want %q", got, want)
	}
	if got := future.TraceOf(&anonymous{}).Label; got != "future_test.anonymous" {
		t.Fatalf("pointer label = %q, want the type name without the star", got)
	}
	if future.TraceOf(nil) != nil {
		t.Fatal("TraceOf(nil) is not nil")
	}
}

func TestTraceShowsTheStageInProgress(t *testing.T) {
	first := newProbe("first", 1, 2)
	second := &leaf{label: "second"}
	f := future.Then[int, int](first, func(int) future.Future[int] { return second })
	task := mocktask.Spawn[int](f)
	if got := future.TraceOf(f).String(); got != "Then(1 of 2){future_test.probe[int]}" {
		t.Fatalf("before the first stage completes: %q", got)
	}
	task.Poll()
	task.Poll() // first is ready on its second poll; second is pending
	if got := future.TraceOf(f).String(); got != "Then(2 of 2){second}" {
		t.Fatalf("in the second stage: %q", got)
	}
	f.Drop()
	if got := future.TraceOf(f).String(); got != "Then(done)" {
		t.Fatalf("after Drop: %q", got)
	}
}

func TestTraceOfJoinShowsFinishedChildrenAsDone(t *testing.T) {
	a := newProbe("a", 1, 1)
	b := &leaf{label: "b"}
	j := future.Join2[int, int](a, b)
	mocktask.Spawn[future.Pair[int, int]](j).Poll()
	if got := future.TraceOf(j).String(); got != "Join{done, b}" {
		t.Fatalf("trace = %q, want Join{done, b}", got)
	}

	x, y, z := newProbe("x", 1, 1), &leaf{label: "y"}, &leaf{label: "z"}
	all := future.JoinAll([]future.Future[int]{x, y, z})
	mocktask.Spawn[[]int](all).Poll()
	if got := future.TraceOf(all).String(); got != "JoinAll(2 of 3 left){y, z}" {
		t.Fatalf("trace = %q", got)
	}
}

func TestTraceOfCompletedCombinatorsSaysDone(t *testing.T) {
	m := future.Map(future.Ready(1), func(v int) int { return v })
	s := future.Select2[int, int](future.Ready(1), future.Pending[int]())
	mocktask.Spawn[int](m).Poll()
	mocktask.Spawn[future.Either[int, int]](s).Poll()
	for _, c := range []struct {
		f    any
		want string
	}{{m, "Map(done)"}, {s, "Select(done)"}} {
		if got := future.TraceOf(c.f).String(); got != c.want {
			t.Errorf("trace = %q, want %q", got, c.want)
		}
	}
}

func TestLeafFuturesOfPackageFutureDescribeThemselves(t *testing.T) {
	for _, c := range []struct {
		f    any
		want string
	}{
		{future.Ready(1), "Ready"},
		{future.Pending[int](), "Pending (never completes)"},
		{future.PollFunc(func(*future.Context) (int, bool) { return 0, false }), "PollFunc"},
	} {
		if got := future.TraceOf(c.f).String(); got != c.want {
			t.Errorf("trace = %q, want %q", got, c.want)
		}
	}
}

// goroutineTracer marks its node with a goroutine ID.
type goroutineTracer struct{ id uint64 }

func (g goroutineTracer) Trace(t *future.Trace) {
	t.Push("Async")
	t.Goroutine(g.id)
	t.Leaf("inner")
	t.Pop()
}

func TestGoroutineMarksTheInnermostOpenNode(t *testing.T) {
	n := future.TraceOf(future.Select2[int, int](&leaf{label: "x"}, future.PollFunc(func(cx *future.Context) (int, bool) { return 0, false })))
	if n.Goroutine != 0 {
		t.Fatal("a node without a goroutine has one")
	}
	tr := future.TraceOf(goroutineTracer{id: 42})
	if tr.Label != "Async" || tr.Goroutine != 42 || len(tr.Children) != 1 || tr.Children[0].Goroutine != 0 {
		t.Fatalf("goroutine recorded on the wrong node: %+v", tr)
	}
	var tt future.Trace
	tt.Goroutine(7) // nothing open: ignored, no panic
	tt.Leaf("x")
	tt.Goroutine(7)
}

// panicky panics in the middle of its trace, after opening a node.
type panicky struct{}

func (panicky) Trace(t *future.Trace) {
	t.Push("half")
	t.Leaf("built")
	panic("boom")
}

// unbalanced forgets to Pop.
type unbalanced struct{}

func (unbalanced) Trace(t *future.Trace) { t.Push("open") }

// stringPanics panics in String.
type stringPanics struct{}

func (stringPanics) Poll(*future.Context) (int, bool) { return 0, false }
func (stringPanics) String() string                   { panic("no words") }

func TestAPanickingTracerBreaksOnlyItsOwnNode(t *testing.T) {
	got := future.TraceOf(rootFuture{}).String()
	for _, want := range []string{"half{built}", "panicky (trace panicked: boom)", "open", "stringPanics (trace panicked: no words)", "sibling"} {
		if !strings.Contains(got, want) {
			t.Errorf("trace %q lacks %q", got, want)
		}
	}
	// The unbalanced Push was closed: sibling is a child of root, not of
	// "open".
	if want := "root{half{built}, future_test.panicky (trace panicked: boom), open, future_test.stringPanics (trace panicked: no words), sibling}"; got != want {
		t.Errorf("trace = %q\nwant    %q", got, want)
	}
}

// rootFuture traces a node whose children misbehave in every way.
type rootFuture struct{}

func (rootFuture) Trace(t *future.Trace) {
	t.Node("root", panicky{}, unbalanced{}, stringPanics{}, &leaf{label: "sibling"})
}

func TestTraceOfADeepChainIsTruncated(t *testing.T) {
	var f future.Future[int] = &leaf{label: "bottom"}
	for range 200 {
		f = future.Map(f, func(v int) int { return v })
	}
	n := future.TraceOf(f)
	depth, truncated := 0, false
	for c := n; c != nil; depth++ {
		if strings.Contains(c.Label, "truncated") {
			truncated = true
		}
		if len(c.Children) == 0 {
			break
		}
		c = c.Children[0]
	}
	if !truncated || depth > 70 {
		t.Fatalf("depth %d, truncated %v: want a truncated tree about 64 deep", depth, truncated)
	}
}

func TestTraceOfAHugeJoinIsTruncated(t *testing.T) {
	fs := make([]future.Future[int], 10000)
	for i := range fs {
		fs[i] = &leaf{label: "x"}
	}
	n := future.TraceOf(future.JoinAll(fs))
	count, truncated := 0, 0
	n.Walk(func(c *future.TraceNode) {
		count++
		if strings.Contains(c.Label, "truncated") {
			truncated++
		}
	})
	if count > 4100 || truncated != 1 {
		t.Fatalf("%d nodes, %d truncation marks; want at most ~4096 and one mark", count, truncated)
	}
}

func TestTraceNodeJSONOmitsEmptyFields(t *testing.T) {
	b, err := json.Marshal(future.TraceOf(future.Select2[int, int](&leaf{label: "a"}, &leaf{label: "b"})))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"label":"Select","children":[{"label":"a"},{"label":"b"}]}`
	if string(b) != want {
		t.Fatalf("json = %s, want %s", b, want)
	}
}

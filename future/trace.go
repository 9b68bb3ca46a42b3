package future

import (
	"fmt"
	"strings"
)

/*
Traces: how a future says where it waits.

A task dump wants, for every idle task, the chain of futures its root future
is parked in: "Select{Sleep(3s left), mpsc.Recv}". Tokio gets it by polling the
task once in a tracing mode in which every leaf future records a backtrace and
returns Pending; that needs the scheduler's cooperation and an instrumented
leaf in every future. weft asks the futures instead: a combinator describes
itself and its children, a leaf describes itself. Nothing is polled, no waker
is registered, and the futures' Poll paths carry no tracing code at all.

The caller of Trace must own the future for the duration (a task dump holds
the task's RUNNING lock, see package task's dump.go): Trace and String read
the future's fields without synchronisation, like Poll does.

Costs. Building a trace allocates (one node per future, the labels); it runs
only during dumps. Implementing Tracer costs a future nothing on its poll path:
the method only reads the fields Poll already keeps.
*/

// Tracer is implemented by futures that describe where they wait, as a tree:
// a combinator adds a node for itself and traces its unfinished children
// under it; a leaf adds one node. A future that is not a Tracer is described
// by its String method when it implements fmt.Stringer, and by its type name
// otherwise.
//
// Trace is called only by whoever owns the future, never concurrently with
// its Poll or Drop (a task dump holds the task's RUNNING lock). It must not
// poll, drop, wake or block; it may allocate.
type Tracer interface {
	Trace(t *Trace)
}

// TraceNode is one future in a trace tree.
type TraceNode struct {
	// Label describes the future: "Select", "Sleep(3s left)", "mpsc.Recv".
	Label string `json:"label"`
	// Goroutine is the ID of a goroutine the future runs code on (the
	// coroutine of an Async body, for example), as runtime.Stack prints it;
	// 0 for none.
	Goroutine uint64 `json:"goroutine,omitempty"`
	// Stack is that goroutine's stack, in runtime.Stack's format, when the
	// dump could take it; "" otherwise.
	Stack string `json:"stack,omitempty"`
	// Children are the futures this one waits on.
	Children []*TraceNode `json:"children,omitempty"`
}

// String renders the tree on one line: a node with children as
// "Label{child, child}", a leaf as its label.
func (n *TraceNode) String() string {
	var b strings.Builder
	n.writeLine(&b)
	return b.String()
}

func (n *TraceNode) writeLine(b *strings.Builder) {
	b.WriteString(n.Label)
	if len(n.Children) == 0 {
		return
	}
	b.WriteByte('{')
	for i, c := range n.Children {
		if i > 0 {
			b.WriteString(", ")
		}
		c.writeLine(b)
	}
	b.WriteByte('}')
}

// Walk calls fn for n and every node below it, parents before children.
func (n *TraceNode) Walk(fn func(*TraceNode)) {
	fn(n)
	for _, c := range n.Children {
		c.Walk(fn)
	}
}

// Limits that keep a pathological future (a chain of a million Thens, a
// Tracer that recurses into itself) from making a dump unbounded.
const (
	traceMaxDepth = 64
	traceMaxNodes = 4096
)

// Trace builds a TraceNode tree. Futures receive one in their Trace method;
// [TraceOf] makes one and returns its tree. The zero Trace is ready to use.
type Trace struct {
	roots []*TraceNode
	open  []*TraceNode // the nodes pushed and not popped yet, innermost last
	nodes int
	cut   bool // a limit was hit; the tree says so once
}

// TraceOf returns the trace tree of f: f's own Trace when it is a [Tracer],
// else a leaf labelled by its String method or its type. It returns nil for a
// nil f. A panic in a Trace or String method is recovered and shown as a leaf
// ("trace panicked: ..."), so one broken future cannot break a dump.
func TraceOf(f any) *TraceNode {
	if f == nil {
		return nil
	}
	var t Trace
	t.Future(f)
	switch len(t.roots) {
	case 0:
		return &TraceNode{Label: traceTypeName(f)}
	case 1:
		return t.roots[0]
	}
	// A Tracer that added several top-level nodes: keep them all.
	return &TraceNode{Label: traceTypeName(f), Children: t.roots}
}

// Future adds f under the innermost open node: by calling f.Trace when f is a
// Tracer, otherwise as a leaf labelled by f.String or by f's type. A nil f
// adds nothing.
func (t *Trace) Future(f any) {
	if f == nil {
		return
	}
	if len(t.open) >= traceMaxDepth || t.nodes >= traceMaxNodes {
		t.limitHit()
		return
	}
	depth := len(t.open)
	defer func() {
		if r := recover(); r != nil {
			// Close whatever the broken method left open, then say what
			// happened where the future would have been.
			t.open = t.open[:depth]
			t.Leaf(fmt.Sprintf("%s (trace panicked: %v)", traceTypeName(f), r))
		}
	}()
	switch v := f.(type) {
	case Tracer:
		v.Trace(t)
		t.open = t.open[:depth] // forgive a missing Pop
	case fmt.Stringer:
		t.Leaf(v.String())
	default:
		t.Leaf(traceTypeName(f))
	}
}

// Leaf adds a node without children under the innermost open node.
func (t *Trace) Leaf(label string) { t.add(&TraceNode{Label: label}) }

// Push adds a node under the innermost open node and opens it: the nodes
// added until the matching Pop become its children.
func (t *Trace) Push(label string) {
	n := &TraceNode{Label: label}
	t.add(n)
	t.open = append(t.open, n)
}

// Pop closes the node opened by the last Push. Extra Pops are ignored.
func (t *Trace) Pop() {
	if len(t.open) > 0 {
		t.open = t.open[:len(t.open)-1]
	}
}

// Node adds a node labelled label whose children are the traces of the
// given futures (nil ones skipped): Push, Future for each, Pop. It is the
// whole Trace method of most combinators:
//
//	func (s *Select) Trace(t *future.Trace) { t.Node("Select", s.a, s.b) }
func (t *Trace) Node(label string, children ...any) {
	t.Push(label)
	for _, c := range children {
		t.Future(c)
	}
	t.Pop()
}

// Goroutine records on the innermost open node that the future runs code on
// the goroutine with the given ID (as runtime.Stack numbers goroutines); a
// task dump attaches that goroutine's stack to the node. It does nothing when
// no node is open or id is 0.
func (t *Trace) Goroutine(id uint64) {
	if id == 0 || len(t.open) == 0 {
		return
	}
	t.open[len(t.open)-1].Goroutine = id
}

func (t *Trace) add(n *TraceNode) {
	if t.nodes >= traceMaxNodes {
		t.limitHit()
		return
	}
	t.nodes++
	if len(t.open) == 0 {
		t.roots = append(t.roots, n)
		return
	}
	p := t.open[len(t.open)-1]
	p.Children = append(p.Children, n)
}

// limitHit adds one "…" leaf the first time a limit stops the trace.
func (t *Trace) limitHit() {
	if t.cut {
		return
	}
	t.cut = true
	n := &TraceNode{Label: "… (trace truncated)"}
	if len(t.open) == 0 {
		t.roots = append(t.roots, n)
		return
	}
	p := t.open[len(t.open)-1]
	p.Children = append(p.Children, n)
}

// traceTypeName names f's type without the package path and without the
// pointer star: "mpsc.RecvFuture[int]".
func traceTypeName(f any) string {
	s := fmt.Sprintf("%T", f)
	return strings.TrimPrefix(s, "*")
}

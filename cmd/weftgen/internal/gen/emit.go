package gen

import (
	"fmt"
	"go/types"
	"sort"
	"strings"
)

// emit writes the function's frame type and methods to the file.
func (c *compiler) emit() {
	live := c.reachable()
	used := map[string]bool{}
	at := c.labelIndex()
	for i, in := range c.instrs {
		if !live[i] {
			continue
		}
		switch in.kind {
		case iGoto, iIf:
			used[in.label] = true
		}
		for _, j := range in.jumps {
			used[j] = true
		}
		_ = at
	}
	var body strings.Builder
	for i, in := range c.instrs {
		if !live[i] && in.kind != iLabel {
			continue
		}
		switch in.kind {
		case iLabel:
			if used[in.label] {
				body.WriteString(in.label + ":\n")
			}
		case iGoto:
			body.WriteString("goto " + in.label + "\n")
		case iIf:
			body.WriteString(c.withCopies(in.node, func(ov map[*hvar]string) string {
				return "if " + in.cond(ov) + " {\ngoto " + in.label + "\n}"
			}) + "\n")
		case iStmt, iReturn, iDispatch:
			if t := strings.TrimSpace(in.text()); t != "" {
				body.WriteString(t + "\n")
			}
		case iAwait:
			body.WriteString(c.awaitText(in.aw))
		}
	}
	// The step locals, named after the body was rendered (rendering picks
	// the names of the imports it uses).
	w := &c.fe.body
	m := c.m
	pos := c.g.fset.Position(c.decl.Pos())
	where := fmt.Sprintf("%s:%d", baseName(pos.Filename), pos.Line)
	fields := c.fields()

	// Constructor.
	var cparams, cinit []string
	cparams = c.paramDecls()
	for _, h := range c.params {
		switch {
		case h == nil:
		case h.boxed:
			cinit = append(cinit, h.name+": &"+h.obj.Name())
		default:
			cinit = append(cinit, h.name+": "+h.obj.Name())
		}
	}
	for _, h := range c.order {
		if h.kind == varResult && h.boxed {
			cinit = append(cinit, h.name+": new("+c.fe.typeString(h.typ)+")")
		}
	}
	recvDecl := ""
	start := 0
	if c.sig.Recv() != nil {
		recvDecl = "(" + cparams[0] + ") "
		start = 1
	}
	fmt.Fprintf(w, "// %s returns the state-machine future of %s (%s): polling it\n", m.ctor, m.label, where)
	fmt.Fprintf(w, "// runs %s as a weft.Async body would, with these arguments.\n", m.label)
	fmt.Fprintf(w, "func %s%s(%s) *%s {\nreturn &%s{%s}\n}\n\n", recvDecl, m.ctor, strings.Join(cparams[start:], ", "), m.frame, m.frame, strings.Join(cinit, ", "))
	// The marked function itself may be called only as an Async body (for
	// debugging), or not at all: refer to it so linters do not call it
	// unused. And check the frame's interfaces at compile time.
	fsn := c.fe.future()
	fmt.Fprintf(w, "var (\n")
	if c.sig.Recv() != nil {
		fmt.Fprintf(w, "_ = (%s).%s\n", c.fe.typeString(c.sig.Recv().Type()), c.decl.Name.Name)
	} else {
		fmt.Fprintf(w, "_ = %s\n", c.decl.Name.Name)
	}
	fmt.Fprintf(w, "_ %s.Future[%s] = (*%s)(nil)\n_ %s.Dropper = (*%s)(nil)\n_ %s.Tracer = (*%s)(nil)\n)\n\n",
		fsn, c.outType, m.frame, fsn, m.frame, fsn, m.frame)
	if m.inline {
		fmt.Fprintf(w, "// init starts the frame for a call from another marked function.\n")
		fmt.Fprintf(w, "func (%s *%s) init(%s) {\n*%s = %s{%s}\n}\n\n", c.recv, m.frame, strings.Join(cparams, ", "), c.recv, m.frame, strings.Join(cinit, ", "))
	}

	// Frame type.
	fmt.Fprintf(w, "// %s is the state machine of %s: the variables it keeps across awaits,\n", m.frame, m.label)
	fmt.Fprintf(w, "// the future it awaits, and where it is (pc: 0 not started, k>0 at the\n")
	fmt.Fprintf(w, "// k-th await, -1 running, -2 done, -3 panicked, -4 dropped).\n")
	fmt.Fprintf(w, "type %s struct {\n", m.frame)
	for _, f := range fields {
		fmt.Fprintf(w, "%s %s\n", f.name, f.typ)
	}
	fmt.Fprintf(w, "}\n\n")

	// Poll, and step when the function defers.
	fs := c.fe.future()
	sup := c.fe.support()
	f := c.recv
	fmt.Fprintf(w, "// Poll runs %s until it returns or awaits a future that is not ready.\n", m.label)
	if c.hasDefer {
		fmt.Fprintf(w, "func (%s *%s) Poll(%s *%s.Context) (%s %s, %s bool) {\n", f, m.frame, c.cx, fs, c.out, c.outType, c.ready)
		fmt.Fprintf(w, "if %s.%s < 0 {\n%s.BadPoll(%q, %s.%s)\n}\n", f, c.pcName, sup, m.label, f, c.pcName)
		fmt.Fprintf(w, "%s.%s = true\ndefer %s.unwind(&%s, &%s)\n", f, c.pollingName, f, c.out, c.ready)
		fmt.Fprintf(w, "%s, %s = %s.step(%s)\n%s.%s = false\nreturn %s, %s\n}\n\n", c.out, c.ready, f, c.cx, f, c.pollingName, c.out, c.ready)
		fmt.Fprintf(w, "func (%s *%s) step(%s *%s.Context) (%s %s, %s bool) {\n", f, m.frame, c.cx, fs, c.out, c.outType, c.ready)
	} else {
		fmt.Fprintf(w, "func (%s *%s) Poll(%s *%s.Context) (%s %s, %s bool) {\n", f, m.frame, c.cx, fs, c.out, c.outType, c.ready)
	}
	var locals []string
	for _, h := range c.order {
		if h.field || h.kind == varParam {
			continue
		}
		locals = append(locals, h.name+" "+c.storageType(h))
	}
	if len(locals) > 0 {
		fmt.Fprintf(w, "var (\n%s\n)\n", strings.Join(locals, "\n"))
	}
	// The resumes first: they are the common case.
	fmt.Fprintf(w, "switch %s.%s {\n", f, c.pcName)
	for _, aw := range c.awaits {
		fmt.Fprintf(w, "case %d:\ngoto %s\n", aw.k, aw.label)
	}
	if c.hasDefer {
		fmt.Fprintf(w, "case 0:\n")
	} else {
		// Without a deferred handler, -1 from the start marks a poll
		// in progress: a panic leaves it, and Poll and Drop see it.
		fmt.Fprintf(w, "case 0:\n%s.%s = -1\n", f, c.pcName)
	}
	if !c.hasDefer {
		fmt.Fprintf(w, "default:\n%s.BadPoll(%q, %s.%s)\n", sup, m.label, f, c.pcName)
	}
	fmt.Fprintf(w, "}\n")
	w.WriteString(body.String())
	if live[len(c.instrs)] {
		if used[c.retLabel] {
			fmt.Fprintf(w, "%s:\n", c.retLabel)
		}
		if c.hasDefer {
			fmt.Fprintf(w, "%s.%s.Return()\n", f, c.defersName)
			if s := c.resultsToOut(c.out); s != "" {
				w.WriteString(s + "\n")
			}
		}
		fmt.Fprintf(w, "*%s = %s{%s: -2}\nreturn %s, true\n", f, m.frame, c.pcName, c.out)
	}
	fmt.Fprintf(w, "}\n\n")

	// unwind (functions that defer only).
	drops := c.dropCases()
	if c.hasDefer {
		fmt.Fprintf(w, "// unwind runs when Poll returns: during a panic (polling still set) it\n")
		fmt.Fprintf(w, "// drops the awaited future and runs the deferred calls, as the Async body\n")
		fmt.Fprintf(w, "// would unwind.\n")
		fmt.Fprintf(w, "func (%s *%s) unwind(%s *%s, %s *bool) {\n", f, m.frame, c.out, c.outType, c.ready)
		fmt.Fprintf(w, "if !%s.%s {\nreturn\n}\n%s.%s = false\n", f, c.pollingName, f, c.pollingName)
		if len(drops) > 0 {
			fmt.Fprintf(w, "pc := %s.%s\n", f, c.pcName)
		}
		fmt.Fprintf(w, "%s.%s = -3\n", f, c.pcName)
		if c.hasDefer {
			drop := "nil"
			if len(drops) > 0 {
				drop = fmt.Sprintf("func() { %s.dropAt(pc) }", f)
			}
			fmt.Fprintf(w, "if %s.%s.Pending() {\n", f, c.defersName)
			fmt.Fprintf(w, "if %s.%s.Panic(recover(), %s) {\n", f, c.defersName, drop)
			if s := c.resultsToOut("*" + c.out); s != "" {
				w.WriteString(s + "\n")
			}
			fmt.Fprintf(w, "*%s = true\n*%s = %s{%s: -2}\n}\nreturn\n}\n", c.ready, f, m.frame, c.pcName)
		}
		if len(drops) > 0 {
			fmt.Fprintf(w, "defer func() { _ = recover() }() // the panic under way says more than one from Drop\n")
			fmt.Fprintf(w, "%s.dropAt(pc)\n", f)
		}
		fmt.Fprintf(w, "}\n\n")
	}

	// dropAt.
	if len(drops) > 0 {
		fmt.Fprintf(w, "// dropAt drops the future awaited at await pc.\n")
		fmt.Fprintf(w, "func (%s *%s) dropAt(pc int32) {\nswitch pc {\n", f, m.frame)
		for _, d := range drops {
			fmt.Fprintf(w, "case %s:\n%s\n", d.cases, d.stmt)
		}
		fmt.Fprintf(w, "}\n}\n\n")
	}

	// Drop.
	fmt.Fprintf(w, "// Drop abandons the future. Dropped while it waits in an await, %s\n", m.label)
	fmt.Fprintf(w, "// unwinds as the Async body would: the awaited future is dropped and the\n")
	fmt.Fprintf(w, "// deferred calls run.\n")
	fmt.Fprintf(w, "func (%s *%s) Drop() {\n", f, m.frame)
	if c.hasDefer {
		fmt.Fprintf(w, "if %s.%s == -1 {\npanic(%q)\n}\n", f, c.pcName, "weft: future of "+m.label+" dropped while it is being polled")
	}
	if len(c.awaits) > 0 {
		fmt.Fprintf(w, "if %s.%s > 0 {\n%s.abort()\n}\n", f, c.pcName, f)
	}
	fmt.Fprintf(w, "*%s = %s{%s: -4}\n}\n\n", f, m.frame, c.pcName)

	// abort.
	if len(c.awaits) > 0 || m.inline {
		fmt.Fprintf(w, "// abort runs %s as it unwinds when its future is dropped: from the await\n", m.label)
		fmt.Fprintf(w, "// it waits in (or from its start, for a call made while its caller\n")
		fmt.Fprintf(w, "// unwinds), every await drops its future and panics with the unwinding\n")
		fmt.Fprintf(w, "// value. It reports the results when a deferred call recovered and the\n")
		fmt.Fprintf(w, "// function returned anyway, as the Async body would have. It polls with a\n")
		fmt.Fprintf(w, "// nil Context, which no poller passes: that is the unwinding mode.\n")
		fmt.Fprintf(w, "func (%s *%s) abort() (%s %s, %s bool) {\n", f, m.frame, c.out, c.outType, c.ready)
		fmt.Fprintf(w, "if %s.%s < 0 {\nreturn\n}\n", f, c.pcName)
		fmt.Fprintf(w, "defer func() {\nif r := recover(); r != nil {\n%s.Aborted(r)\n*%s = %s{%s: -4}\n}\n}()\n", sup, f, m.frame, c.pcName)
		fmt.Fprintf(w, "return %s.Poll(nil)\n}\n\n", f)
	}

	// Trace.
	fmt.Fprintf(w, "// Trace describes the future for task dumps: %s, the await it waits in,\n", m.label)
	fmt.Fprintf(w, "// and the awaited future's own trace below.\n")
	tname := c.fresh("t")
	fmt.Fprintf(w, "func (%s *%s) Trace(%s *%s.Trace) {\nswitch %s.%s {\n", f, m.frame, tname, fs, f, c.pcName)
	fmt.Fprintf(w, "case 0:\n%s.Leaf(%q)\n", tname, m.label+" (not started)")
	for _, aw := range c.awaits {
		fmt.Fprintf(w, "case %d:\n%s.Push(%q)\n%s.Future(%s)\n%s.Pop()\n", aw.k, tname, m.label+" at "+aw.line, tname, c.childTraceRef(aw.ch), tname)
	}
	fmt.Fprintf(w, "case -2:\n%s.Leaf(%q)\n", tname, m.label+" (done)")
	fmt.Fprintf(w, "case -3:\n%s.Leaf(%q)\n", tname, m.label+" (panicked)")
	fmt.Fprintf(w, "case -4:\n%s.Leaf(%q)\n", tname, m.label+" (dropped)")
	fmt.Fprintf(w, "default:\n%s.Leaf(%q)\n", tname, m.label+" (running)")
	fmt.Fprintf(w, "}\n}\n\n")
}

// storageType is the printed type of h's storage.
func (c *compiler) storageType(h *hvar) string {
	t := h.text
	if t == "" {
		t = c.fe.typeString(h.typ)
	}
	if h.boxed {
		return "*" + t
	}
	return t
}

// paramDecls are the constructor's (and init's) parameters: the receiver,
// then those after a; unused ones are blank.
func (c *compiler) paramDecls() []string {
	var out []string
	vars := []*types.Var{}
	if r := c.sig.Recv(); r != nil {
		vars = append(vars, r)
	}
	for i := 1; i < c.sig.Params().Len(); i++ {
		vars = append(vars, c.sig.Params().At(i))
	}
	for i, v := range vars {
		name := "_"
		if h := c.params[i]; h != nil {
			name = v.Name()
		}
		t := c.fe.typeString(v.Type())
		if c.sig.Variadic() && i == len(vars)-1 {
			t = "..." + c.fe.typeString(v.Type().(*types.Slice).Elem())
		}
		out = append(out, name+" "+t)
	}
	return out
}

type field struct {
	name, typ string
	align     int64
}

// fields lists the frame's fields, the widest alignment first so that the
// frame has little padding.
func (c *compiler) fields() []field {
	var fs []field
	sizes := types.SizesFor("gc", "amd64")
	add := func(name, typ string, t types.Type) {
		al := int64(8)
		if t != nil {
			al = sizes.Alignof(t)
		}
		fs = append(fs, field{name, typ, al})
	}
	for _, h := range c.order {
		if !h.field {
			continue
		}
		var t types.Type = h.typ
		if h.boxed {
			t = types.NewPointer(h.typ)
		}
		add(h.name, c.storageType(h), t)
	}
	for _, ch := range c.children {
		var t types.Type
		if ch.frame == nil && !ch.ptr {
			t = ch.typ
		}
		add(ch.name, ch.text, t)
	}
	if c.hasDefer {
		add(c.defersName, c.fe.support()+".Defers", nil)
	}
	add(c.pcName, "int32", types.Typ[types.Int32])
	if c.hasDefer {
		add(c.pollingName, "bool", types.Typ[types.Bool])
	}
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].align > fs[j].align })
	return fs
}

// resultsToOut copies the result fields into out (step's output, or *out in
// unwind).
func (c *compiler) resultsToOut(out string) string {
	switch c.res {
	case resOne:
		return out + " = " + c.ref(c.results[0], nil)
	case resValueErr:
		o := out
		if strings.HasPrefix(out, "*") {
			o = "(" + out + ")"
		}
		return fmt.Sprintf("%s.Value, %s.Err = %s, %s", o, o, c.ref(c.results[0], nil), c.ref(c.results[1], nil))
	}
	return ""
}

// dropCase is how dropAt drops the child of some awaits.
type dropCase struct{ cases, stmt string }

// dropCases groups the awaits by the statement that drops their child.
func (c *compiler) dropCases() []dropCase {
	var out []dropCase
	idx := map[string]int{}
	for _, aw := range c.awaits {
		var stmt string
		field := c.recv + "." + aw.ch.name
		switch {
		case aw.ch.frame != nil || aw.ch.remote:
			stmt = field + ".Drop()"
		case aw.ch.iface:
			stmt = c.fe.future() + ".Drop(" + field + ")"
		case aw.ch.drops:
			stmt = field + ".Drop()"
		default:
			continue
		}
		if i, ok := idx[stmt]; ok {
			out[i].cases += fmt.Sprintf(", %d", aw.k)
			continue
		}
		idx[stmt] = len(out)
		out = append(out, dropCase{fmt.Sprint(aw.k), stmt})
	}
	return out
}

// childTraceRef is what Trace hands to t.Future for a child.
func (c *compiler) childTraceRef(ch *child) string {
	if ch.frame != nil && !ch.ptr {
		return "&" + c.recv + "." + ch.name
	}
	return c.recv + "." + ch.name
}

// awaitText is the code of one await.
func (c *compiler) awaitText(aw *awaitInstr) string {
	f := c.recv
	field := f + "." + aw.ch.name
	var b strings.Builder
	b.WriteString(c.withCopies(aw.call, aw.create) + "\n")
	if aw.ch.iface {
		fmt.Fprintf(&b, "if %s == nil {\npanic(%q)\n}\n", field, "weft: Await of a nil future")
	}
	fmt.Fprintf(&b, "%s.%s = %d\n%s:\n{\n", f, c.pcName, aw.k, aw.label)
	assign := ""
	if aw.assign != nil {
		assign = aw.assign()
	}
	sup := c.fe.support()
	// While the frame is dropped (abort polls with a nil Context), an await does
	// what Async's Await does then: drop the future and panic with the
	// unwinding value, or, for a marked callee of this package, run it
	// unwinding too and go on with its results if it returned anyway.
	if aw.ch.frame != nil {
		fmt.Fprintf(&b, "var %s %s\nvar %s bool\n", c.v, aw.ch.out, c.ok)
		fmt.Fprintf(&b, "if %s == nil {\n%s, %s = %s.abort()\nif !%s {\n%s.%s = -1\n%s = %s\n%s.Cancel()\n}\n} else {\n",
			c.cx, c.v, c.ok, field, c.ok, f, c.pcName, field, c.childZero(aw.ch), sup)
		fmt.Fprintf(&b, "%s, %s = %s.Poll(%s)\nif !%s {\nreturn\n}\n}\n", c.v, c.ok, field, c.cx, c.ok)
		if assign == "" {
			fmt.Fprintf(&b, "_ = %s\n", c.v)
		}
		fmt.Fprintf(&b, "%s.%s = -1\n%s = %s\n", f, c.pcName, field, c.childZero(aw.ch))
	} else {
		fmt.Fprintf(&b, "if %s == nil {\n%s.%s = -1\n%s%s.Cancel()\n}\n", c.cx, f, c.pcName, c.childRelease(aw.ch), sup)
		v := c.v
		if assign == "" {
			v = "_"
		}
		fmt.Fprintf(&b, "%s, %s := %s.Poll(%s)\nif !%s {\nreturn\n}\n", v, c.ok, field, c.cx, c.ok)
		fmt.Fprintf(&b, "%s.%s = -1\n%s", f, c.pcName, c.childRelease(aw.ch))
	}
	if assign != "" {
		b.WriteString(assign + "\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// childZero is the zero value of a child field.
func (c *compiler) childZero(ch *child) string {
	switch {
	case ch.frame != nil && !ch.ptr:
		return ch.frame.frame + "{}"
	case ch.frame != nil || ch.remote || ch.iface:
		return "nil"
	}
	return c.zero(ch.typ)
}

// childRelease drops a child that is not a frame of this package (as
// Await drops the future it awaited) and clears its field.
func (c *compiler) childRelease(ch *child) string {
	field := c.recv + "." + ch.name
	switch {
	case ch.remote:
		return field + ".Drop()\n" + field + " = nil\n"
	case ch.iface:
		return c.fe.future() + ".Drop(" + field + ")\n" + field + " = nil\n"
	case ch.drops:
		return field + ".Drop()\n" + field + " = " + c.zero(ch.typ) + "\n"
	}
	return field + " = " + c.zero(ch.typ) + "\n"
}

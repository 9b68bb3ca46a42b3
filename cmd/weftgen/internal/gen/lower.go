package gen

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// lowerBody lowers the function's body into c.instrs.
func (c *compiler) lowerBody() { c.lowerList(c.decl.Body.List) }

func (c *compiler) lowerList(list []ast.Stmt) {
	for _, s := range list {
		c.lowerStmt(s)
	}
}

// lowerStmt lowers one statement of a flattened statement list.
func (c *compiler) lowerStmt(s ast.Stmt) {
	if isCompound(s) && !c.awaitsIn[s] {
		c.structured(s)
		return
	}
	switch s := s.(type) {
	case *ast.LabeledStmt:
		if isCompound(s.Stmt) && !c.awaitsIn[s.Stmt] {
			c.structured(s)
			return
		}
		if c.gotoLabels[s.Label.Name] {
			c.emitLabel(s.Label.Name)
		}
		c.lowerStmt(s.Stmt)
	case *ast.BlockStmt:
		c.lowerList(s.List)
	case *ast.IfStmt:
		c.lowerIf(s)
	case *ast.ForStmt:
		c.lowerFor(s)
	case *ast.RangeStmt:
		c.lowerRange(s)
	case *ast.SwitchStmt:
		c.lowerSwitch(s)
	case *ast.TypeSwitchStmt:
		c.lowerTypeSwitch(s)
	case *ast.SelectStmt:
		c.errorf(s.Pos(), "select statement with an await inside: weftgen cannot resume inside a select; await a future.Select2 of futures instead")
	case *ast.ReturnStmt:
		c.lowerReturn(s)
	case *ast.BranchStmt:
		c.lowerBranch(s)
	case *ast.EmptyStmt:
	case *ast.DeclStmt:
		if gd, ok := s.Decl.(*ast.GenDecl); ok && gd.Tok != token.VAR {
			if gd.Tok == token.TYPE {
				c.errorf(s.Pos(), "type declaration in a part of the function that is split at awaits: move the type to package level")
				return
			}
			c.emitInstr(instr{kind: iStmt, text: func() string { return c.render(s, nil) }})
			return
		}
		c.lowerSimple(s)
	default:
		c.lowerSimple(s)
	}
}

func isCompound(s ast.Stmt) bool {
	switch s.(type) {
	case *ast.BlockStmt, *ast.IfStmt, *ast.ForStmt, *ast.RangeStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
		return true
	}
	return false
}

// structured emits a statement without awaits whole.
func (c *compiler) structured(s ast.Stmt) {
	in := instr{
		kind:  iStmt,
		text:  func() string { return c.withCopies(s, func(ov map[*hvar]string) string { return c.render(s, ov) }) },
		uses:  c.refs(s),
		jumps: c.jumpsOut(s),
		term:  c.terminates(s),
	}
	if ls, ok := s.(*ast.LabeledStmt); ok {
		in.label = ls.Label.Name
	}
	c.emitInstr(in)
}

// jumpsOut lists the labels a statement kept whole may jump to: the return
// label, flattened loops and switches it breaks out of, user labels outside
// it.
func (c *compiler) jumpsOut(s ast.Stmt) []string {
	inside := map[string]bool{}
	ast.Inspect(s, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.LabeledStmt:
			inside[n.Label.Name] = true
		}
		return true
	})
	var out []string
	ast.Inspect(s, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			out = append(out, c.retLabel)
		case *ast.BranchStmt:
			switch n.Tok {
			case token.GOTO:
				if !inside[n.Label.Name] {
					out = append(out, n.Label.Name)
				}
			case token.BREAK, token.CONTINUE:
				if l := c.flat[c.branchTo[n]]; l != nil {
					if n.Tok == token.BREAK {
						out = append(out, l.brk)
					} else {
						out = append(out, l.cont)
					}
				}
			}
		}
		return true
	})
	return out
}

// lowerIf flattens an if statement that contains an await.
func (c *compiler) lowerIf(s *ast.IfStmt) {
	if s.Init != nil {
		c.lowerSimple(s.Init)
	}
	if !c.hoist(s.Cond, s.Cond) {
		return
	}
	end := c.label("endif")
	els := end
	if s.Else != nil {
		els = c.label("else")
	}
	cond := s.Cond
	c.emitInstr(instr{kind: iIf, label: els, uses: c.refs(cond), node: cond, cond: func(ov map[*hvar]string) string {
		return "!(" + c.render(cond, ov) + ")"
	}})
	c.lowerList(s.Body.List)
	if s.Else != nil {
		c.emitGoto(end)
		c.emitLabel(els)
		c.lowerStmt(s.Else)
	}
	c.emitLabel(end)
}

// lowerFor flattens a for statement that contains an await.
func (c *compiler) lowerFor(s *ast.ForStmt) {
	if s.Init != nil {
		c.lowerSimple(s.Init)
	}
	head, cont, brk := c.label("loop"), c.label("continue"), c.label("break")
	c.flat[s] = &jumpLabels{brk: brk, cont: cont}
	c.emitLabel(head)
	if s.Cond != nil {
		if !c.hoist(s.Cond, s.Cond) {
			return
		}
		cond := s.Cond
		c.emitInstr(instr{kind: iIf, label: brk, uses: c.refs(cond), node: cond, cond: func(ov map[*hvar]string) string {
			return "!(" + c.render(cond, ov) + ")"
		}})
	}
	c.lowerList(s.Body.List)
	c.emitLabel(cont)
	// Each iteration has its own loop variables (Go 1.22): a boxed one is
	// copied into a new box before the post statement.
	if as, ok := s.Init.(*ast.AssignStmt); ok && as.Tok == token.DEFINE {
		for _, l := range as.Lhs {
			if h := c.hoisted(l.(*ast.Ident)); h != nil && h.boxed {
				c.emitInstr(instr{kind: iStmt, uses: []*hvar{h}, text: func() string {
					t := c.fresh("t")
					p := c.ptrRef(h, nil)
					return fmt.Sprintf("{\n%s := *%s\n%s = new(%s)\n*%s = %s\n}", t, p, p, c.fe.typeString(h.typ), p, t)
				}})
			}
		}
	}
	if s.Post != nil {
		c.lowerSimple(s.Post)
	}
	c.emitGoto(head)
	c.emitLabel(brk)
}

// lowerRange flattens a range statement that contains an await into a
// counting loop over a copy of the range expression.
func (c *compiler) lowerRange(s *ast.RangeStmt) {
	if !c.hoist(s.X, s.X) {
		return
	}
	xt := types.Default(c.info.TypeOf(s.X))
	head, cont, brk := c.label("range"), c.label("continue"), c.label("break")
	c.flat[s] = &jumpLabels{brk: brk, cont: cont}
	isString := false
	var elem types.Type
	switch u := xt.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsInteger != 0:
		case u.Info()&types.IsString != 0:
			isString = true
		default:
			c.errorf(s.Pos(), "cannot range over %s", xt)
			return
		}
	case *types.Slice:
		elem = u.Elem()
	case *types.Array:
		elem = u.Elem()
	case *types.Pointer:
		arr, ok := u.Elem().Underlying().(*types.Array)
		if !ok {
			c.errorf(s.Pos(), "cannot range over %s", xt)
			return
		}
		elem = arr.Elem()
	case *types.Map:
		c.errorf(s.Pos(), "range over a map with an await inside: a map iterator cannot be kept across an await; collect the keys into a slice first and range over it")
		return
	case *types.Chan:
		c.errorf(s.Pos(), "range over a channel with an await inside: receiving from a channel blocks the worker; receive from an mpsc.Receiver with weft.Await instead")
		return
	default:
		c.errorf(s.Pos(), "range over a function with an await inside: an iterator cannot be suspended; collect its values into a slice first")
		return
	}
	isInt := elem == nil && !isString
	x := s.X
	rx := c.temp("rx", xt)
	xUses := c.refs(x)
	c.emitInstr(instr{kind: iStmt, uses: xUses, defs: []*hvar{rx}, text: func() string {
		return c.ref(rx, nil) + " = " + c.render(x, nil)
	}})
	var ctrT types.Type = types.Typ[types.Int]
	if isInt {
		ctrT = xt
	}
	i := c.temp("i", ctrT)
	c.emitInstr(instr{kind: iStmt, defs: []*hvar{i}, text: func() string { return c.ref(i, nil) + " = 0" }})
	c.emitLabel(head)
	c.emitInstr(instr{kind: iIf, label: brk, uses: []*hvar{i, rx}, cond: func(map[*hvar]string) string {
		if isInt {
			return "!(" + c.ref(i, nil) + " < " + c.ref(rx, nil) + ")"
		}
		return "!(" + c.ref(i, nil) + " < len(" + c.ref(rx, nil) + "))"
	}})
	var rw, rv *hvar
	if isString {
		rv = c.temp("r", types.Typ[types.Rune])
		rw = c.temp("w", types.Typ[types.Int])
		c.emitInstr(instr{kind: iStmt, uses: []*hvar{i, rx}, defs: []*hvar{rv, rw}, text: func() string {
			return fmt.Sprintf("%s, %s = %s.DecodeRuneInString(%s[%s:])", c.ref(rv, nil), c.ref(rw, nil),
				c.fe.importName("unicode/utf8", "utf8"), c.ref(rx, nil), c.ref(i, nil))
		}})
	}
	// The iteration variables.
	assign := func(lhs ast.Expr, val func() string, valUses []*hvar) {
		if lhs == nil {
			return
		}
		if id, ok := lhs.(*ast.Ident); ok && id.Name == "_" {
			return
		}
		if s.Tok == token.DEFINE {
			h := c.local(c.info.Defs[lhs.(*ast.Ident)].(*types.Var))
			c.emitInstr(instr{kind: iStmt, uses: valUses, defs: []*hvar{h}, text: func() string {
				return c.declare(h, val())
			}})
			return
		}
		uses, defs := c.lhsRefs(lhs)
		c.emitInstr(instr{kind: iStmt, uses: append(uses, valUses...), defs: defs, text: func() string {
			return c.render(lhs, nil) + " = " + val()
		}})
	}
	assign(s.Key, func() string { return c.ref(i, nil) }, []*hvar{i})
	switch {
	case isString:
		assign(s.Value, func() string { return c.ref(rv, nil) }, []*hvar{rv})
	case !isInt:
		assign(s.Value, func() string { return c.ref(rx, nil) + "[" + c.ref(i, nil) + "]" }, []*hvar{rx, i})
	}
	c.lowerList(s.Body.List)
	c.emitLabel(cont)
	if isString {
		c.emitInstr(instr{kind: iStmt, uses: []*hvar{i, rw}, text: func() string { return c.ref(i, nil) + " += " + c.ref(rw, nil) }})
	} else {
		c.emitInstr(instr{kind: iStmt, uses: []*hvar{i}, text: func() string { return c.ref(i, nil) + "++" }})
	}
	c.emitGoto(head)
	c.emitLabel(brk)
}

// declare is the text that gives a newly declared variable h its value.
func (c *compiler) declare(h *hvar, val string) string {
	if h.boxed {
		p := c.ptrRef(h, nil)
		return fmt.Sprintf("%s = new(%s)\n*%s = %s", p, c.fe.typeString(h.typ), p, val)
	}
	return c.ref(h, nil) + " = " + val
}

// lowerSwitch flattens an expression switch that contains an await: a
// switch that only dispatches to labels, then the clauses' bodies.
func (c *compiler) lowerSwitch(s *ast.SwitchStmt) {
	if s.Init != nil {
		c.lowerSimple(s.Init)
	}
	if s.Tag != nil && !c.hoist(s.Tag, s.Tag) {
		return
	}
	brk := c.label("endswitch")
	c.flat[s] = &jumpLabels{brk: brk}
	clauses := s.Body.List
	labels := make([]string, len(clauses))
	hasDefault := false
	var uses []*hvar
	if s.Tag != nil {
		uses = c.refs(s.Tag)
	}
	for i, cl := range clauses {
		cc := cl.(*ast.CaseClause)
		labels[i] = c.label("case")
		if cc.List == nil {
			hasDefault = true
		}
		for _, e := range cc.List {
			if c.awaitsIn[e] || len(c.findAwaits(e)) > 0 {
				c.errorf(e.Pos(), "await in a case expression: case expressions are evaluated one by one; await before the switch and compare with the value")
				return
			}
			uses = append(uses, c.refs(e)...)
		}
	}
	tag := s.Tag
	c.emitInstr(instr{kind: iDispatch, uses: uses, jumps: labels, term: hasDefault, text: func() string {
		var b strings.Builder
		b.WriteString("switch ")
		if tag != nil {
			b.WriteString(c.render(tag, nil) + " ")
		}
		b.WriteString("{\n")
		for i, cl := range clauses {
			b.WriteString(c.caseHeader(cl.(*ast.CaseClause)))
			b.WriteString("goto " + labels[i] + "\n")
		}
		b.WriteString("}")
		return b.String()
	}})
	if !hasDefault {
		c.emitGoto(brk)
	}
	for i, cl := range clauses {
		cc := cl.(*ast.CaseClause)
		c.emitLabel(labels[i])
		body := cc.Body
		if n := len(body); n > 0 {
			if b, ok := body[n-1].(*ast.BranchStmt); ok && b.Tok == token.FALLTHROUGH {
				c.lowerList(body[:n-1])
				c.emitGoto(labels[i+1])
				continue
			}
		}
		c.lowerList(body)
		c.emitGoto(brk)
	}
	c.emitLabel(brk)
}

// lowerTypeSwitch flattens a type switch that contains an await.
func (c *compiler) lowerTypeSwitch(s *ast.TypeSwitchStmt) {
	if s.Init != nil {
		c.lowerSimple(s.Init)
	}
	var ta *ast.TypeAssertExpr
	switch a := s.Assign.(type) {
	case *ast.AssignStmt:
		ta = a.Rhs[0].(*ast.TypeAssertExpr)
	case *ast.ExprStmt:
		ta = a.X.(*ast.TypeAssertExpr)
	}
	if !c.hoist(ta.X, ta.X) {
		return
	}
	brk := c.label("endswitch")
	c.flat[s] = &jumpLabels{brk: brk}
	clauses := s.Body.List
	labels := make([]string, len(clauses))
	vars := make([]*hvar, len(clauses))
	hasDefault, bind := false, false
	var defs []*hvar
	for i, cl := range clauses {
		cc := cl.(*ast.CaseClause)
		labels[i] = c.label("case")
		if cc.List == nil {
			hasDefault = true
		}
		if v, ok := c.info.Implicits[cc].(*types.Var); ok && c.usedIn(v, cc) {
			vars[i] = c.local(v)
			defs = append(defs, vars[i])
			bind = true
		}
	}
	x := ta.X
	bname := ""
	c.emitInstr(instr{kind: iDispatch, uses: c.refs(x), defs: defs, jumps: labels, term: hasDefault, text: func() string {
		var b strings.Builder
		b.WriteString("switch ")
		if bind {
			bname = c.fresh("x")
			b.WriteString(bname + " := ")
		}
		b.WriteString(c.render(x, nil) + ".(type) {\n")
		for i, cl := range clauses {
			b.WriteString(c.caseHeader(cl.(*ast.CaseClause)))
			if vars[i] != nil {
				b.WriteString(c.declare(vars[i], bname) + "\n")
			}
			b.WriteString("goto " + labels[i] + "\n")
		}
		b.WriteString("}")
		return b.String()
	}})
	if !hasDefault {
		c.emitGoto(brk)
	}
	for i, cl := range clauses {
		c.emitLabel(labels[i])
		c.lowerList(cl.(*ast.CaseClause).Body)
		c.emitGoto(brk)
	}
	c.emitLabel(brk)
}

// caseHeader is a dispatch switch's "case e1, e2:" or "default:" line.
func (c *compiler) caseHeader(cc *ast.CaseClause) string {
	if cc.List == nil {
		return "default:\n"
	}
	var es []string
	for _, e := range cc.List {
		es = append(es, c.render(e, nil))
	}
	return "case " + strings.Join(es, ", ") + ":\n"
}

// usedIn reports whether v is referred to inside n.
func (c *compiler) usedIn(v *types.Var, n ast.Node) bool {
	found := false
	ast.Inspect(n, func(x ast.Node) bool {
		if id, ok := x.(*ast.Ident); ok && c.info.Uses[id] == v {
			found = true
		}
		return !found
	})
	return found
}

// lowerBranch lowers break, continue and goto at the flattened level.
func (c *compiler) lowerBranch(b *ast.BranchStmt) {
	switch b.Tok {
	case token.GOTO:
		c.emitGoto(b.Label.Name)
	case token.BREAK, token.CONTINUE:
		l := c.flat[c.branchTo[b]]
		if l == nil {
			c.errorf(b.Pos(), "weftgen: internal error: %s without a flattened target", b.Tok)
			return
		}
		if b.Tok == token.BREAK {
			c.emitGoto(l.brk)
		} else {
			c.emitGoto(l.cont)
		}
	case token.FALLTHROUGH:
		c.errorf(b.Pos(), "weftgen: internal error: misplaced fallthrough")
	}
}

// lowerReturn lowers a return statement: the results are stored, then
// control goes to the epilogue that runs the deferred calls.
func (c *compiler) lowerReturn(r *ast.ReturnStmt) {
	aws := c.findAwaits(r)
	if len(aws) == 1 && len(r.Results) == 1 && ast.Unparen(r.Results[0]) == aws[0] && c.res == resValueErr && c.tupleAwait(aws[0]) {
		t := c.temp("res", nil)
		t.text = c.fe.future() + ".Result[" + c.fe.typeString(c.resT) + "]"
		c.emitAwait(aws[0], func() string { return c.ref(t, nil) + " = " + c.v }, nil, []*hvar{t})
		c.emitInstr(instr{kind: iReturn, uses: []*hvar{t}, jumps: []string{c.retLabel}, term: true, text: func() string {
			return c.storeResults([]string{c.ref(t, nil) + ".Value", c.ref(t, nil) + ".Err"}) + "goto " + c.retLabel
		}})
		return
	}
	if len(aws) > 0 && !c.hoistStmt(r, aws) {
		return
	}
	c.emitInstr(instr{kind: iReturn, uses: c.returnUses(r), jumps: []string{c.retLabel}, term: true, text: func() string {
		return c.withCopies(r, func(ov map[*hvar]string) string { return c.returnText(r, ov) })
	}})
}

// returnUses are the variables a return statement reads.
func (c *compiler) returnUses(r *ast.ReturnStmt) []*hvar {
	uses := c.refs(r)
	if len(r.Results) == 0 && !c.hasDefer {
		for _, h := range c.order {
			if h.kind == varResult {
				uses = append(uses, h)
			}
		}
	}
	return uses
}

// returnText is the code of a return statement: store the results (in the
// result fields when the function defers, else in step's output) and go to
// the epilogue.
func (c *compiler) returnText(r *ast.ReturnStmt, ov map[*hvar]string) string {
	var vals []string
	if len(r.Results) == 0 {
		if !c.hasDefer {
			for _, h := range c.order {
				if h.kind == varResult {
					vals = append(vals, c.ref(h, ov))
				}
			}
		}
	} else {
		for _, e := range r.Results {
			vals = append(vals, c.render(e, ov))
		}
	}
	return c.storeResults(vals) + "goto " + c.retLabel
}

// storeResults assigns a return statement's values (one text may be a call
// with several results).
func (c *compiler) storeResults(vals []string) string {
	if len(vals) == 0 {
		return ""
	}
	rhs := strings.Join(vals, ", ")
	if c.hasDefer {
		var lhs []string
		for _, h := range c.results {
			lhs = append(lhs, c.ref(h, nil))
		}
		if len(lhs) == len(vals) {
			// Leave out the results that already hold their value
			// (return total, with total the named result).
			var l2, r2 []string
			for i := range lhs {
				if lhs[i] != vals[i] {
					l2, r2 = append(l2, lhs[i]), append(r2, vals[i])
				}
			}
			if len(l2) == 0 {
				return ""
			}
			lhs, rhs = l2, strings.Join(r2, ", ")
		}
		return strings.Join(lhs, ", ") + " = " + rhs + "\n"
	}
	switch c.res {
	case resOne:
		return c.out + " = " + rhs + "\n"
	case resValueErr:
		return c.out + ".Value, " + c.out + ".Err = " + rhs + "\n"
	}
	return ""
}

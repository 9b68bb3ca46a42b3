package gen

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strings"
)

// edit replaces the source text between two positions.
type edit struct {
	from, to token.Pos
	text     string
}

// render returns n's source text rewritten for the state machine: kept
// variables become fields, locals of step, or their boxes (override gives a
// boxed variable's pointer another name); awaits already hoisted become
// their temporaries; a.Context() becomes step's Context; return, defer,
// and break or continue out of flattened statements become their lowered
// forms. The function's own comments inside n are kept.
func (c *compiler) render(n ast.Node, ov map[*hvar]string) string {
	var edits []edit
	c.collectEdits(n, false, ov, &edits)
	sort.Slice(edits, func(i, j int) bool { return edits[i].from < edits[j].from })
	var b strings.Builder
	at := n.Pos()
	for _, e := range edits {
		b.WriteString(c.text(at, e.from))
		b.WriteString(e.text)
		at = e.to
	}
	b.WriteString(c.text(at, n.End()))
	return b.String()
}

func (c *compiler) collectEdits(n ast.Node, inLit bool, ov map[*hvar]string, edits *[]edit) {
	ast.Inspect(n, func(x ast.Node) bool {
		switch x := x.(type) {
		case *ast.FuncLit:
			if !inLit {
				c.collectEdits(x.Body, true, ov, edits)
				return false
			}
		case *ast.Ident:
			if pn, ok := c.info.Uses[x].(*types.PkgName); ok {
				c.fe.usePkgName(pn)
			} else if h := c.hoisted(x); h != nil {
				*edits = append(*edits, edit{x.Pos(), x.End(), c.ref(h, ov)})
			}
		case *ast.UnaryExpr:
			if x.Op == token.AND {
				if id, ok := ast.Unparen(x.X).(*ast.Ident); ok {
					if h := c.hoisted(id); h != nil && h.boxed {
						*edits = append(*edits, edit{x.Pos(), x.End(), c.ptrRef(h, ov)})
						return false
					}
				}
			}
		case *ast.CallExpr:
			if t, ok := c.awaitTemps[x]; ok {
				*edits = append(*edits, edit{x.Pos(), x.End(), c.ref(t, ov)})
				return false
			}
			if c.isAContext(x) {
				*edits = append(*edits, edit{x.Pos(), x.End(), c.cx})
				return false
			}
		case *ast.ReturnStmt:
			if !inLit {
				*edits = append(*edits, edit{x.Pos(), x.End(), c.returnText(x, ov)})
				return false
			}
		case *ast.DeferStmt:
			if !inLit {
				*edits = append(*edits, edit{x.Pos(), x.End(), c.deferText(x, ov)})
				return false
			}
		case *ast.BranchStmt:
			if !inLit && (x.Tok == token.BREAK || x.Tok == token.CONTINUE) {
				if l := c.flat[c.branchTo[x]]; l != nil {
					target := l.brk
					if x.Tok == token.CONTINUE {
						target = l.cont
					}
					*edits = append(*edits, edit{x.Pos(), x.End(), "goto " + target})
				}
			}
		}
		return true
	})
}

// refs returns the kept variables n refers to (in function literals too),
// each once, in order of first reference.
func (c *compiler) refs(n ast.Node) []*hvar {
	var out []*hvar
	seen := map[*hvar]bool{}
	add := func(h *hvar) {
		if h != nil && !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	ast.Inspect(n, func(x ast.Node) bool {
		switch x := x.(type) {
		case *ast.Ident:
			add(c.hoisted(x))
		case *ast.CallExpr:
			// An await hoisted out of the statement: the statement reads
			// its temporary; its arguments were read before.
			if t, ok := c.awaitTemps[x]; ok {
				add(t)
				return false
			}
		}
		return true
	})
	if r, ok := n.(*ast.ReturnStmt); ok && len(r.Results) == 0 && c.hasDefer {
		out = append(out, c.results...)
	}
	return out
}

// lhsRefs splits the variables of an assignment's left side into those
// read (an index, a field's variable, a box) and those overwritten whole.
func (c *compiler) lhsRefs(e ast.Expr) (uses, defs []*hvar) {
	if id, ok := ast.Unparen(e).(*ast.Ident); ok {
		if h := c.hoisted(id); h != nil {
			if h.boxed {
				return []*hvar{h}, nil
			}
			return nil, []*hvar{h}
		}
		return nil, nil
	}
	return c.refs(e), nil
}

// withCopies renders a statement; when function literals in it capture
// boxed variables, the statement is wrapped in a block that copies their
// pointers first, so that each closure keeps the variable it was made with,
// as in Go, even when the declaration runs again (a loop).
func (c *compiler) withCopies(n ast.Node, text func(map[*hvar]string) string) string {
	if n == nil {
		return text(nil)
	}
	var boxed []*hvar
	seen := map[*hvar]bool{}
	ast.Inspect(n, func(x ast.Node) bool {
		lit, ok := x.(*ast.FuncLit)
		if !ok {
			return true
		}
		for _, h := range c.refs(lit) {
			if h.boxed && !seen[h] {
				seen[h] = true
				boxed = append(boxed, h)
			}
		}
		return false
	})
	if len(boxed) == 0 {
		return text(nil)
	}
	ov := map[*hvar]string{}
	var b strings.Builder
	b.WriteString("{\n")
	for _, h := range boxed {
		name := c.fresh(h.name)
		b.WriteString(name + " := " + c.ptrRef(h, nil) + "\n")
		ov[h] = name
	}
	b.WriteString(text(ov))
	b.WriteString("\n}")
	return b.String()
}

// deferText is the lowered form of a defer statement: the function value
// and arguments are evaluated now, as Go does, and a registration that
// defers the call is pushed on the frame's list.
func (c *compiler) deferText(d *ast.DeferStmt, ov map[*hvar]string) string {
	call := d.Call
	var pre []string
	tmp := func(val string, t types.Type) string {
		name := c.fresh("d")
		if t != nil {
			pre = append(pre, fmt.Sprintf("var %s %s = %s", name, c.fe.typeString(t), val))
		} else {
			pre = append(pre, name+" := "+val)
		}
		return name
	}
	fun := ast.Unparen(call.Fun)
	var funText string
	switch f := fun.(type) {
	case *ast.FuncLit:
		funText = c.render(f, ov)
	default:
		switch {
		case c.isBuiltin(fun) || c.isStaticFunc(fun):
			funText = c.render(fun, ov)
		default:
			if sel, ok := fun.(*ast.SelectorExpr); ok {
				if s, ok := c.info.Selections[sel]; ok && s.Kind() == types.MethodVal {
					recv := c.render(sel.X, ov)
					rt := s.Obj().Type().(*types.Signature).Recv().Type()
					_, wantPtr := rt.(*types.Pointer)
					_, havePtr := c.info.TypeOf(sel.X).Underlying().(*types.Pointer)
					if wantPtr && !havePtr && !types.IsInterface(c.info.TypeOf(sel.X)) {
						recv = addrOf(recv)
					}
					funText = tmp(recv, nil) + "." + sel.Sel.Name
					break
				}
			}
			funText = tmp(c.render(fun, ov), nil)
		}
	}
	var args []string
	sig, _ := c.info.TypeOf(call.Fun).Underlying().(*types.Signature)
	if len(call.Args) == 1 && sig != nil {
		if tup, ok := c.info.TypeOf(call.Args[0]).(*types.Tuple); ok && tup.Len() > 1 {
			var names []string
			for i := 0; i < tup.Len(); i++ {
				names = append(names, c.fresh("d"))
			}
			pre = append(pre, strings.Join(names, ", ")+" := "+c.render(call.Args[0], ov))
			args = names
		}
	}
	if args == nil {
		for i, a := range call.Args {
			tv := c.info.Types[a]
			if tv.Value != nil || tv.IsNil() {
				args = append(args, c.render(a, ov))
				continue
			}
			var pt types.Type
			if sig != nil {
				switch {
				case sig.Variadic() && i >= sig.Params().Len()-1 && !call.Ellipsis.IsValid():
					pt = sig.Params().At(sig.Params().Len() - 1).Type().(*types.Slice).Elem()
				case i < sig.Params().Len():
					pt = sig.Params().At(i).Type()
				}
			}
			args = append(args, tmp(c.render(a, ov), pt))
		}
	}
	el := ""
	if call.Ellipsis.IsValid() {
		el = "..."
	}
	push := fmt.Sprintf("%s.%s.Push(func(%s func()) {\ndefer %s(%s%s)\n%s()\n})",
		c.recv, c.defersName, c.next, funText, strings.Join(args, ", "), el, c.next)
	if len(pre) == 0 {
		return push
	}
	return "{\n" + strings.Join(pre, "\n") + "\n" + push + "\n}"
}

func (c *compiler) isBuiltin(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	if !ok {
		return false
	}
	_, ok = c.info.Uses[id].(*types.Builtin)
	return ok
}

// isStaticFunc reports whether e names a function (not a variable or a
// method value): it needs no evaluation at defer time.
func (c *compiler) isStaticFunc(e ast.Expr) bool {
	if sel, ok := e.(*ast.SelectorExpr); ok {
		if _, isSel := c.info.Selections[sel]; isSel {
			return false
		}
	}
	return calleeFunc(c.info, &ast.CallExpr{Fun: e}) != nil
}

// terminates reports whether s is a terminating statement (Go
// specification, "Terminating statements").
func (c *compiler) terminates(s ast.Stmt) bool {
	switch s := s.(type) {
	case *ast.ReturnStmt:
		return true
	case *ast.BranchStmt:
		return s.Tok == token.GOTO
	case *ast.ExprStmt:
		call, ok := s.X.(*ast.CallExpr)
		if !ok {
			return false
		}
		id, ok := ast.Unparen(call.Fun).(*ast.Ident)
		if !ok {
			return false
		}
		b, ok := c.info.Uses[id].(*types.Builtin)
		return ok && b.Name() == "panic"
	case *ast.BlockStmt:
		return len(s.List) > 0 && c.terminates(s.List[len(s.List)-1])
	case *ast.IfStmt:
		return s.Else != nil && c.terminates(s.Body) && c.terminates(s.Else)
	case *ast.LabeledStmt:
		return c.terminates(s.Stmt)
	case *ast.ForStmt:
		return s.Cond == nil && !c.breaksOut(s)
	case *ast.SwitchStmt:
		return c.clausesTerminate(s, s.Body)
	case *ast.TypeSwitchStmt:
		return c.clausesTerminate(s, s.Body)
	case *ast.SelectStmt:
		if c.breaksOut(s) {
			return false
		}
		for _, cl := range s.Body.List {
			body := cl.(*ast.CommClause).Body
			if len(body) == 0 || !c.terminates(body[len(body)-1]) {
				return false
			}
		}
		return true
	}
	return false
}

func (c *compiler) clausesTerminate(s ast.Stmt, body *ast.BlockStmt) bool {
	if c.breaksOut(s) {
		return false
	}
	def := false
	for _, cl := range body.List {
		cc := cl.(*ast.CaseClause)
		if cc.List == nil {
			def = true
		}
		if len(cc.Body) == 0 {
			return false
		}
		last := cc.Body[len(cc.Body)-1]
		if b, ok := last.(*ast.BranchStmt); ok && b.Tok == token.FALLTHROUGH {
			continue
		}
		if !c.terminates(last) {
			return false
		}
	}
	return def
}

// breaksOut reports whether a break leaves s.
func (c *compiler) breaksOut(s ast.Stmt) bool {
	found := false
	ast.Inspect(s, func(n ast.Node) bool {
		if b, ok := n.(*ast.BranchStmt); ok && b.Tok == token.BREAK && c.branchTo[b] == s {
			found = true
		}
		_, lit := n.(*ast.FuncLit)
		return !found && !lit
	})
	return found
}

// addrOf is the text of &x; the address of a boxed variable's (*p) is p.
func addrOf(x string) string {
	if strings.HasPrefix(x, "(*") && strings.HasSuffix(x, ")") && strings.Count(x, "(") == 1 {
		return x[2 : len(x)-1]
	}
	return "&" + x
}

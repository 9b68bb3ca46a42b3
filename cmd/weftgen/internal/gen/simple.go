package gen

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// lowerSimple lowers a simple statement (assignment, declaration,
// expression, send, increment, go, defer) of a flattened list: its awaits
// become await instructions, its declarations assignments to kept
// variables.
func (c *compiler) lowerSimple(s ast.Stmt) {
	aws := c.findAwaits(s)
	if len(aws) > 0 && c.directAwait(s, aws) {
		return
	}
	if len(aws) > 0 && !c.hoistStmt(s, aws) {
		return
	}
	switch s := s.(type) {
	case *ast.AssignStmt:
		c.lowerAssign(s)
	case *ast.DeclStmt:
		c.lowerVar(s.Decl.(*ast.GenDecl))
	case *ast.DeferStmt:
		c.emitInstr(instr{kind: iStmt, uses: c.refs(s), text: func() string {
			return c.withCopies(s, func(ov map[*hvar]string) string { return c.deferText(s, ov) })
		}})
	default:
		c.plain(s)
	}
}

// plain emits a statement whose text needs only rendering.
func (c *compiler) plain(s ast.Stmt) {
	c.emitInstr(instr{kind: iStmt, uses: c.refs(s), term: c.terminates(s), text: func() string {
		return c.withCopies(s, func(ov map[*hvar]string) string { return c.render(s, ov) })
	}})
}

// directAwait lowers the statements that are just an await: f(a, ...)
// alone, and x, y = await or x := await. It reports whether s was one.
func (c *compiler) directAwait(s ast.Stmt, aws []*ast.CallExpr) bool {
	if len(aws) != 1 {
		return false
	}
	aw := aws[0]
	switch s := s.(type) {
	case *ast.ExprStmt:
		if ast.Unparen(s.X) == aw {
			c.emitAwait(aw, nil, nil, nil)
			return true
		}
	case *ast.AssignStmt:
		if len(s.Rhs) != 1 || ast.Unparen(s.Rhs[0]) != aw || (s.Tok != token.ASSIGN && s.Tok != token.DEFINE) {
			return false
		}
		for _, l := range s.Lhs {
			if len(c.findAwaits(l)) > 0 || c.hasCall(l) {
				return false
			}
		}
		c.awaitInto(aw, s.Lhs, s.Tok == token.DEFINE)
		return true
	case *ast.DeclStmt:
		gd := s.Decl.(*ast.GenDecl)
		if len(gd.Specs) != 1 {
			return false
		}
		vs := gd.Specs[0].(*ast.ValueSpec)
		if len(vs.Values) != 1 || ast.Unparen(vs.Values[0]) != aw {
			return false
		}
		lhs := make([]ast.Expr, len(vs.Names))
		for i, n := range vs.Names {
			lhs[i] = n
		}
		c.awaitInto(aw, lhs, true)
		return true
	}
	return false
}

// hasCall reports whether e contains a call with effects.
func (c *compiler) hasCall(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok && c.sideEffects(call) {
			found = true
		}
		return !found
	})
	return found
}

// awaitInto emits an await whose value is assigned to lhs (declared when
// define): one value, or Value and Err of a (T, error) marked call.
func (c *compiler) awaitInto(aw *ast.CallExpr, lhs []ast.Expr, define bool) {
	var uses, defs []*hvar
	targets := make([]func() string, len(lhs))
	var decl []*hvar
	for i, l := range lhs {
		if id, ok := l.(*ast.Ident); ok && id.Name == "_" {
			targets[i] = func() string { return "_" }
			continue
		}
		if id, ok := l.(*ast.Ident); ok && define {
			if v, ok := c.info.Defs[id].(*types.Var); ok && v != nil {
				h := c.local(v)
				defs = append(defs, h)
				if h.boxed {
					decl = append(decl, h)
				}
				targets[i] = func() string { return c.ref(h, nil) }
				continue
			}
		}
		u, d := c.lhsRefs(l)
		uses, defs = append(uses, u...), append(defs, d...)
		l := l
		targets[i] = func() string { return c.render(l, nil) }
	}
	tuple := c.tupleAwait(aw)
	if tuple != (len(lhs) == 2) {
		c.errorf(aw.Pos(), "weftgen: %d values assigned from %s", len(lhs), exprString(c, aw))
		return
	}
	c.emitAwait(aw, func() string {
		var b strings.Builder
		for _, h := range decl {
			p := c.ptrRef(h, nil)
			b.WriteString(p + " = new(" + c.fe.typeString(h.typ) + ")\n")
		}
		var ls []string
		for _, t := range targets {
			ls = append(ls, t())
		}
		if tuple {
			b.WriteString(strings.Join(ls, ", ") + " = " + c.v + ".Value, " + c.v + ".Err")
		} else {
			b.WriteString(ls[0] + " = " + c.v)
		}
		return b.String()
	}, uses, defs)
}

// lowerAssign lowers an assignment of the flattened level; := declares
// kept variables.
func (c *compiler) lowerAssign(s *ast.AssignStmt) {
	if s.Tok != token.DEFINE && s.Tok != token.ASSIGN {
		c.plain(s)
		return
	}
	var uses, defs, decl []*hvar
	for _, r := range s.Rhs {
		uses = append(uses, c.refs(r)...)
	}
	lhs := make([]func(ov map[*hvar]string) string, len(s.Lhs))
	for i, l := range s.Lhs {
		l := l
		if id, ok := l.(*ast.Ident); ok && s.Tok == token.DEFINE {
			if id.Name == "_" {
				lhs[i] = func(map[*hvar]string) string { return "_" }
				continue
			}
			if v, ok := c.info.Defs[id].(*types.Var); ok && v != nil {
				h := c.local(v)
				defs = append(defs, h)
				if h.boxed {
					decl = append(decl, h)
				}
				lhs[i] = func(ov map[*hvar]string) string { return c.ref(h, ov) }
				continue
			}
		}
		u, d := c.lhsRefs(l)
		uses, defs = append(uses, u...), append(defs, d...)
		lhs[i] = func(ov map[*hvar]string) string { return c.render(l, ov) }
	}
	c.emitInstr(instr{kind: iStmt, uses: uses, defs: defs, text: func() string {
		return c.withCopies(s, func(ov map[*hvar]string) string {
			var b strings.Builder
			for _, h := range decl {
				p := c.ptrRef(h, ov)
				b.WriteString(p + " = new(" + c.fe.typeString(h.typ) + ")\n")
			}
			var ls, rs []string
			for _, f := range lhs {
				ls = append(ls, f(ov))
			}
			for _, r := range s.Rhs {
				rs = append(rs, c.render(r, ov))
			}
			b.WriteString(strings.Join(ls, ", ") + " = " + strings.Join(rs, ", "))
			return b.String()
		})
	}})
}

// lowerVar lowers a var declaration of the flattened level into
// assignments (of the zero value when there is no initializer, so that a
// declaration run again in a loop starts from zero again).
func (c *compiler) lowerVar(gd *ast.GenDecl) {
	for _, sp := range gd.Specs {
		vs := sp.(*ast.ValueSpec)
		var hs []*hvar
		var uses, defs []*hvar
		for _, n := range vs.Names {
			if n.Name == "_" {
				hs = append(hs, nil)
				continue
			}
			h := c.local(c.info.Defs[n].(*types.Var))
			hs = append(hs, h)
			defs = append(defs, h)
		}
		for _, v := range vs.Values {
			uses = append(uses, c.refs(v)...)
		}
		c.emitInstr(instr{kind: iStmt, uses: uses, defs: defs, text: func() string {
			return c.withCopies(vs, func(ov map[*hvar]string) string {
				var b strings.Builder
				var ls []string
				for i, h := range hs {
					if h == nil {
						ls = append(ls, "_")
						continue
					}
					if h.boxed {
						b.WriteString(c.ptrRef(h, ov) + " = new(" + c.fe.typeString(h.typ) + ")\n")
					}
					ls = append(ls, c.ref(h, ov))
					_ = i
				}
				if len(vs.Values) > 0 {
					var rs []string
					for _, v := range vs.Values {
						rs = append(rs, c.render(v, ov))
					}
					b.WriteString(strings.Join(ls, ", ") + " = " + strings.Join(rs, ", "))
					return b.String()
				}
				for _, h := range hs {
					if h != nil && !h.boxed {
						b.WriteString(c.ref(h, ov) + " = " + c.zero(h.typ) + "\n")
					}
				}
				return b.String()
			})
		}})
	}
}

// zero is the text of t's zero value.
func (c *compiler) zero(t types.Type) string {
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsBoolean != 0:
			if _, named := t.(*types.Basic); named {
				return "false"
			}
			return c.fe.typeString(t) + "(false)"
		case u.Info()&types.IsString != 0:
			if _, named := t.(*types.Basic); named {
				return `""`
			}
			return c.fe.typeString(t) + `("")`
		case u.Kind() == types.UnsafePointer:
			return "nil"
		default:
			if _, named := t.(*types.Basic); named {
				return "0"
			}
			return c.fe.typeString(t) + "(0)"
		}
	case *types.Pointer, *types.Slice, *types.Map, *types.Chan, *types.Signature, *types.Interface:
		return "nil"
	case *types.Struct, *types.Array:
		return c.fe.typeString(t) + "{}"
	}
	return "*new(" + c.fe.typeString(t) + ")"
}

package gen

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// findAwaits returns the awaits in n (outside function literals) in the
// order Go evaluates them: an await inside another's arguments first.
func (c *compiler) findAwaits(n ast.Node) []*ast.CallExpr {
	var out []*ast.CallExpr
	var stack []ast.Node
	ast.Inspect(n, func(x ast.Node) bool {
		if x == nil {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if call, ok := top.(*ast.CallExpr); ok {
				if k, _ := c.awaitOf(call); k != notAwait {
					out = append(out, call)
				}
			}
			return true
		}
		if _, ok := x.(*ast.FuncLit); ok {
			return false
		}
		stack = append(stack, x)
		return true
	})
	return out
}

// tupleAwait reports whether an await is a call of a marked function that
// returns (T, error).
func (c *compiler) tupleAwait(call *ast.CallExpr) bool {
	k, fn := c.awaitOf(call)
	if k != awaitFrame && k != awaitRemote {
		return false
	}
	rs := fn.Type().(*types.Signature).Results()
	return rs.Len() == 2
}

// hoist moves the awaits in expression e (part of statement s) before it,
// into temporaries, when Go's order of evaluation allows it.
func (c *compiler) hoist(e ast.Expr, s ast.Node) bool {
	aws := c.findAwaits(e)
	if len(aws) == 0 {
		return true
	}
	return c.hoistStmt(s, aws)
}

// hoistStmt moves awaits out of n into temporaries. It refuses an await
// that Go would evaluate after some other call of the same statement, or
// only conditionally (in the right operand of && or ||).
func (c *compiler) hoistStmt(n ast.Node, aws []*ast.CallExpr) bool {
	isAw := map[*ast.CallExpr]bool{}
	for _, a := range aws {
		isAw[a] = true
	}
	ok := true
	// Conditional evaluation.
	ast.Inspect(n, func(x ast.Node) bool {
		if !ok {
			return false
		}
		switch x := x.(type) {
		case *ast.FuncLit:
			return false
		case *ast.BinaryExpr:
			if (x.Op == token.LAND || x.Op == token.LOR) && len(c.findAwaits(x.Y)) > 0 {
				c.errorf(x.Y.Pos(), "await in the right operand of %s: it is evaluated only when the left one allows; split the condition into an if statement", x.Op)
				ok = false
			}
		}
		return true
	})
	if !ok {
		return false
	}
	// Calls evaluated before an await.
	for _, aw := range aws {
		ast.Inspect(n, func(x ast.Node) bool {
			if !ok || x == nil || x.Pos() >= aw.Pos() {
				return false // only nodes that start before the await
			}
			switch x := x.(type) {
			case *ast.FuncLit:
				return false
			case *ast.CallExpr:
				if isAw[x] {
					return false // hoisted before this one, with its arguments
				}
				if x.End() <= aw.Pos() && c.sideEffects(x) {
					c.errorf(aw.Pos(), "await after a call in the same statement: Go calls %s first; assign that call's result to a variable in a statement before this one", exprString(c, x.Fun))
					ok = false
					return false
				}
			case *ast.UnaryExpr:
				if x.Op == token.ARROW && x.End() <= aw.Pos() {
					c.errorf(aw.Pos(), "await after a channel receive in the same statement: receive into a variable in a statement before this one")
					ok = false
					return false
				}
			}
			return true
		})
		if !ok {
			return false
		}
	}
	for _, aw := range aws {
		if c.tupleAwait(aw) {
			c.errorf(aw.Pos(), "a call of a marked function that returns (T, error) must stand alone: write v, err := %s on its own line", exprString(c, aw.Fun)+"(...)")
			return false
		}
		t := c.info.TypeOf(aw)
		if t == nil {
			c.errorf(aw.Pos(), "weftgen: no type for %s", exprString(c, aw))
			return false
		}
		if tup, isTup := t.(*types.Tuple); isTup && tup.Len() == 0 {
			c.errorf(aw.Pos(), "a marked function without results cannot be used as a value")
			return false
		}
		h := c.temp("t", t)
		c.awaitTemps[aw] = h
		c.emitAwait(aw, func() string { return c.ref(h, nil) + " = " + c.v }, nil, []*hvar{h})
	}
	return true
}

// sideEffects reports whether a call is a real call (not a conversion or a
// builtin without effects), which Go orders against the await.
func (c *compiler) sideEffects(call *ast.CallExpr) bool {
	if tv, ok := c.info.Types[call.Fun]; ok && tv.IsType() {
		return false
	}
	if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
		if b, ok := c.info.Uses[id].(*types.Builtin); ok {
			switch b.Name() {
			case "len", "cap", "make", "new", "append", "complex", "real", "imag", "min", "max":
				return false
			}
		}
	}
	return true
}

var dropper = types.NewInterfaceType([]*types.Func{
	types.NewFunc(token.NoPos, nil, "Drop", types.NewSignatureType(nil, nil, nil, nil, nil, false)),
}, nil).Complete()

// childFor returns the child field that holds the futures of an await.
func (c *compiler) childFor(call *ast.CallExpr) (*child, func(ov map[*hvar]string) string) {
	kind, fn := c.awaitOf(call)
	var ch child
	var create func(field string, ov map[*hvar]string) string
	switch kind {
	case awaitFunc:
		t := c.info.TypeOf(call.Args[1])
		ch.typ = t
		ch.iface = types.IsInterface(t)
		ch.drops = !ch.iface && types.Implements(t, dropper)
		ch.text = c.fe.typeString(t)
		arg := call.Args[1]
		create = func(field string, ov map[*hvar]string) string { return field + " = " + c.render(arg, ov) }
	case awaitFrame:
		m := c.g.all[fn]
		ch.frame = m
		ch.out = c.outTypeOf(fn.Type().(*types.Signature))
		ch.ptr = c.sccs[c.m.obj] == c.sccs[fn]
		ch.text = m.frame
		if ch.ptr {
			ch.text = "*" + m.frame
		}
		create = func(field string, ov map[*hvar]string) string {
			args := c.calleeArgs(call, fn, ov)
			if ch.ptr {
				return fmt.Sprintf("%s = new(%s)\n%s.init(%s)", field, m.frame, field, args)
			}
			return fmt.Sprintf("%s.init(%s)", field, args)
		}
	case awaitRemote:
		ch.ptr, ch.remote = true, true
		if m, ok := c.g.all[fn]; ok {
			ch.text = "*" + c.fe.importName(fn.Pkg().Path(), fn.Pkg().Name()) + "." + m.frame
		} else {
			ctor := c.remoteCtor(fn)
			ch.text = c.fe.typeString(ctor.Type().(*types.Signature).Results().At(0).Type())
		}
		create = func(field string, ov map[*hvar]string) string {
			var args []string
			for _, a := range call.Args[1:] {
				args = append(args, c.render(a, ov))
			}
			el := ""
			if call.Ellipsis.IsValid() {
				el = "..."
			}
			return fmt.Sprintf("%s = %sFuture(%s%s)", field, c.render(call.Fun, ov), strings.Join(args, ", "), el)
		}
	}
	for _, x := range c.children {
		if x.text == ch.text {
			return x, func(ov map[*hvar]string) string { return create(c.recv+"."+x.name, ov) }
		}
	}
	ch.name = c.fieldName(fmt.Sprintf("c%d", len(c.children)))
	p := &ch
	c.children = append(c.children, p)
	return p, func(ov map[*hvar]string) string { return create(c.recv+"."+p.name, ov) }
}

// remoteCtor returns another package's generated constructor for fn.
func (c *compiler) remoteCtor(fn *types.Func) *types.Func {
	name := fn.Name() + "Future"
	sig := fn.Type().(*types.Signature)
	if sig.Recv() != nil {
		obj, _, _ := types.LookupFieldOrMethod(sig.Recv().Type(), true, fn.Pkg(), name)
		f, _ := obj.(*types.Func)
		return f
	}
	f, _ := fn.Pkg().Scope().Lookup(name).(*types.Func)
	return f
}

// calleeArgs is the argument list of a marked callee's init: its receiver,
// if a method, then the arguments after a.
func (c *compiler) calleeArgs(call *ast.CallExpr, fn *types.Func, ov map[*hvar]string) string {
	var args []string
	sig := fn.Type().(*types.Signature)
	if recv := sig.Recv(); recv != nil {
		sel := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		x := c.render(sel.X, ov)
		_, wantPtr := recv.Type().(*types.Pointer)
		_, havePtr := c.info.TypeOf(sel.X).Underlying().(*types.Pointer)
		switch {
		case wantPtr && !havePtr:
			x = addrOf(x)
		case !wantPtr && havePtr:
			x = "*" + x
		}
		args = append(args, x)
	}
	for _, a := range call.Args[1:] {
		args = append(args, c.render(a, ov))
	}
	s := strings.Join(args, ", ")
	if call.Ellipsis.IsValid() {
		s += "..."
	}
	return s
}

// emitAwait emits an await of call; assign uses the value (named c.v).
func (c *compiler) emitAwait(call *ast.CallExpr, assign func() string, luses, ldefs []*hvar) {
	ch, create := c.childFor(call)
	kind, _ := c.awaitOf(call)
	var uses []*hvar
	if kind == awaitFunc {
		uses = c.refs(call.Args[1])
	} else {
		if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
			uses = c.refs(sel.X)
		}
		for _, a := range call.Args[1:] {
			uses = append(uses, c.refs(a)...)
		}
	}
	pos := c.g.fset.Position(call.Pos())
	aw := &awaitInstr{
		k: len(c.awaits) + 1, ch: ch, call: call, create: create, assign: assign,
		uses: uses, luses: luses, ldefs: ldefs,
		line: fmt.Sprintf("%s:%d", baseName(pos.Filename), pos.Line),
	}
	aw.label = c.fresh(fmt.Sprintf("await%d", aw.k))
	c.awaits = append(c.awaits, aw)
	c.emitInstr(instr{kind: iAwait, aw: aw})
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

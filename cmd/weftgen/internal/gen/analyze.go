package gen

import (
	"go/ast"
	"go/token"
	"go/types"
)

// awaitKind tells an await call's form.
type awaitKind uint8

const (
	notAwait    awaitKind = iota
	awaitFunc             // weft.Await(a, f)
	awaitFrame            // a call of a marked function of this package
	awaitRemote           // a call of another package's marked function
)

// awaitOf says whether call is an await: weft.Await(a, f), or a call that
// passes a to a marked function.
func (c *compiler) awaitOf(call *ast.CallExpr) (awaitKind, *types.Func) {
	fn := calleeFunc(c.info, call)
	if fn == nil {
		return notAwait, nil
	}
	if fn.Pkg() != nil && fn.Pkg().Path() == weftPath && fn.Name() == "Await" && fn.Type().(*types.Signature).Recv() == nil {
		return awaitFunc, fn
	}
	if len(call.Args) == 0 || !c.isA(call.Args[0]) {
		return notAwait, nil
	}
	if m, ok := c.g.all[fn]; ok && m.g == c.g {
		return awaitFrame, fn
	}
	if ps := fn.Type().(*types.Signature).Params(); ps.Len() > 0 && isWeftA(ps.At(0).Type()) && fn.Pkg() != c.g.tpkg {
		return awaitRemote, fn
	}
	return notAwait, nil
}

// isA reports whether e is the function's parameter a.
func (c *compiler) isA(e ast.Expr) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	return ok && c.aObj != nil && c.info.Uses[id] == c.aObj
}

// isAContext reports whether call is a.Context().
func (c *compiler) isAContext(call *ast.CallExpr) bool {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Context" && len(call.Args) == 0 && c.isA(sel.X)
}

// analyze walks the body once: it finds the awaits and the statements that
// contain them, refuses every other use of a, finds the variables closures
// capture or whose address is taken, the defer statements, and the target
// of every break and continue.
func (c *compiler) analyze() {
	var stack []ast.Node
	okA := map[*ast.Ident]bool{}
	litDepth := 0
	inGo := 0
	var lits []*ast.FuncLit
	ast.Inspect(c.decl.Body, func(n ast.Node) bool {
		if n == nil {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			switch top.(type) {
			case *ast.FuncLit:
				litDepth--
				lits = lits[:len(lits)-1]
			case *ast.GoStmt:
				inGo--
			}
			return true
		}
		stack = append(stack, n)
		switch n := n.(type) {
		case *ast.FuncLit:
			litDepth++
			lits = append(lits, n)
		case *ast.GoStmt:
			inGo++
		case *ast.DeferStmt:
			if litDepth == 0 {
				c.hasDefer = true
			}
		case *ast.CallExpr:
			kind, fn := c.awaitOf(n)
			switch {
			case litDepth > 0 || inGo > 0:
				// a in a function literal or a go statement is refused
				// below, with the reason.
			case kind == awaitFunc:
				if len(n.Args) != 2 || !c.isA(n.Args[0]) {
					c.errorf(n.Pos(), "weft.Await must be given this function's parameter %s as its first argument", c.aName())
					break
				}
				okA[ast.Unparen(n.Args[0]).(*ast.Ident)] = true
			case kind != notAwait:
				okA[ast.Unparen(n.Args[0]).(*ast.Ident)] = true
				if kind == awaitRemote && !c.remoteFuture(fn) {
					c.errorf(n.Pos(), "%s passes %s to %s.%s, which has no generated %sFuture: mark it %s and run weftgen on package %s",
						exprString(c, n.Fun), c.aName(), fn.Pkg().Name(), fn.Name(), fn.Name(), Directive, fn.Pkg().Path())
				}
			case c.isAContext(n):
				okA[ast.Unparen(n.Fun).(*ast.SelectorExpr).X.(*ast.Ident)] = true
			}
			if kind != notAwait {
				if litDepth > 0 || inGo > 0 {
					break // reported through a, below
				}
				for _, s := range stack {
					c.awaitsIn[s] = true
				}
			}
		case *ast.Ident:
			c.checkCapture(n, lits)
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				c.addressTaken(n.X)
			}
		case *ast.SelectorExpr:
			if sel, ok := c.info.Selections[n]; ok && (sel.Kind() == types.MethodVal) {
				if recv := sel.Obj().Type().(*types.Signature).Recv(); recv != nil {
					if _, ptr := recv.Type().(*types.Pointer); ptr {
						if _, isPtr := sel.Recv().Underlying().(*types.Pointer); !isPtr && !types.IsInterface(sel.Recv()) {
							c.addressTaken(n.X)
						}
					}
				}
			}
		case *ast.SliceExpr:
			if t, ok := c.info.TypeOf(n.X).Underlying().(*types.Array); ok && t != nil {
				c.addressTaken(n.X)
			}
		}
		return true
	})
	// Every other use of a is refused.
	ast.Inspect(c.decl.Body, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok || c.aObj == nil || c.info.Uses[id] != c.aObj || okA[id] {
			return true
		}
		c.refuseA(id)
		return true
	})
	c.resolveBranches()
}

func (c *compiler) aName() string {
	if c.aObj == nil {
		return "a"
	}
	return c.aObj.Name()
}

// refuseA reports a use of a that weftgen cannot compile, saying what to
// write instead.
func (c *compiler) refuseA(id *ast.Ident) {
	path := pathTo(c.decl.Body, id)
	a := c.aName()
	for _, p := range path {
		if _, ok := p.(*ast.GoStmt); ok {
			c.errorf(id.Pos(), "go statement uses %s: a goroutine cannot await in this function's task; pass it the values it needs, or spawn a task instead", a)
			return
		}
	}
	for i := len(path) - 1; i >= 0; i-- {
		switch p := path[i].(type) {
		case *ast.FuncLit:
			c.errorf(id.Pos(), "%s is used inside a function literal: a closure cannot await in the state machine; await in the function itself, or make the closure a marked function", a)
			return
		case *ast.UnaryExpr:
			if p.Op == token.AND && i == len(path)-2 {
				c.errorf(id.Pos(), "the address of %s is taken: %s is only a capability to await; use it only as weft.Await(%s, f), in calls of marked functions and as %s.Context()", a, a, a, a)
				return
			}
		}
	}
	if len(path) >= 2 {
		if call, ok := path[len(path)-2].(*ast.CallExpr); ok && len(call.Args) > 0 && call.Args[0] == id {
			if fn := calleeFunc(c.info, call); fn != nil {
				if ps := fn.Type().(*types.Signature).Params(); ps.Len() > 0 && isWeftA(ps.At(0).Type()) {
					c.errorf(id.Pos(), "%s escapes to %s, which is not marked %s: mark it so that weftgen compiles it too, or do not pass it %s", a, fn.Name(), Directive, a)
					return
				}
			}
		}
	}
	c.errorf(id.Pos(), "%s escapes: it may only be passed to weft.Await, to marked functions (as their first argument), or used as %s.Context(); a stored, returned or otherwise passed %s cannot be compiled", a, a, a)
}

// pathTo returns the nodes from root down to n.
func pathTo(root ast.Node, n ast.Node) []ast.Node {
	var path, found []ast.Node
	ast.Inspect(root, func(x ast.Node) bool {
		if found != nil {
			return false
		}
		if x == nil {
			path = path[:len(path)-1]
			return true
		}
		path = append(path, x)
		if x == n {
			found = append([]ast.Node(nil), path...)
			return false
		}
		return true
	})
	return found
}

// checkCapture records a local variable used inside a function literal that
// does not declare it.
func (c *compiler) checkCapture(id *ast.Ident, lits []*ast.FuncLit) {
	if len(lits) == 0 {
		return
	}
	v, ok := c.info.Uses[id].(*types.Var)
	if !ok || !c.localTo(v) {
		return
	}
	lit := lits[0]
	if v.Pos() < lit.Pos() || v.Pos() >= lit.End() {
		c.captured[v] = true
	}
}

// localTo reports whether v is declared in the marked function (its
// parameters and results included).
func (c *compiler) localTo(v *types.Var) bool {
	return !v.IsField() && v.Pos() >= c.decl.Pos() && v.Pos() < c.decl.End()
}

// addressTaken records the variable at the root of an addressable
// expression (through struct fields and array elements).
func (c *compiler) addressTaken(e ast.Expr) {
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.Ident:
			if v, ok := c.info.Uses[x].(*types.Var); ok && c.localTo(v) {
				c.captured[v] = true
			}
			return
		case *ast.SelectorExpr:
			sel, ok := c.info.Selections[x]
			if !ok || sel.Kind() != types.FieldVal || sel.Indirect() {
				return
			}
			if _, ptr := c.info.TypeOf(x.X).Underlying().(*types.Pointer); ptr {
				return
			}
			e = x.X
		case *ast.IndexExpr:
			if _, arr := c.info.TypeOf(x.X).Underlying().(*types.Array); !arr {
				return
			}
			e = x.X
		default:
			return
		}
	}
}

// resolveBranches finds the statement each break and continue leaves.
func (c *compiler) resolveBranches() {
	labels := map[string]ast.Stmt{}
	var walk func(n ast.Node, breakable, loop ast.Stmt)
	walk = func(n ast.Node, breakable, loop ast.Stmt) {
		ast.Inspect(n, func(x ast.Node) bool {
			if x == n {
				return true
			}
			switch s := x.(type) {
			case *ast.FuncLit:
				return false
			case *ast.LabeledStmt:
				labels[s.Label.Name] = s.Stmt
			case *ast.ForStmt:
				walk(s, s, s)
				return false
			case *ast.RangeStmt:
				walk(s, s, s)
				return false
			case *ast.SwitchStmt:
				walk(s, s, loop)
				return false
			case *ast.TypeSwitchStmt:
				walk(s, s, loop)
				return false
			case *ast.SelectStmt:
				walk(s, s, loop)
				return false
			case *ast.BranchStmt:
				switch {
				case s.Tok != token.BREAK && s.Tok != token.CONTINUE:
				case s.Label != nil:
					c.branchTo[s] = labels[s.Label.Name]
				case s.Tok == token.BREAK:
					c.branchTo[s] = breakable
				default:
					c.branchTo[s] = loop
				}
			}
			return true
		})
	}
	// Labels are visible in the whole function body: collect them first.
	ast.Inspect(c.decl.Body, func(x ast.Node) bool {
		if _, ok := x.(*ast.FuncLit); ok {
			return false
		}
		if l, ok := x.(*ast.LabeledStmt); ok {
			labels[l.Label.Name] = l.Stmt
		}
		return true
	})
	walk(c.decl.Body, nil, nil)
}

// remoteFuture reports whether fn's package has the generated constructor
// of fn's future (or will have it: it is being generated in this run).
func (c *compiler) remoteFuture(fn *types.Func) bool {
	if _, ok := c.g.all[fn]; ok {
		return true
	}
	return c.remoteCtor(fn) != nil
}

// exprString is the source text of e.
func exprString(c *compiler, e ast.Expr) string { return c.text(e.Pos(), e.End()) }

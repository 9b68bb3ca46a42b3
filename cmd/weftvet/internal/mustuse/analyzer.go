package mustuse

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"
)

// Analyzer reports weft futures and JoinHandles that are created and
// dropped unused. See the package comment for the rules.
var Analyzer = &analysis.Analyzer{
	Name: "weftvet",
	Doc: `report weft futures and JoinHandles that are dropped unused

A weft future does nothing until it is polled: m.Lock(), tx.Send(v) and
weft.Sleep(d) as bare statements compile and do nothing. weftvet reports a
future created and dropped without being awaited, polled, spawned or stored,
and a JoinHandle dropped without being joined, detached or aborted. Suppress an intended
finding with a "//weftvet:ignore reason" comment on its line or the line above.`,
	URL:      "https://pkg.go.dev/github.com/weftrt/weft/cmd/weftvet",
	Requires: []*analysis.Analyzer{inspect.Analyzer},
	Run:      run,
}

const (
	futureAdvice = "await it with weft.Await, spawn it, or store it; a future does nothing until polled"
	handleAdvice = "await it or BlockingJoin it, Detach it or Abort it (use weft.SpawnDetached when nobody joins)"
)

// checker holds one pass's state.
type checker struct {
	pass    *analysis.Pass
	info    *types.Info
	ignores *ignores
	// locals maps a local variable that holds a created future or handle
	// to the first creation stored in it.
	locals map[*types.Var]creation
	// order lists the keys of locals in the order they were found, so that
	// findings come out in source order.
	order []*types.Var
	// signature holds the parameters and named results of every function,
	// which are not locals: the caller owns a parameter, and a bare return
	// uses a named result without naming it.
	signature map[*types.Var]bool
}

// creation is a created future or handle: the expression and its kind.
type creation struct {
	expr ast.Expr
	kind kind
	typ  types.Type
}

func run(pass *analysis.Pass) (any, error) {
	in := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	c := &checker{
		pass:      pass,
		info:      pass.TypesInfo,
		ignores:   collectIgnores(pass),
		locals:    map[*types.Var]creation{},
		signature: map[*types.Var]bool{},
	}
	root := in.Root()
	for cur := range root.Preorder((*ast.FuncType)(nil)) {
		c.noteSignature(cur.Node().(*ast.FuncType))
	}
	for cur := range root.Preorder((*ast.CallExpr)(nil), (*ast.CompositeLit)(nil), (*ast.UnaryExpr)(nil)) {
		c.checkCreation(cur)
	}
	c.checkLocals(root)
	c.ignores.reportUnused(pass)
	return nil, nil
}

func (c *checker) noteSignature(ft *ast.FuncType) {
	for _, list := range []*ast.FieldList{ft.Params, ft.Results} {
		if list == nil {
			continue
		}
		for _, f := range list.List {
			for _, name := range f.Names {
				if v, ok := c.info.Defs[name].(*types.Var); ok {
					c.signature[v] = true
				}
			}
		}
	}
}

// created reports whether e makes a new value: a call that is not a
// conversion or a builtin, a composite literal, or the address of one.
func (c *checker) created(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.CallExpr:
		tv, ok := c.info.Types[e.Fun]
		return ok && !tv.IsType() && !tv.IsBuiltin()
	case *ast.CompositeLit:
		return true
	case *ast.UnaryExpr:
		if e.Op == token.AND {
			_, ok := ast.Unparen(e.X).(*ast.CompositeLit)
			return ok
		}
	}
	return false
}

// checkCreation looks at one call, composite literal or &literal: if it
// creates futures or handles, it finds out where they go.
func (c *checker) checkCreation(cur inspector.Cursor) {
	e := cur.Node().(ast.Expr)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op != token.AND {
		return
	}
	if _, ok := e.(*ast.CompositeLit); ok {
		if p, ok := cur.Parent().Node().(*ast.UnaryExpr); ok && p.Op == token.AND {
			return // seen as the &literal
		}
	}
	if !c.created(e) {
		return
	}
	// A call with several results is a *types.Tuple and is not checked:
	// a pair constructor (oneshot.New) or a helper may hand the same
	// future to two owners, as Rust's must_use does not look into tuples.
	t := c.info.TypeOf(e)
	k := classify(t)
	if k == other {
		return
	}
	c.follow(cur, creation{expr: e, kind: k, typ: t})
}

// follow finds where a created value goes, from its expression's parents.
func (c *checker) follow(cur inspector.Cursor, cr creation) {
	cur = outsideParens(cur)
	parent := cur.Parent()
	ek, at := cur.ParentEdge()
	switch p := parent.Node().(type) {
	case *ast.ExprStmt:
		c.dropped(cr, "as a statement")
	case *ast.GoStmt:
		c.dropped(cr, "by the go statement")
	case *ast.DeferStmt:
		c.dropped(cr, "by the defer statement")
	case *ast.AssignStmt:
		if ek != edge.AssignStmt_Rhs {
			return
		}
		if len(p.Lhs) == len(p.Rhs) {
			c.into(cr, p.Lhs[at])
		}
	case *ast.ValueSpec:
		if ek != edge.ValueSpec_Values || p.Type != nil {
			// var _ I = v with a type is the interface assertion idiom.
			return
		}
		if len(p.Names) == len(p.Values) {
			c.into(cr, p.Names[at])
		}
	case *ast.SelectorExpr:
		if ek == edge.SelectorExpr_X && c.observerCall(parent, p) {
			c.dropped(cr, "after calling only its "+p.Sel.Name+" method")
		}
	}
}

// outsideParens climbs from cur past the parentheses around it.
func outsideParens(cur inspector.Cursor) inspector.Cursor {
	for {
		if _, ok := cur.Parent().Node().(*ast.ParenExpr); !ok {
			return cur
		}
		cur = cur.Parent()
	}
}

// observerCall reports whether sel, at the cursor selCur, is called as an
// observer method (see observers): x.ID(), x.String(), ...
func (c *checker) observerCall(selCur inspector.Cursor, sel *ast.SelectorExpr) bool {
	if !observers[sel.Sel.Name] {
		return false
	}
	if s := c.info.Selections[sel]; s == nil || s.Kind() != types.MethodVal {
		return false
	}
	call, ok := selCur.Parent().Node().(*ast.CallExpr)
	return ok && call.Fun == sel
}

// into handles a created value assigned to lhs: dropped if lhs is _, a
// candidate if lhs is a local variable, stored otherwise.
func (c *checker) into(cr creation, lhs ast.Expr) {
	id, ok := ast.Unparen(lhs).(*ast.Ident)
	if !ok {
		return // a field, an element, *p: stored
	}
	if id.Name == "_" {
		c.dropped(cr, "by assigning it to _")
		return
	}
	obj := c.info.ObjectOf(id)
	v, ok := obj.(*types.Var)
	if !ok || v.IsField() || c.signature[v] || v.Parent() == nil || v.Parent() == c.pass.Pkg.Scope() {
		return
	}
	if _, seen := c.locals[v]; !seen {
		c.locals[v] = cr
		c.order = append(c.order, v)
	}
}

// dropped reports a created value that is thrown away.
func (c *checker) dropped(cr creation, how string) {
	what := describe(cr.expr)
	if cr.kind == handleKind {
		c.report(cr.expr.Pos(), "%s returns a JoinHandle that is dropped %s: %s", what, how, handleAdvice)
		return
	}
	c.report(cr.expr.Pos(), "%s creates a future (%s) that is dropped %s: %s", what, c.typeString(cr.typ), how, futureAdvice)
}

func (c *checker) typeString(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string {
		if p == c.pass.Pkg {
			return ""
		}
		return p.Name()
	})
}

func (c *checker) report(pos token.Pos, format string, args ...any) {
	if c.ignores.suppressed(c.pass.Fset, pos) {
		return
	}
	c.pass.Reportf(pos, format, args...)
}

// describe renders a creation for a message: the whole expression when it
// is short and has no function literal, else the function and "(...)".
func describe(e ast.Expr) string {
	s := types.ExprString(e)
	hasFuncLit := false
	ast.Inspect(e, func(n ast.Node) bool {
		_, ok := n.(*ast.FuncLit)
		hasFuncLit = hasFuncLit || ok
		return !hasFuncLit
	})
	if len(s) <= 48 && !hasFuncLit {
		return s
	}
	if call, ok := ast.Unparen(e).(*ast.CallExpr); ok {
		return types.ExprString(call.Fun) + "(...)"
	}
	return s[:45] + "..."
}

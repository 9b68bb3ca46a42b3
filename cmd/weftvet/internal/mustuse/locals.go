package mustuse

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"
)

// checkLocals reports each local variable that was given a created future or
// handle and none of whose uses handles it (see handles).
func (c *checker) checkLocals(root inspector.Cursor) {
	if len(c.locals) == 0 {
		return
	}
	handled := map[*types.Var]bool{}
	for cur := range root.Preorder((*ast.Ident)(nil)) {
		id := cur.Node().(*ast.Ident)
		v, ok := c.info.Uses[id].(*types.Var)
		if !ok || handled[v] {
			continue
		}
		if _, ok := c.locals[v]; !ok {
			continue
		}
		if c.handles(cur) {
			handled[v] = true
		}
	}
	for _, v := range c.order {
		if handled[v] {
			continue
		}
		cr := c.locals[v]
		what := describe(cr.expr)
		if cr.kind == handleKind {
			c.report(cr.expr.Pos(), "JoinHandle %s from %s is never joined, detached or aborted: %s", v.Name(), what, handleAdvice)
		} else {
			c.report(cr.expr.Pos(), "future %s from %s is never awaited, polled, spawned or stored: %s", v.Name(), what, futureAdvice)
		}
	}
}

// handles reports whether the use of a variable at cur can run, join,
// detach, abort, hand over or store its value. Assigning to the variable,
// assigning it to _, and calling an observer method on it cannot.
func (c *checker) handles(cur inspector.Cursor) bool {
	cur = outsideParens(cur)
	parent := cur.Parent()
	ek, at := cur.ParentEdge()
	switch p := parent.Node().(type) {
	case *ast.AssignStmt:
		if ek == edge.AssignStmt_Lhs {
			return false // the variable is overwritten, not used
		}
		if len(p.Lhs) == len(p.Rhs) {
			if id, ok := ast.Unparen(p.Lhs[at]).(*ast.Ident); ok && id.Name == "_" {
				return false
			}
		}
	case *ast.SelectorExpr:
		return ek != edge.SelectorExpr_X || !c.observerCall(parent, p)
	}
	return true
}

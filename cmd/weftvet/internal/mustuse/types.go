package mustuse

import (
	"go/types"
	"strings"
)

// modulePath is the module whose futures must be used.
const modulePath = "github.com/weftrt/weft"

// futurePkgPath is the package that declares the poll context.
const futurePkgPath = modulePath + "/future"

// kind is what a type is to this analysis.
type kind uint8

const (
	other      kind = iota // not checked
	futureKind             // a weft future: must be awaited, polled, spawned or stored
	handleKind             // a JoinHandle: must be joined, detached or aborted
)

func inModule(path string) bool {
	return path == modulePath || strings.HasPrefix(path, modulePath+"/")
}

// classify says whether t is a weft future, a JoinHandle, or neither. See
// the package comment for the rule.
func classify(t types.Type) kind {
	if t == nil {
		return other
	}
	t = types.Unalias(t)
	named := namedOf(t)
	if named == nil {
		return other
	}
	pkg := named.Obj().Pkg()
	if pkg == nil || !inModule(pkg.Path()) {
		return other
	}
	if !hasPoll(t, pkg) {
		return other
	}
	if hasMethod(t, pkg, "Detach", 0, 0) {
		return handleKind
	}
	return futureKind
}

// namedOf returns the named type of t or of *t, or nil.
func namedOf(t types.Type) *types.Named {
	if p, ok := t.(*types.Pointer); ok {
		t = types.Unalias(p.Elem())
	}
	n, _ := t.(*types.Named)
	return n
}

// lookupMethod finds a method of t, counting pointer methods as a variable of
// type t has them.
func lookupMethod(t types.Type, pkg *types.Package, name string) *types.Signature {
	obj, _, _ := types.LookupFieldOrMethod(t, true, pkg, name)
	fn, ok := obj.(*types.Func)
	if !ok {
		return nil
	}
	return fn.Signature()
}

func hasMethod(t types.Type, pkg *types.Package, name string, params, results int) bool {
	sig := lookupMethod(t, pkg, name)
	return sig != nil && sig.Params().Len() == params && sig.Results().Len() == results
}

// hasPoll reports whether t has Poll(*future.Context) (X, bool).
func hasPoll(t types.Type, pkg *types.Package) bool {
	sig := lookupMethod(t, pkg, "Poll")
	if sig == nil || sig.Params().Len() != 1 || sig.Results().Len() != 2 {
		return false
	}
	if !isFutureContextPtr(sig.Params().At(0).Type()) {
		return false
	}
	b, ok := types.Unalias(sig.Results().At(1).Type()).(*types.Basic)
	return ok && b.Kind() == types.Bool
}

func isFutureContextPtr(t types.Type) bool {
	p, ok := types.Unalias(t).(*types.Pointer)
	if !ok {
		return false
	}
	n, ok := types.Unalias(p.Elem()).(*types.Named)
	if !ok {
		return false
	}
	obj := n.Obj()
	return obj.Name() == "Context" && obj.Pkg() != nil && obj.Pkg().Path() == futurePkgPath
}

// observers are the methods that read or re-arm a future or handle without
// running, joining, detaching or aborting it: calling only these leaves it
// dropped.
var observers = map[string]bool{
	"ID":          true,
	"IsFinished":  true,
	"String":      true,
	"AbortHandle": true,
	"Deadline":    true,
	"IsElapsed":   true,
	"Reset":       true,
}

package weft_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestEveryExportedFutureDescribesItself reads the module's source and checks
// that every exported type with a Poll(*future.Context) method also has a
// Trace method (future.Tracer) or a String method, so that task dumps can say
// what a task waits for. A new future without one fails here.
func TestEveryExportedFutureDescribesItself(t *testing.T) {
	type key struct{ dir, typ string }
	polls := map[key]string{} // future type -> file
	describes := map[key]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "internal", "cmd", "examples", "testdata", ".git":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || len(fd.Recv.List) != 1 {
				continue
			}
			typ := receiverType(fd.Recv.List[0].Type)
			if typ == "" || !ast.IsExported(typ) {
				continue
			}
			k := key{dir, typ}
			switch fd.Name.Name {
			case "Poll":
				if takesContext(fd.Type) {
					polls[k] = path
				}
			case "String", "Trace":
				describes[k] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(polls) < 20 {
		t.Fatalf("found only %d futures; the scan is broken", len(polls))
	}
	var missing []string
	for k, file := range polls {
		if !describes[k] {
			missing = append(missing, k.typ+" ("+file+")")
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("future %s has neither a Trace nor a String method", m)
	}
	t.Logf("%d exported futures, all describe themselves", len(polls))
}

// receiverType returns the name of a method's receiver type: T for T, *T,
// T[A] and *T[A].
func receiverType(e ast.Expr) string {
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	switch x := e.(type) {
	case *ast.IndexExpr:
		e = x.X
	case *ast.IndexListExpr:
		e = x.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// takesContext reports whether a function's first parameter is a
// *future.Context (or *Context inside package future).
func takesContext(ft *ast.FuncType) bool {
	if ft.Params == nil || len(ft.Params.List) == 0 {
		return false
	}
	s, ok := ft.Params.List[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	switch x := s.X.(type) {
	case *ast.SelectorExpr:
		return x.Sel.Name == "Context"
	case *ast.Ident:
		return x.Name == "Context"
	}
	return false
}

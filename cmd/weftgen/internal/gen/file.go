package gen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/types"
	"sort"
	"strconv"
	"strings"
)

// fileEmitter assembles one generated file: the functions' code and the
// imports it needs, each under one name.
type fileEmitter struct {
	g    *pkgGen
	path string
	file *ast.File
	// byPath is the import name chosen for each imported path; byName the
	// reverse. A path the source file imports keeps the source's name, so
	// copied code reads the same.
	byPath   map[string]string
	byName   map[string]string
	used     map[string]bool   // paths the output refers to
	real     map[string]string // each path's package name
	source   map[string]string
	reserved map[string]bool // names an import must not take
	body     bytes.Buffer
}

func newFileEmitter(g *pkgGen, path string, file *ast.File) *fileEmitter {
	fe := &fileEmitter{
		g: g, path: path, file: file,
		byPath: map[string]string{}, byName: map[string]string{},
		used: map[string]bool{}, real: map[string]string{}, source: map[string]string{}, reserved: map[string]bool{},
	}
	for _, name := range g.tpkg.Scope().Names() {
		fe.reserved[name] = true
	}
	// Identifiers of the file's marked functions: an import under one of
	// those names would be shadowed inside the generated code.
	for _, d := range file.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && isMarked(fd) {
			ast.Inspect(fd, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok {
					if _, isPkg := g.info.Uses[id].(*types.PkgName); !isPkg {
						fe.reserved[id.Name] = true
					}
				}
				return true
			})
		}
	}
	for _, im := range file.Imports {
		path, _ := strconv.Unquote(im.Path.Value)
		var name string
		if im.Name != nil {
			name = im.Name.Name
		} else if pn, ok := g.info.Implicits[im].(*types.PkgName); ok {
			name = pn.Name()
		}
		if name == "" || name == "_" || name == "." {
			continue
		}
		if pn, ok := g.info.Defs[im.Name].(*types.PkgName); im.Name != nil && ok {
			fe.real[path] = pn.Imported().Name()
		} else if pn, ok := g.info.Implicits[im].(*types.PkgName); ok {
			fe.real[path] = pn.Imported().Name()
		}
		fe.source[path] = name
		fe.byPath[path] = name
		fe.byName[name] = path
	}
	return fe
}

// importName returns the name under which the output refers to path,
// choosing one (preferably want) the first time.
func (fe *fileEmitter) importName(path, want string) string {
	fe.used[path] = true
	if _, ok := fe.real[path]; !ok {
		fe.real[path] = want
	}
	if n, ok := fe.byPath[path]; ok {
		return n
	}
	name := want
	for i := 2; fe.reserved[name] || fe.byName[name] != ""; i++ {
		name = want + strconv.Itoa(i)
	}
	fe.byPath[path] = name
	fe.byName[name] = path
	return name
}

// usePkgName records that copied code refers to the package pn names.
func (fe *fileEmitter) usePkgName(pn *types.PkgName) {
	fe.used[pn.Imported().Path()] = true
	fe.real[pn.Imported().Path()] = pn.Imported().Name()
	if _, ok := fe.byPath[pn.Imported().Path()]; !ok {
		fe.byPath[pn.Imported().Path()] = pn.Name()
		fe.byName[pn.Name()] = pn.Imported().Path()
	}
}

// qualifier names packages in printed types.
func (fe *fileEmitter) qualifier(p *types.Package) string {
	if p == fe.g.tpkg {
		return ""
	}
	return fe.importName(p.Path(), p.Name())
}

// typeString prints t for the output.
func (fe *fileEmitter) typeString(t types.Type) string {
	return types.TypeString(t, fe.qualifier)
}

func (fe *fileEmitter) future() string  { return fe.importName(futurePath, "future") }
func (fe *fileEmitter) support() string { return fe.importName(supportPath, "weftgen") }

// finish returns the formatted file.
func (fe *fileEmitter) finish() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(Header + "\n\n")
	fmt.Fprintf(&b, "package %s\n\n", fe.g.tpkg.Name())
	var paths []string
	for p := range fe.used {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	if len(paths) > 0 {
		b.WriteString("import (\n")
		// The standard library first, then the others, as goimports does.
		var std, other []string
		for _, p := range paths {
			if strings.Contains(strings.SplitN(p, "/", 2)[0], ".") {
				other = append(other, p)
			} else {
				std = append(std, p)
			}
		}
		for i, group := range [][]string{std, other} {
			if i == 1 && len(std) > 0 && len(other) > 0 {
				b.WriteString("\n")
			}
			for _, p := range group {
				name := fe.byPath[p]
				if name == fe.real[p] {
					fmt.Fprintf(&b, "\t%q\n", p)
				} else {
					fmt.Fprintf(&b, "\t%s %q\n", name, p)
				}
			}
		}
		b.WriteString(")\n\n")
	}
	b.Write(fe.body.Bytes())
	return gofmt(b.Bytes())
}

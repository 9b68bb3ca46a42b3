package gen

import (
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
)

// varKind says where a variable of the marked function came from.
type varKind uint8

const (
	varParam  varKind = iota // a parameter (or the receiver): always a field
	varResult                // a result: a field when the function defers
	varLocal                 // declared by a statement that was flattened
	varTemp                  // made by weftgen (an await's value, a range's state)
)

// hvar is a variable the state machine keeps itself (a field or a local of
// step): the parameters and results, and every variable declared where the
// body was flattened. Variables declared inside a statement that was kept
// whole stay in that statement, as written.
type hvar struct {
	obj   *types.Var
	name  string
	kind  varKind
	typ   types.Type // the variable's type (a boxed one is held as *typ)
	text  string     // the type, printed, for a temporary made without a types.Type
	boxed bool       // captured by a closure or address taken: held as a pointer, new at each declaration
	field bool
	idx   int // liveness index; -1 for variables that are always fields
}

// resultKind is the shape of a marked function's results.
type resultKind uint8

const (
	resNone     resultKind = iota // no result: the future's output is struct{}
	resOne                        // one result T
	resValueErr                   // (T, error): the output is future.Result[T]
)

// compiler compiles one marked function.
type compiler struct {
	m    *marked
	g    *pkgGen
	fe   *fileEmitter
	info *types.Info
	sccs map[*types.Func]int
	decl *ast.FuncDecl
	src  []byte
	base int // file offset of the file's first byte (token.File.Base)

	aObj     *types.Var
	sig      *types.Signature
	res      resultKind
	resT     types.Type // T of resOne and resValueErr
	outType  string     // the future's output type, printed
	hasDefer bool

	reserved map[string]bool
	// Names the generated methods use.
	recv, cx, out, ready, v, ok, next, pcName, defersName, pollingName string

	vars       map[*types.Var]*hvar
	order      []*hvar
	params     []*hvar // in signature order (receiver first); nil entries for unnamed ones
	results    []*hvar // result fields when the function defers
	captured   map[*types.Var]bool
	awaitTemps map[*ast.CallExpr]*hvar
	awaitsIn   map[ast.Node]bool // statements (outside function literals) that contain an await
	branchTo   map[*ast.BranchStmt]ast.Stmt
	flat       map[ast.Stmt]*jumpLabels // flattened break/continue targets
	gotoLabels map[string]bool          // user labels some goto names
	fieldNames map[string]bool
	nameObjs   map[string]map[types.Object]bool // the objects each name of the function refers to
	localNames map[string]bool                  // names taken by kept variables

	instrs   []instr
	awaits   []*awaitInstr
	children []*child
	labelN   int
	retLabel string
}

// jumpLabels are the generated labels of a flattened loop or switch.
type jumpLabels struct{ brk, cont string }

// child is one field holding the future being awaited; awaits of one type
// share it.
type child struct {
	name   string
	typ    types.Type
	text   string // the field's type, printed
	frame  *marked
	ptr    bool   // a frame held by pointer
	iface  bool   // an interface: nil-checked and dropped dynamically
	drops  bool   // its type implements future.Dropper statically
	remote bool   // another package's generated frame
	out    string // a frame's output type, printed
}

func newCompiler(m *marked, fe *fileEmitter, sccs map[*types.Func]int) *compiler {
	g := m.g
	c := &compiler{
		m: m, g: g, fe: fe, info: g.info, sccs: sccs, decl: m.decl,
		vars: map[*types.Var]*hvar{}, captured: map[*types.Var]bool{},
		awaitTemps: map[*ast.CallExpr]*hvar{}, awaitsIn: map[ast.Node]bool{},
		branchTo: map[*ast.BranchStmt]ast.Stmt{}, flat: map[ast.Stmt]*jumpLabels{},
		gotoLabels: map[string]bool{}, reserved: map[string]bool{}, fieldNames: map[string]bool{},
		nameObjs: map[string]map[types.Object]bool{}, localNames: map[string]bool{},
	}
	c.src = g.source(m.path)
	c.base = g.fset.File(m.decl.Pos()).Base()
	return c
}

func (c *compiler) errorf(pos token.Pos, format string, args ...any) {
	c.g.errorf(pos, format, args...)
}

// fresh returns a name not used in the function, nor by the file's imports,
// based on want.
func (c *compiler) fresh(want string) string {
	name := want
	for i := 2; c.reserved[name] || c.fe.byName[name] != ""; i++ {
		name = want + strconv.Itoa(i)
	}
	c.reserved[name] = true
	return name
}

// fieldName returns a field name for a variable, unique in the frame.
func (c *compiler) fieldName(want string) string {
	if want == "_" || want == "" {
		want = "v"
	}
	name := want
	for i := 2; c.fieldNames[name] || methodNames[name]; i++ {
		name = want + strconv.Itoa(i)
	}
	c.fieldNames[name] = true
	return name
}

// methodNames are the generated methods, which no field may be named.
var methodNames = map[string]bool{"Poll": true, "Drop": true, "Trace": true, "step": true, "unwind": true, "dropAt": true, "init": true, "abort": true}

// compile checks and compiles the function, writing its code to the file
// emitter; refusals go to the package's error list.
func (c *compiler) compile() {
	nerr := len(c.g.errs)
	if !c.signature() {
		return
	}
	c.collectNames()
	c.analyze()
	if len(c.g.errs) > nerr {
		return
	}
	c.setup()
	c.lowerBody()
	if len(c.g.errs) > nerr {
		return
	}
	c.liveness()
	c.emit()
}

// signature checks the marked function's signature and records its
// parameter a and its result shape.
func (c *compiler) signature() bool {
	d := c.decl
	if c.m.obj == nil {
		c.errorf(d.Pos(), "weftgen: %s has no type information", d.Name.Name)
		return false
	}
	c.sig = c.m.obj.Type().(*types.Signature)
	if d.Body == nil {
		c.errorf(d.Pos(), "%s is marked %s but has no body", d.Name.Name, Directive)
		return false
	}
	if c.sig.TypeParams().Len() > 0 || c.sig.RecvTypeParams().Len() > 0 {
		c.errorf(d.Pos(), "%s is generic: weftgen does not compile generic functions yet; write a non-generic wrapper and mark it instead", d.Name.Name)
		return false
	}
	ps := c.sig.Params()
	if ps.Len() == 0 || !isWeftA(ps.At(0).Type()) {
		c.errorf(d.Pos(), "%s is marked %s but its first parameter is not a *weft.A: declare it as func %s(a *weft.A, ...)", d.Name.Name, Directive, d.Name.Name)
		return false
	}
	if c.sig.Variadic() && ps.Len() == 1 {
		c.errorf(d.Pos(), "%s: the *weft.A parameter cannot be variadic", d.Name.Name)
		return false
	}
	c.aObj = ps.At(0)
	switch rs := c.sig.Results(); {
	case rs.Len() == 0:
		c.res = resNone
	case rs.Len() == 1:
		c.res, c.resT = resOne, rs.At(0).Type()
	case rs.Len() == 2 && isError(rs.At(1).Type()):
		c.res, c.resT = resValueErr, rs.At(0).Type()
	default:
		c.errorf(d.Pos(), "%s returns %d results: a marked function returns nothing, one value, or (T, error); return a struct instead", d.Name.Name, rs.Len())
		return false
	}
	return true
}

func isWeftA(t types.Type) bool {
	p, ok := t.(*types.Pointer)
	if !ok {
		return false
	}
	n, ok := p.Elem().(*types.Named)
	return ok && n.Obj().Name() == "A" && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == weftPath
}

func isError(t types.Type) bool {
	return types.Identical(t, types.Universe.Lookup("error").Type())
}

// collectNames reserves every identifier of the function, so that generated
// names never capture or shadow the function's own.
func (c *compiler) collectNames() {
	for n := range c.fe.byName {
		c.reserved[n] = true
	}
	ast.Inspect(c.decl, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			c.reserved[n.Name] = true
			obj := c.info.Uses[n]
			if obj == nil {
				obj = c.info.Defs[n]
			}
			if obj != nil {
				if c.nameObjs[n.Name] == nil {
					c.nameObjs[n.Name] = map[types.Object]bool{}
				}
				c.nameObjs[n.Name][obj] = true
			}
		case *ast.BranchStmt:
			if n.Tok == token.GOTO && n.Label != nil {
				c.gotoLabels[n.Label.Name] = true
			}
		}
		return true
	})
}

// setup names the generated methods' variables, the parameters' and
// results' fields.
func (c *compiler) setup() {
	c.recv = c.fresh("f")
	c.cx = c.fresh("cx")
	c.out = c.fresh("out")
	c.ready = c.fresh("ready")
	c.v = c.fresh("v")
	c.ok = c.fresh("ok")
	c.next = c.fresh("next")
	c.retLabel = c.fresh("ret")
	c.pcName = c.fieldName("pc")
	c.pollingName = c.fieldName("polling")
	if c.hasDefer {
		c.defersName = c.fieldName("defers")
	}
	c.outType = c.outTypeOf(c.sig)
	addParam := func(v *types.Var) {
		if v == nil || v.Name() == "" || v.Name() == "_" || !c.used(v) {
			c.params = append(c.params, nil)
			return
		}
		h := &hvar{obj: v, kind: varParam, typ: v.Type(), field: true, idx: -1, boxed: c.captured[v]}
		h.name = c.fieldName(v.Name())
		c.add(h)
		c.params = append(c.params, h)
	}
	if r := c.sig.Recv(); r != nil {
		addParam(r)
	}
	for i := 1; i < c.sig.Params().Len(); i++ {
		addParam(c.sig.Params().At(i))
	}
	rs := c.sig.Results()
	for i := 0; i < rs.Len(); i++ {
		v := rs.At(i)
		named := v.Name() != "" && v.Name() != "_"
		if !c.hasDefer && !named {
			continue
		}
		h := &hvar{obj: v, kind: varResult, typ: v.Type(), idx: -1}
		if c.hasDefer || c.captured[v] {
			// A captured result is boxed, as a captured parameter is: a
			// closure holds the box, which outlives the frame's fields.
			h.field, h.boxed = true, c.captured[v]
			want := v.Name()
			if !named {
				want = "r" + strconv.Itoa(i)
			}
			h.name = c.fieldName(want)
		} else {
			h.name = c.fresh(v.Name())
		}
		c.add(h)
		if c.hasDefer {
			c.results = append(c.results, h)
		}
	}
}

// used reports whether the function's body refers to v.
func (c *compiler) used(v *types.Var) bool {
	found := false
	ast.Inspect(c.decl.Body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && c.info.Uses[id] == v {
			found = true
		}
		return !found
	})
	return found
}

func (c *compiler) add(h *hvar) {
	c.vars[h.obj] = h
	c.order = append(c.order, h)
}

// local registers a variable declared by a flattened statement.
func (c *compiler) local(v *types.Var) *hvar {
	if h, ok := c.vars[v]; ok {
		return h
	}
	h := &hvar{obj: v, kind: varLocal, typ: v.Type(), boxed: c.captured[v]}
	// A variable keeps its name when no other object of the function has
	// it (it cannot then capture or be captured by another reference).
	if n := v.Name(); len(c.nameObjs[n]) == 1 && !c.localNames[n] && c.fe.byName[n] == "" {
		h.name = n
		c.localNames[n] = true
	} else {
		h.name = c.fresh(n)
	}
	c.add(h)
	return h
}

// temp makes a variable of type t for a value the generated code keeps.
func (c *compiler) temp(want string, t types.Type) *hvar {
	v := types.NewVar(token.NoPos, c.g.tpkg, want, t)
	h := &hvar{obj: v, kind: varTemp, typ: t}
	h.name = c.fresh(want)
	c.add(h)
	return h
}

// hoisted returns the variable an identifier refers to when the state
// machine keeps it, or nil.
func (c *compiler) hoisted(id *ast.Ident) *hvar {
	obj := c.info.Uses[id]
	if obj == nil {
		obj = c.info.Defs[id]
	}
	v, ok := obj.(*types.Var)
	if !ok {
		return nil
	}
	return c.vars[v]
}

// ref is how the generated code reads or writes h.
func (c *compiler) ref(h *hvar, override map[*hvar]string) string {
	p := c.ptrRef(h, override)
	if h.boxed {
		return "(*" + p + ")"
	}
	return p
}

// ptrRef is h's storage: the pointer of a boxed variable.
func (c *compiler) ptrRef(h *hvar, override map[*hvar]string) string {
	if n, ok := override[h]; ok {
		return n
	}
	if h.field {
		return c.recv + "." + h.name
	}
	return h.name
}

// label returns a new generated label.
func (c *compiler) label(want string) string {
	c.labelN++
	return c.fresh(want + strconv.Itoa(c.labelN))
}

// text returns the source text between two positions.
func (c *compiler) text(from, to token.Pos) string {
	return string(c.src[int(from)-c.base : int(to)-c.base])
}

// outTypeOf is the output type of the future of a marked function with
// signature sig, printed.
func (c *compiler) outTypeOf(sig *types.Signature) string {
	switch rs := sig.Results(); rs.Len() {
	case 0:
		return "struct{}"
	case 1:
		return c.fe.typeString(rs.At(0).Type())
	default:
		return c.fe.future() + ".Result[" + c.fe.typeString(rs.At(0).Type()) + "]"
	}
}

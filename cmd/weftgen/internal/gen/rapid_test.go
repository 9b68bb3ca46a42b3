package gen

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// The property test: random small marked functions, drawn from a grammar
// of the statements weftgen supports (assignments, awaits, if, for with
// break and continue, switch, defer, closures, panics, recover, early
// returns, calls between marked functions), compiled by weftgen and run
// both ways, as Async bodies and as state machines, polled by hand to the
// end and dropped after every number of polls. Each rapid run batches many
// functions into one package so that it costs one go test build.
//
// The default run is light (a few runs); WEFTGEN_RAPID=N runs N, and the
// test is skipped with -short.

// fnGen draws the source of one function.
type fnGen struct {
	t        *rapid.T
	b        strings.Builder
	vars     []string // int variables in scope
	depth    int
	nvar     int
	loops    int // enclosing loops
	index    int // the function's number (it may call lower ones)
	indent   string
	callable []int // the lower functions it may call
}

func (g *fnGen) line(format string, args ...any) {
	g.b.WriteString(g.indent + fmt.Sprintf(format, args...) + "\n")
}

func (g *fnGen) v() string { return rapid.SampledFrom(g.vars).Draw(g.t, "var") }

// lv returns a variable that may be assigned: not a loop variable, so that
// every loop ends.
func (g *fnGen) lv() string {
	var ok []string
	for _, v := range g.vars {
		if !strings.HasPrefix(v, "i") {
			ok = append(ok, v)
		}
	}
	return rapid.SampledFrom(ok).Draw(g.t, "lvar")
}

func (g *fnGen) expr() string {
	switch rapid.IntRange(0, 5).Draw(g.t, "expr") {
	case 0:
		return strconv.Itoa(rapid.IntRange(-3, 9).Draw(g.t, "const"))
	case 1:
		return g.v()
	case 2:
		return g.v() + " + " + strconv.Itoa(rapid.IntRange(1, 5).Draw(g.t, "add"))
	case 3:
		return "weft.Await(a, env.Next())"
	case 4:
		return g.v() + " * 2"
	default:
		if len(g.callable) > 0 && g.depth < 3 {
			return fmt.Sprintf("F%d(a, env, %s)", rapid.SampledFrom(g.callable).Draw(g.t, "callee"), g.v())
		}
		return g.v()
	}
}

func (g *fnGen) block(n int) {
	saved := len(g.vars)
	g.depth++
	old := g.indent
	g.indent += "\t"
	for range n {
		g.stmt()
	}
	g.indent = old
	g.depth--
	g.vars = g.vars[:saved]
}

func (g *fnGen) stmt() {
	max := 13
	if g.depth > 2 {
		max = 4 // leaves only, deep down
	}
	switch rapid.IntRange(0, max).Draw(g.t, "stmt") {
	case 0, 1:
		g.line("%s = %s", g.lv(), g.expr())
	case 2:
		name := fmt.Sprintf("y%d", g.nvar)
		g.nvar++
		g.line("%s := %s", name, g.expr())
		g.line("%s += %s", g.lv(), name)
		g.vars = append(g.vars, name)
	case 3:
		g.line("env.Log(fmt.Sprint(%q, %s))", fmt.Sprintf("s%d", g.nvar), g.v())
		g.nvar++
	case 4:
		g.line("weft.Await(a, env.Next())")
	case 5:
		g.line("if %s > %d {", g.v(), rapid.IntRange(-2, 8).Draw(g.t, "cmp"))
		g.block(rapid.IntRange(1, 3).Draw(g.t, "n"))
		if rapid.Bool().Draw(g.t, "else") {
			g.line("} else {")
			g.block(rapid.IntRange(1, 3).Draw(g.t, "n"))
		}
		g.line("}")
	case 6:
		i := fmt.Sprintf("i%d", g.nvar)
		g.nvar++
		g.line("for %s := 0; %s < %d; %s++ {", i, i, rapid.IntRange(1, 3).Draw(g.t, "iters"), i)
		g.vars = append(g.vars, i)
		g.loops++
		g.block(rapid.IntRange(1, 3).Draw(g.t, "n"))
		g.loops--
		g.vars = g.vars[:len(g.vars)-1]
		g.line("}")
	case 7:
		if g.loops > 0 {
			word := rapid.SampledFrom([]string{"break", "continue"}).Draw(g.t, "branch")
			g.line("if %s%%2 == 0 {", g.v())
			g.line("\t%s", word)
			g.line("}")
			return
		}
		g.line("if %s > %d {", g.v(), rapid.IntRange(0, 12).Draw(g.t, "cmp"))
		g.line("\treturn %s", g.v())
		g.line("}")
	case 8:
		g.line("switch %s %% 3 {", g.v())
		for _, c := range []string{"case 0:", "case 1:", "default:"} {
			g.line("%s", c)
			g.block(rapid.IntRange(0, 2).Draw(g.t, "n"))
		}
		g.line("}")
	case 9:
		tag := fmt.Sprintf("d%d", g.nvar)
		g.nvar++
		if rapid.Bool().Draw(g.t, "closure") {
			g.line("defer func() { env.Log(fmt.Sprint(%q, %s)) }()", tag, g.v())
		} else {
			g.line("defer env.Log(fmt.Sprint(%q, %s))", tag, g.v())
		}
	case 10:
		g.line("if %s == %d {", g.v(), rapid.IntRange(0, 9).Draw(g.t, "cmp"))
		g.line("\tpanic(%q)", fmt.Sprintf("p%d", g.nvar))
		g.line("}")
		g.nvar++
	case 11:
		g.line("defer func() {")
		g.line("\tif r := recover(); r != nil {")
		g.line("\t\tenv.Log(fmt.Sprint(\"recovered \", r))")
		g.line("\t}")
		g.line("}()")
	case 12:
		f := fmt.Sprintf("c%d", g.nvar)
		g.nvar++
		g.line("%s := func() int { %s++; return %s }", f, g.lv(), g.v())
		g.line("%s = %s()", g.lv(), f)
	default:
		g.line("%s = %s + %s", g.lv(), g.expr(), g.expr())
	}
}

// drawFunc returns the source of function F<index>, which may call the
// callable ones.
func drawFunc(t *rapid.T, index int, callable []int) string {
	g := &fnGen{t: t, vars: []string{"p", "x"}, index: index, indent: "\t", callable: callable}
	g.b.WriteString(fmt.Sprintf("//weft:async\nfunc F%d(a *weft.A, env *Env, p int) int {\n\tx := 0\n", index))
	for range rapid.IntRange(1, 6).Draw(t, "stmts") {
		g.stmt()
	}
	g.b.WriteString("\treturn p + x\n}\n\n")
	return g.b.String()
}

const rapidEnv = `package rapidpkg

import (
	"fmt"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

var _ = fmt.Sprint
var _ *weft.A

// Env gives awaited values (each pending once) and logs side effects.
type Env struct {
	i    int
	Logs []string
}

func (e *Env) Log(s string) { e.Logs = append(e.Logs, s) }

func (e *Env) Next() *Step {
	e.i++
	return &Step{v: e.i * 7 % 11}
}

type Step struct{ v, polls int }

func (s *Step) Poll(cx *future.Context) (int, bool) {
	s.polls++
	if s.polls == 1 {
		return 0, false
	}
	return s.v, true
}
`

const rapidTest = `package rapidpkg

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/task"
)

type outcome struct {
	Out   int
	Panic string
	Logs  []string
	Polls int
}

func drive(f future.Future[int], env *Env, limit int) (o outcome) {
	cx := future.NewContext(future.Noop())
	futurecx.SetTaskID(cx, 1)
	defer func() {
		if r := recover(); r != nil {
			func() {
				defer func() { _ = recover() }()
				future.Drop(f)
			}()
			if sp, ok := r.(*task.StackedPanic); ok {
				r = sp.Value
			}
			o.Panic = fmt.Sprint(r)
		}
		o.Logs = env.Logs
	}()
	for limit < 0 || o.Polls < limit {
		o.Polls++
		if v, ok := f.Poll(cx); ok {
			future.Drop(f)
			o.Out = v
			return o
		}
	}
	future.Drop(f)
	return o
}

func TestBothWays(t *testing.T) {
	for i, c := range cases {
		for _, p := range []int{0, 1, 4, 9} {
			run := func(gen bool, limit int) outcome {
				env := &Env{}
				var f future.Future[int]
				if gen {
					f = c.gen(env, p)
				} else {
					f = weft.Async(func(a *weft.A) int { return c.body(a, env, p) })
				}
				return drive(f, env, limit)
			}
			want, got := run(false, -1), run(true, -1)
			if !reflect.DeepEqual(want, got) {
				t.Fatalf("F%d(p=%d) differs:\nAsync:     %+v\ngenerated: %+v", i, p, want, got)
			}
			for k := 0; k < want.Polls; k++ {
				w, g := run(false, k), run(true, k)
				if !reflect.DeepEqual(w, g) {
					t.Fatalf("F%d(p=%d) dropped after %d polls differs:\nAsync:     %+v\ngenerated: %+v", i, p, k, w, g)
				}
			}
		}
	}
}
`

func TestRapidBothWays(t *testing.T) {
	if testing.Short() {
		t.Skip("builds generated packages")
	}
	runs := 3
	if s := os.Getenv("WEFTGEN_RAPID"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("WEFTGEN_RAPID=%q: %v", s, err)
		}
		runs = n
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	// Each check builds a package: far fewer than rapid's default 100,
	// and no fail files in the source tree.
	for name, v := range map[string]string{"rapid.checks": strconv.Itoa(runs), "rapid.nofailfile": "true"} {
		if f := flag.Lookup(name); f != nil {
			old := f.Value.String()
			if err := f.Value.Set(v); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = f.Value.Set(old) }()
		}
	}
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(4, 12).Draw(rt, "funcs")
		var src strings.Builder
		src.WriteString("package rapidpkg\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/weftrt/weft\"\n)\n\n")
		var table strings.Builder
		table.WriteString("package rapidpkg\n\nimport (\n\t\"github.com/weftrt/weft\"\n\t\"github.com/weftrt/weft/future\"\n)\n\n")
		table.WriteString("var cases = []struct {\n\tbody func(a *weft.A, env *Env, p int) int\n\tgen  func(env *Env, p int) future.Future[int]\n}{\n")
		var callable []int
		for i := range n {
			src.WriteString(drawFunc(rt, i, callable))
			callable = append(callable, i)
			fmt.Fprintf(&table, "\t{F%d, func(e *Env, p int) future.Future[int] { return F%dFuture(e, p) }},\n", i, i)
		}
		table.WriteString("}\n")
		dir, err := os.MkdirTemp("testdata", "rapid")
		if err != nil {
			rt.Fatal(err)
		}
		defer os.RemoveAll(dir)
		for name, content := range map[string]string{
			"env.go": rapidEnv, "funcs.go": src.String(), "cases_test.go": table.String(), "both_test.go": rapidTest,
		} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				rt.Fatal(err)
			}
		}
		res, err := Generate(".", []string{"./" + filepath.ToSlash(dir)})
		if err != nil {
			rt.Fatalf("weftgen refused a supported function: %v\n%s", err, src.String())
		}
		for _, f := range res.Files {
			if err := os.WriteFile(f.Path, f.Content, 0o644); err != nil {
				rt.Fatal(err)
			}
		}
		// A function that never ends (none should) fails instead of hanging.
		out, err := exec.Command(goTool, "test", "-count=1", "-timeout=60s", "./"+filepath.ToSlash(dir)).CombinedOutput()
		if err != nil {
			gen := ""
			for _, f := range res.Files {
				gen += string(f.Content)
			}
			rt.Fatalf("%s\nsource:\n%s\ngenerated:\n%s", out, src.String(), gen)
		}
	})
}

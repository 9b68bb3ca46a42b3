package weft_test

import (
	"os/exec"
	"strings"
	"testing"
)

// moduleDeps returns, for every package of the module (test variants
// included), its import path and its dependencies, as the go command
// reports them.
func moduleDeps(t *testing.T) [][2]string {
	t.Helper()
	// go test puts its own GOROOT/bin first on the test's PATH.
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(goTool, "list", "-test", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	var pkgs [][2]string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, " ")
		pkgs = append(pkgs, [2]string{pkg, deps})
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list listed only %d packages:\n%s", len(pkgs), out)
	}
	return pkgs
}

// TestOnlyDebugPrometheusDependsOnPrometheus keeps the Prometheus client out
// of every package but debug/prometheus (and its tests): programs that use
// weft without that package must not link it.
func TestOnlyDebugPrometheusDependsOnPrometheus(t *testing.T) {
	const allowed = "github.com/weftrt/weft/debug/prometheus"
	for _, p := range moduleDeps(t) {
		pkg, deps := p[0], p[1]
		if strings.HasPrefix(pkg, allowed) {
			continue
		}
		for _, d := range strings.Fields(deps) {
			if strings.HasPrefix(d, "github.com/prometheus/") || strings.HasPrefix(d, allowed) {
				t.Errorf("%s depends on %s: only %s may use the Prometheus client", pkg, d, allowed)
				break
			}
		}
	}
}

// TestOnlyCommandsDependOnXTools keeps golang.org/x/tools (weftgen's
// loader) out of the runtime: only packages under cmd/ may depend on it, so
// that a program using weft, or the code weftgen generates, never links it.
func TestOnlyCommandsDependOnXTools(t *testing.T) {
	const cmd = "github.com/weftrt/weft/cmd/"
	for _, p := range moduleDeps(t) {
		pkg, deps := p[0], p[1]
		if strings.HasPrefix(pkg, cmd) {
			continue
		}
		for _, d := range strings.Fields(deps) {
			if strings.HasPrefix(d, "golang.org/x/tools/") || strings.HasPrefix(d, cmd) {
				t.Errorf("%s depends on %s: only the commands under cmd/ may", pkg, d)
				break
			}
		}
	}
}

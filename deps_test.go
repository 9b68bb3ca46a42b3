package weft_test

import (
	"os/exec"
	"strings"
	"sync"
	"testing"
)

var (
	depsOnce sync.Once
	depsOut  []byte
	depsErr  error
)

// moduleDeps returns, for every package of the module (test variants
// included), its import path and its dependencies, asking the go command
// once per test binary.
func moduleDeps(t *testing.T) map[string][]string {
	t.Helper()
	depsOnce.Do(func() {
		// go test puts its own GOROOT/bin first on the test's PATH.
		goTool, err := exec.LookPath("go")
		if err != nil {
			depsErr = err
			return
		}
		depsOut, depsErr = exec.Command(goTool, "list", "-test", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", "./...").CombinedOutput()
	})
	if depsErr != nil {
		t.Fatalf("go list: %v\n%s", depsErr, depsOut)
	}
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(depsOut)), "\n") {
		pkg, rest, _ := strings.Cut(line, " ")
		deps[pkg] = strings.Fields(rest)
	}
	if len(deps) < 10 {
		t.Fatalf("go list found only %d packages:\n%s", len(deps), depsOut)
	}
	return deps
}

// checkOnlyDependOn fails for every package of the module outside the
// allowed prefix that depends on a package under forbidden.
func checkOnlyDependOn(t *testing.T, forbidden, allowed string) {
	t.Helper()
	for pkg, deps := range moduleDeps(t) {
		if strings.HasPrefix(pkg, allowed) {
			continue
		}
		for _, d := range deps {
			if strings.HasPrefix(d, forbidden) || strings.HasPrefix(d, allowed) {
				t.Errorf("%s depends on %s: only %s may use %s", pkg, d, allowed, forbidden)
				break
			}
		}
	}
}

// TestOnlyDebugPrometheusDependsOnPrometheus keeps the Prometheus client out
// of every package but debug/prometheus (and its tests): programs that use
// weft without that package must not link it.
func TestOnlyDebugPrometheusDependsOnPrometheus(t *testing.T) {
	checkOnlyDependOn(t, "github.com/prometheus/", "github.com/weftrt/weft/debug/prometheus")
}

// TestOnlyCommandsDependOnXTools keeps golang.org/x/tools (weftvet's
// analysis framework, weftgen's loader) out of the library: only the
// commands under cmd/ may import it, so that a program using weft, or the
// code weftgen generates, never builds it.
func TestOnlyCommandsDependOnXTools(t *testing.T) {
	checkOnlyDependOn(t, "golang.org/x/tools", "github.com/weftrt/weft/cmd/")
}

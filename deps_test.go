package weft_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestOnlyDebugPrometheusDependsOnPrometheus keeps the Prometheus client out
// of every package but debug/prometheus (and its tests): programs that use
// weft without that package must not link it. It asks the go command for
// the dependencies of every package of the module, test variants included.
func TestOnlyDebugPrometheusDependsOnPrometheus(t *testing.T) {
	// go test puts its own GOROOT/bin first on the test's PATH.
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(goTool, "list", "-test", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	const allowed = "github.com/weftrt/weft/debug/prometheus"
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, " ")
		if strings.HasPrefix(pkg, allowed) {
			continue
		}
		checked++
		for _, d := range strings.Fields(deps) {
			if strings.HasPrefix(d, "github.com/prometheus/") || strings.HasPrefix(d, allowed) {
				t.Errorf("%s depends on %s: only %s may use the Prometheus client", pkg, d, allowed)
				break
			}
		}
	}
	if checked < 10 {
		t.Fatalf("checked only %d packages; go list output:\n%s", checked, out)
	}
}

// TestOnlyCommandsDependOnXTools keeps golang.org/x/tools (weftgen's
// loader) out of the runtime: only packages under cmd/ may depend on it, so
// that a program using weft, or the code weftgen generates, never links it.
func TestOnlyCommandsDependOnXTools(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(goTool, "list", "-test", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", "./...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	const cmd = "github.com/weftrt/weft/cmd/"
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, deps, _ := strings.Cut(line, " ")
		if strings.HasPrefix(pkg, cmd) {
			continue
		}
		checked++
		for _, d := range strings.Fields(deps) {
			if strings.HasPrefix(d, "golang.org/x/tools/") || strings.HasPrefix(d, cmd) {
				t.Errorf("%s depends on %s: only the commands under cmd/ may", pkg, d)
				break
			}
		}
	}
	if checked < 10 {
		t.Fatalf("checked only %d packages; go list output:\n%s", checked, out)
	}
}

package main_test

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// realapi is a package with findings: weft's real API, dropped.
const realapi = "./internal/mustuse/testdata/realapi"

// build builds weftvet into a temporary directory and returns its path and
// the go command.
func build(t *testing.T) (bin, goTool string) {
	t.Helper()
	goTool, err := exec.LookPath("go") // go test puts its GOROOT/bin first on PATH
	if err != nil {
		t.Fatal(err)
	}
	bin = filepath.Join(t.TempDir(), "weftvet")
	if out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin, goTool
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return ee.ExitCode()
}

// wantFindings checks that out has realapi's first finding with its
// file:line.
func wantFindings(t *testing.T, how, out string) {
	t.Helper()
	for _, want := range []string{
		"realapi.go:16:2: m.Lock() creates a future (*weft.MutexLockFuture[int]) that is dropped as a statement",
		"realapi.go:20:2: weft.Spawn(rt, future.Ready(1)) returns a JoinHandle that is dropped as a statement",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("%s: output lacks %q:\n%s", how, want, out)
		}
	}
}

// TestStandaloneExitsNonZeroOnFindings runs weftvet as `weftvet PACKAGES`:
// findings come with file:line and exit status 3; a clean package gives 0.
func TestStandaloneExitsNonZeroOnFindings(t *testing.T) {
	bin, _ := build(t)
	out, err := exec.Command(bin, realapi).CombinedOutput()
	if code := exitCode(t, err); code != 3 {
		t.Errorf("exit status %d on findings, want 3\n%s", code, out)
	}
	wantFindings(t, "weftvet", string(out))
	out, err = exec.Command(bin, ".").CombinedOutput()
	if code := exitCode(t, err); code != 0 {
		t.Errorf("exit status %d on a clean package, want 0\n%s", code, out)
	}
}

// TestGoVetVettoolExitsNonZeroOnFindings runs weftvet the other way, as
// `go vet -vettool=weftvet PACKAGES` (the unitchecker protocol).
func TestGoVetVettoolExitsNonZeroOnFindings(t *testing.T) {
	bin, goTool := build(t)
	out, err := exec.Command(goTool, "vet", "-vettool="+bin, realapi).CombinedOutput()
	if code := exitCode(t, err); code == 0 {
		t.Errorf("go vet -vettool exited 0 on findings\n%s", out)
	}
	wantFindings(t, "go vet -vettool", string(out))
	out, err = exec.Command(goTool, "vet", "-vettool="+bin, ".").CombinedOutput()
	if code := exitCode(t, err); code != 0 {
		t.Errorf("go vet -vettool: exit status %d on a clean package, want 0\n%s", code, out)
	}
}

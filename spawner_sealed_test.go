package weft_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSpawnerIsSealed builds two small programs in a module of their own
// that requires weft (replaced by this checkout), as a user's code would:
// one passes weft's own spawners and must build, the other declares a type
// with an Executor method of its own and must fail to compile at the
// assignment to weft.Spawner. Without the seal (Executor() any) the second
// one would build and panic at its first spawn.
func TestSpawnerIsSealed(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go tool")
	}
	// go test puts its own toolchain's bin first in the PATH it gives tests.
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go tool: %v", err)
	}
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	build := func(src string) (string, error) {
		dir := t.TempDir()
		mod := "module example.com/user\n\ngo 1.26.0\n\nrequire github.com/weftrt/weft v0.0.0\n\n" +
			"replace github.com/weftrt/weft => " + root + "\n"
		for name, body := range map[string]string{"go.mod": mod, "go.sum": string(sum), "main.go": src} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command(goTool, "build", "-mod=mod", "-o", os.DevNull, ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=", "GOPROXY=off", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	const good = `package main

import (
	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

var (
	_ weft.Spawner = (*weft.Runtime)(nil)
	_ weft.Spawner = (*weft.Handle)(nil)
	_ weft.Spawner = (*weft.LocalSet)(nil)
	_ weft.Spawner = (*future.Context)(nil)
	_ weft.Spawner = struct{ *weft.Handle }{} // embedding a spawner is one
)

func main() {}
`
	if out, err := build(good); err != nil {
		t.Fatalf("weft's own spawners do not build in a user's module: %v\n%s", err, out)
	}

	const bad = `package main

import "github.com/weftrt/weft"

type fakeSpawner struct{}

func (fakeSpawner) Executor() any { return nil }

var _ weft.Spawner = fakeSpawner{}

func main() {}
`
	out, err := build(bad)
	if err == nil {
		t.Fatal("a type with its own Executor() any method compiled as a weft.Spawner")
	}
	if !strings.Contains(out, "does not implement weft.Spawner") {
		t.Fatalf("the wrong spawner failed to build, but not at the Spawner assignment:\n%s", out)
	}
}

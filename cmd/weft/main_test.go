package main

import (
	"bytes"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// signalLoop is the goroutine os/signal starts, for the life of the process,
// at the first signal.Notify (runDemoIO listens for Ctrl-C): not a leak.
var signalLoop = goleak.IgnoreTopFunction("os/signal.signal_recv")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m, signalLoop) }

func runArgs(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return code, o.String(), e.String()
}

func TestNoArgumentsPrintsUsageAndFails(t *testing.T) {
	code, out, errOut := runArgs()
	if code != 2 || out != "" {
		t.Fatalf("exit %d, stdout %q; want 2 and nothing", code, out)
	}
	for _, name := range []string{"Usage:", "bench", "demo"} {
		if !strings.Contains(errOut, name) {
			t.Errorf("usage lacks %q:\n%s", name, errOut)
		}
	}
}

func TestHelpPrintsUsage(t *testing.T) {
	for _, arg := range []string{"-h", "help"} {
		code, out, _ := runArgs(arg)
		if code != 0 || !strings.Contains(out, "weft <command>") {
			t.Errorf("weft %s: exit %d, stdout %q", arg, code, out)
		}
	}
}

func TestUnknownCommandFails(t *testing.T) {
	code, _, errOut := runArgs("frobnicate")
	if code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

func TestRegisterRejectsDuplicates(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("registering bench twice did not panic")
		}
	}()
	register(&command{name: "bench"})
}

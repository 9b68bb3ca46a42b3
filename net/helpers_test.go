//go:build linux

package net_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/net"
	"github.com/weftrt/weft/task"
)

// openFDs counts the process's open file descriptors.
func openFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(ents)
}

// checkFDs fails the test if it ends with more open fds than it started
// with. Call it before creating the runtime, so that the runtime's Close (a
// later cleanup) runs first.
func checkFDs(t *testing.T) {
	t.Helper()
	before := openFDs(t)
	t.Cleanup(func() {
		if after := openFDs(t); after > before {
			t.Errorf("fd leak: %d open fds before the test, %d after", before, after)
		}
	})
}

// newRT is a runtime closed at the end of the test, after which every fd
// the test opened must be closed again.
func newRT(t *testing.T, opts ...weft.Option) *weft.Runtime {
	t.Helper()
	checkFDs(t)
	return rttest.NewRuntime(t, opts...)
}

// run runs body as a task and waits for its output.
func run[T any](t *testing.T, rt *weft.Runtime, body func(a *weft.A) T) T {
	t.Helper()
	h := weft.Spawn(rt, weft.Async(body))
	return join(t, rt, h)
}

// join waits for h and fails the test on an error.
func join[T any](t *testing.T, rt *weft.Runtime, h *task.JoinHandle[T]) T {
	t.Helper()
	vals := rttest.MustSucceed(t, rt, []*task.JoinHandle[T]{h})
	return vals[0]
}

// check fails the test with the error a task body returned.
func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// listen opens a loopback listener on rt and returns it with its address.
func listen(t *testing.T, rt *weft.Runtime) (*net.TCPListener, string) {
	t.Helper()
	l, err := net.ListenTCP(rt, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	a, err := l.LocalAddr()
	if err != nil {
		t.Fatal(err)
	}
	return l, a.String()
}

// patience bounds test waits; reaching it is a failure (a lost wake-up).
func patience() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), time.Minute)
}

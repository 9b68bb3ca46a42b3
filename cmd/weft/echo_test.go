//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	stdnet "net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// listeningLine is the server contract of the I/O benchmarks: exactly this
// on the first stdout line.
var listeningLine = regexp.MustCompile(`^listening (\d+\.\d+\.\d+\.\d+:\d+)$`)

// openFDs counts the process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(ents)
}

// readListening reads the first line of a server's stdout and returns the
// address in it; anything else fails the test.
func readListening(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("no first line on stdout: %v (read %q)", err, line)
	}
	m := listeningLine.FindStringSubmatch(strings.TrimSuffix(line, "\n"))
	if m == nil {
		t.Fatalf("first stdout line %q, want \"listening IP:PORT\"", line)
	}
	return m[1]
}

// echoOver opens conns connections to addr at once and, on each, writes
// messages of growing size (the last larger than a socket buffer, so that
// the server meets a full send buffer) and reads each echo back whole.
func echoOver(t *testing.T, addr string, conns int) {
	t.Helper()
	cs := make([]stdnet.Conn, conns)
	for i := range cs {
		c, err := stdnet.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		cs[i] = c
	}
	for _, size := range []int{1, 64, 4096, 1 << 20} {
		for i, c := range cs {
			msg := bytes.Repeat([]byte{byte('a' + i%26)}, size)
			errc := make(chan error, 1)
			go func() { // the writer, so that a large message cannot deadlock on full buffers
				_, err := c.Write(msg)
				errc <- err
			}()
			got := make([]byte, size)
			if err := c.SetReadDeadline(time.Now().Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(c, got); err != nil {
				t.Fatalf("connection %d, %d bytes: reading the echo: %v", i, size, err)
			}
			if err := <-errc; err != nil {
				t.Fatalf("connection %d, %d bytes: writing: %v", i, size, err)
			}
			if !bytes.Equal(got, msg) {
				t.Fatalf("connection %d: the echo of %d bytes differs from what was sent", i, size)
			}
		}
	}
	// One connection closes its writing side: the server sees EOF, closes
	// the connection, and the client reads EOF.
	c := cs[0].(*stdnet.TCPConn)
	if err := c.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if n, err := c.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("after CloseWrite: read %d bytes, %v; want EOF from the server's close", n, err)
	}
}

// TestEchoServesUntilCancelled runs weft echo in this process: it prints the
// contract line, echoes over several connections at once (including a
// message larger than the socket buffers), and returns 0 once its context
// ends, leaving no goroutine (TestMain) and no fd behind.
func TestEchoServesUntilCancelled(t *testing.T) {
	before := openFDs(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		code := serveEcho(ctx, echoConfig{addr: "127.0.0.1:0", workers: 2, stats: true}, outW, &stderr)
		outW.Close()
		done <- code
	}()
	out := bufio.NewReader(outR)
	addr := readListening(t, out)
	echoOver(t, addr, 4)

	// An idle connection left open must not keep the server from stopping.
	idle, err := stdnet.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit code %d after cancel, want 0; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("weft echo did not return within a minute of its context ending")
	}
	if rest, _ := io.ReadAll(out); len(rest) != 0 {
		t.Errorf("stdout has more than the listening line: %q", rest)
	}
	if !strings.Contains(stderr.String(), "epoll waits") {
		t.Errorf("-stats printed no I/O counters; stderr:\n%s", stderr.String())
	}
	// The server closed the idle connection when its task was cancelled.
	idle.SetReadDeadline(time.Now().Add(time.Minute))
	if n, err := idle.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Errorf("idle connection after the server stopped: read %d bytes, %v; want EOF or a reset", n, err)
	}
	idle.Close()
	if after := openFDs(t); after > before {
		t.Errorf("fd leak: %d open fds before, %d after", before, after)
	}
}

// echoChildEnv makes the test binary run `weft echo` instead of its tests
// (TestEchoStopsOnSIGTERM's child).
const echoChildEnv = "WEFT_TEST_ECHO_CHILD"

// TestEchoChild is the child process of TestEchoStopsOnSIGTERM: it runs the
// weft echo command as main would, and exits with its code.
func TestEchoChild(t *testing.T) {
	if os.Getenv(echoChildEnv) != "1" {
		t.Skip("the child process of TestEchoStopsOnSIGTERM")
	}
	os.Exit(run([]string{"echo", "-addr", "127.0.0.1:0", "-workers", "2"}, os.Stdout, os.Stderr))
}

// TestEchoStopsOnSIGTERM runs weft echo as a process of its own, as the
// benchmark script does: it echoes, and a SIGTERM makes it exit 0 with
// nothing on stdout but the listening line.
func TestEchoStopsOnSIGTERM(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestEchoChild$")
	cmd.Env = append(os.Environ(), echoChildEnv+"=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := false
	defer func() {
		if !exited {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	out := bufio.NewReader(stdout)
	addr := readListening(t, out)
	echoOver(t, addr, 3)
	idle, err := stdnet.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rest := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(out)
		rest <- b
	}()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err := <-waited:
		exited = true
		if err != nil {
			t.Fatalf("weft echo after SIGTERM: %v, want exit code 0; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(time.Minute):
		t.Fatalf("weft echo did not exit within a minute of SIGTERM; stderr:\n%s", stderr.String())
	}
	if b := <-rest; len(b) != 0 {
		t.Errorf("stdout has more than the listening line: %q", b)
	}
}

func TestEchoRejectsBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"-h"}, 0},
		{[]string{"-workers", "0"}, 2},
		{[]string{"-addr"}, 2},
		{[]string{"extra"}, 2},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, stdout, stderr := runArgs(append([]string{"echo"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing (diagnostics go to stderr)", stdout)
			}
			if !strings.Contains(stderr, "weft echo") && !strings.Contains(stderr, "Usage") {
				t.Errorf("stderr %q says nothing about the command", stderr)
			}
		})
	}
}

// An address that cannot be listened on is an error on stderr and exit
// code 1, not a hang.
func TestEchoReportsListenErrors(t *testing.T) {
	l, err := stdnet.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var stdout, stderr bytes.Buffer
	code := serveEcho(context.Background(), echoConfig{addr: l.Addr().String(), workers: 1}, &stdout, &stderr)
	if code != 1 || stdout.Len() != 0 || !strings.Contains(stderr.String(), "address already in use") {
		t.Fatalf("echo on a taken address: exit %d, stdout %q, stderr %q; want 1 and the bind error", code, stdout.String(), stderr.String())
	}
}

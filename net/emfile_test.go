//go:build linux

package net_test

import (
	"errors"
	"fmt"
	"io"
	stdnet "net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/net"
	"golang.org/x/sys/unix"
)

// emfileChildEnv makes the test binary run TestAcceptEMFILEChild for real:
// it lowers its own RLIMIT_NOFILE, which the parent must not do to itself.
const emfileChildEnv = "WEFT_TEST_EMFILE_CHILD"

// TestAcceptEMFILE checks that an Accept that meets the descriptor limit
// fails with a clear error (EMFILE, naming accept) instead of hanging or
// spinning, and that the listener keeps working once descriptors are free
// again: the queued connection is accepted and served. The test runs in a
// child process so that the limit it lowers is not this process's.
func TestAcceptEMFILE(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestAcceptEMFILEChild$", "-test.v")
	cmd.Env = append(os.Environ(), emfileChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestAcceptEMFILEChild") {
		t.Fatalf("child process: %v\n%s", err, out)
	}
}

// TestAcceptEMFILEChild is TestAcceptEMFILE's child process.
func TestAcceptEMFILEChild(t *testing.T) {
	if os.Getenv(emfileChildEnv) != "1" {
		t.Skip("runs as the child process of TestAcceptEMFILE")
	}
	rt := newRT(t, weft.WithWorkers(2))
	l, addr := listen(t, rt)

	// Two connections wait in the listen queue; their client ends are
	// this process's descriptors, opened before the limit goes down.
	clients := make([]stdnet.Conn, 2)
	for i := range clients {
		c, err := stdnet.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients[i] = c
	}
	// A spare descriptor to free later, then the limit: the lowest free
	// descriptor number, so that no new descriptor can be made at all.
	spare, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	spareClosed := false
	defer func() {
		if !spareClosed {
			unix.Close(spare)
		}
	}()
	probe, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(probe)
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	low := lim
	low.Cur = uint64(probe)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	restore := func() {
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
			t.Error(err)
		}
	}
	defer restore()

	isEMFILE := func(err error) error {
		if !errors.Is(err, syscall.EMFILE) || !strings.Contains(err.Error(), "accept") {
			return fmt.Errorf("accept at the descriptor limit: %v; want EMFILE from accept", err)
		}
		return nil
	}
	check(t, run(t, rt, func(a *weft.A) error {
		acc := l.Accept()
		// At the limit: a clear error, at once.
		if err := isEMFILE(weft.Await(a, acc).Err); err != nil {
			return err
		}
		// Still at the limit: the listener reports it again rather than
		// losing the queued connection or waiting for a new event.
		acc.Reset()
		if err := isEMFILE(weft.Await(a, acc).Err); err != nil {
			return err
		}
		// One descriptor free: the first queued connection is accepted
		// and served.
		unix.Close(spare)
		spareClosed = true
		acc.Reset()
		s, err := weft.Await(a, acc).Get()
		if err != nil {
			return fmt.Errorf("accept after a descriptor was freed: %v", err)
		}
		if err := echoOnce(a, s, clients[0], "first"); err != nil {
			return err
		}
		// The accepted connection used the freed descriptor: the limit
		// holds again, until the connection is closed.
		acc.Reset()
		if err := isEMFILE(weft.Await(a, acc).Err); err != nil {
			return err
		}
		s.Close()
		acc.Reset()
		s, err = weft.Await(a, acc).Get()
		if err != nil {
			return fmt.Errorf("accept after the first connection closed: %v", err)
		}
		defer s.Close()
		return echoOnce(a, s, clients[1], "second")
	}))
	restore()
}

// echoOnce has client write msg, reads it on the server side s, writes it
// back and checks that the client reads it.
func echoOnce(a *weft.A, s *net.TCPStream, client stdnet.Conn, msg string) error {
	if _, err := client.Write([]byte(msg)); err != nil {
		return err
	}
	buf := make([]byte, len(msg))
	if _, err := weft.Await(a, s.ReadFull(buf)).Get(); err != nil {
		return fmt.Errorf("server read: %v", err)
	}
	if err := weft.Await(a, s.WriteAll(buf)); err != nil {
		return fmt.Errorf("server write: %v", err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(client, got); err != nil || string(got) != msg {
		return fmt.Errorf("client read %q, %v; want %q", got, err, msg)
	}
	return nil
}

package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestEchoesUntilCancelled starts the server on a free port, reads the
// address from its announcement, checks that split writes come back whole
// and in order on two connections at once, and that cancelling the context
// closes the open connections and returns.
func TestEchoesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- serve(ctx, "127.0.0.1:0", pw) }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if !ok {
		t.Fatalf("announcement %q", line)
	}
	var conns []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		msg := strings.Repeat(string(rune('a'+i)), 10_000)
		go func() {
			for j := 0; j < len(msg); j += 1000 {
				if _, err := c.Write([]byte(msg[j : j+1000])); err != nil {
					return
				}
			}
		}()
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(c, got); err != nil {
			t.Fatal(err)
		}
		if string(got) != msg {
			t.Fatalf("connection %d: echo differs", i)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	for _, c := range conns {
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Error("connection still open after the server stopped")
		}
		c.Close()
	}
}

package net_test

import (
	stdnet "net"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// Start the standard library's poller once, before any fd count: it
	// keeps its epoll fd and eventfd for the life of the process.
	if l, err := stdnet.Listen("tcp", "127.0.0.1:0"); err == nil {
		l.Close()
	}
	goleak.VerifyTestMain(m)
}

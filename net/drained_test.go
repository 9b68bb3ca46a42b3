//go:build linux

package net_test

import (
	"fmt"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/net"
)

// TestShortReadClearsReadiness: a read that returns fewer bytes than asked
// emptied the socket, so it clears READABLE itself (the next TryRead reports
// ErrWouldBlock without a system call), and data that arrives afterwards
// still wakes the reader.
func TestShortReadClearsReadiness(t *testing.T) {
	rt := newRT(t, weft.WithWorkers(1))
	c, s := pair(t, rt)
	check(t, run(t, rt, func(a *weft.A) error {
		buf := make([]byte, 64)
		// A new socket is assumed readable: the first read finds
		// EAGAIN and clears the bit, so that Readable below waits for
		// the event of the data.
		if _, err := s.TryRead(buf); err != net.ErrWouldBlock {
			return fmt.Errorf("TryRead of an empty socket: %v", err)
		}
		for _, msg := range []string{"hello", "world"} {
			if err := weft.Await(a, c.WriteAll([]byte(msg))); err != nil {
				return err
			}
			if err := weft.Await(a, s.Readable()); err != nil {
				return err
			}
			n, err := s.TryRead(buf)
			if err != nil || string(buf[:n]) != msg {
				return fmt.Errorf("TryRead after Readable: %q, %v; want %q", buf[:n], err, msg)
			}
			if r := net.Readiness(s); r.IsReadable() {
				return fmt.Errorf("after a short read the word is %v; want READABLE cleared", r)
			}
			if _, err := s.TryRead(buf); err != net.ErrWouldBlock {
				return fmt.Errorf("TryRead after a short read: %v; want ErrWouldBlock", err)
			}
		}
		return nil
	}))
}

//go:build linux

package net_test

import (
	"errors"
	"fmt"
	stdnet "net"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/net"
)

// TestUDPSendRecv sends datagrams between two weft UDP sockets.
func TestUDPSendRecv(t *testing.T) {
	rttest.Flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRT(t, opts...)
		a, err := net.ListenUDP(rt, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		b, err := net.ListenUDP(rt, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		ba, _ := b.LocalAddr()
		aa, _ := a.LocalAddr()
		to := ba.(*stdnet.UDPAddr).AddrPort()
		check(t, run(t, rt, func(x *weft.A) error {
			recv := b.RecvFrom(make([]byte, 64))
			for i := range 10 {
				msg := fmt.Sprint("datagram ", i)
				if _, err := weft.Await(x, a.SendTo([]byte(msg), to)).Get(); err != nil {
					return err
				}
				d := weft.Await(x, recv)
				if d.Err != nil {
					return d.Err
				}
				if d.From != aa.(*stdnet.UDPAddr).AddrPort() {
					return fmt.Errorf("from %v, want %v", d.From, aa)
				}
				recv.Reset(make([]byte, 64))
			}
			return nil
		}))
		_ = netip.AddrPort{}
	})
}

// TestUnixStreams connects over a Unix-domain socket and copies a message
// through Copy, which passes the EOF on.
func TestUnixStreams(t *testing.T) {
	rttest.Flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRT(t, opts...)
		path := filepath.Join(t.TempDir(), "s")
		l, err := net.ListenUnix(rt, path)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		// The server copies its connection back to itself: an echo.
		srv := weft.Spawn(rt, weft.Async(func(a *weft.A) error {
			c, err := weft.Await(a, l.Accept()).Get()
			if err != nil {
				return err
			}
			defer c.Close()
			return weft.Await(a, net.Copy(c, c)).Err
		}))
		check(t, run(t, rt, func(a *weft.A) error {
			c, err := weft.Await(a, net.ConnectUnix(a.Context(), path)).Get()
			if err != nil {
				return err
			}
			defer c.Close()
			if err := weft.Await(a, c.WriteAll([]byte("over unix"))); err != nil {
				return err
			}
			c.CloseWrite()
			var got []byte
			buf := make([]byte, 4)
			for {
				n, err := weft.Await(a, c.Read(buf)).Get()
				got = append(got, buf[:n]...)
				if err != nil {
					if string(got) != "over unix" {
						return fmt.Errorf("got %q, %v", got, err)
					}
					return nil
				}
			}
		}))
		check(t, join(t, rt, srv))
	})
}

// TestStdConversions moves a connection from the standard library to weft
// and back, and a listener likewise; both keep working.
func TestStdConversions(t *testing.T) {
	rt := newRT(t, weft.WithWorkers(2))
	sl, err := stdnet.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.TCPListenerFromStd(rt, sl.(*stdnet.TCPListener))
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := l.LocalAddr()
	sc, err := stdnet.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	s := join(t, rt, weft.Spawn(rt, l.Accept()))
	if s.Err != nil {
		t.Fatal(s.Err)
	}
	c, err := net.TCPStreamFromStd(rt, sc.(*stdnet.TCPConn))
	if err != nil {
		t.Fatal(err)
	}
	check(t, run(t, rt, func(a *weft.A) error {
		if err := weft.Await(a, c.WriteAll([]byte("hi"))); err != nil {
			return err
		}
		buf := make([]byte, 2)
		_, err := weft.Await(a, s.Value.ReadFull(buf)).Get()
		return err
	}))
	back, err := s.Value.IntoStd()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := back.Write([]byte("yo")); err != nil {
		t.Fatal(err)
	}
	back.Close()
	check(t, run(t, rt, func(a *weft.A) error {
		buf := make([]byte, 2)
		if n, err := weft.Await(a, c.ReadFull(buf)).Get(); err != nil || string(buf[:n]) != "yo" {
			return fmt.Errorf("got %q %v", buf[:n], err)
		}
		return nil
	}))
	c.Close()
	stdL, err := l.IntoStd()
	if err != nil {
		t.Fatal(err)
	}
	stdL.Close()
	if err := l.Close(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Close after IntoStd: %v", err)
	}
}

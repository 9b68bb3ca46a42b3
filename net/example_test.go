//go:build linux

package net_test

import (
	"context"
	"fmt"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/net"
)

// An echo server: one task accepts, one task per connection echoes, and a
// client task talks to it.
func Example_echoServer() {
	rt, _ := weft.New(weft.WithWorkers(2))
	defer rt.Close()
	l, _ := net.ListenTCP(rt, "127.0.0.1:0")
	defer l.Close()
	weft.SpawnDetached(rt, weft.Async(func(a *weft.A) struct{} {
		for {
			c, err := weft.Await(a, l.Accept()).Get()
			if err != nil {
				return struct{}{} // the listener closed
			}
			weft.SpawnDetached(a.Context(), weft.Async(func(a *weft.A) struct{} {
				defer c.Close()
				buf := make([]byte, 1024)
				for {
					n, err := weft.Await(a, c.Read(buf)).Get()
					if err != nil || weft.Await(a, c.WriteAll(buf[:n])) != nil {
						return struct{}{}
					}
				}
			}))
		}
	}))

	addr, _ := l.LocalAddr()
	reply := weft.Spawn(rt, weft.Async(func(a *weft.A) string {
		c, err := weft.Await(a, net.ConnectTCP(a.Context(), addr.String())).Get()
		if err != nil {
			return err.Error()
		}
		defer c.Close()
		weft.Await(a, c.WriteAll([]byte("hello")))
		buf := make([]byte, 5)
		weft.Await(a, c.ReadFull(buf))
		return string(buf)
	}))
	out, _ := reply.BlockingJoin(context.Background())
	fmt.Println(out)
	// Output: hello
}

// A proxy: each accepted connection is joined to a new connection to the
// upstream with CopyBidirectional.
func ExampleCopyBidirectional() {
	rt, _ := weft.New(weft.WithWorkers(2))
	defer rt.Close()

	// The upstream: answers "pong" to anything, then closes.
	up, _ := net.ListenTCP(rt, "127.0.0.1:0")
	defer up.Close()
	upAddr, _ := up.LocalAddr()
	weft.SpawnDetached(rt, weft.Async(func(a *weft.A) struct{} {
		c, err := weft.Await(a, up.Accept()).Get()
		if err == nil {
			weft.Await(a, c.ReadFull(make([]byte, 4)))
			weft.Await(a, c.WriteAll([]byte("pong")))
			c.Close()
		}
		return struct{}{}
	}))

	// The proxy.
	px, _ := net.ListenTCP(rt, "127.0.0.1:0")
	defer px.Close()
	pxAddr, _ := px.LocalAddr()
	weft.SpawnDetached(rt, weft.Async(func(a *weft.A) struct{} {
		in, err := weft.Await(a, px.Accept()).Get()
		if err != nil {
			return struct{}{}
		}
		defer in.Close()
		out, err := weft.Await(a, net.ConnectTCP(a.Context(), upAddr.String())).Get()
		if err != nil {
			return struct{}{}
		}
		defer out.Close()
		weft.Await(a, net.CopyBidirectional(in, out))
		return struct{}{}
	}))

	reply := weft.Spawn(rt, weft.Async(func(a *weft.A) string {
		c, err := weft.Await(a, net.ConnectTCP(a.Context(), pxAddr.String())).Get()
		if err != nil {
			return err.Error()
		}
		defer c.Close()
		weft.Await(a, c.WriteAll([]byte("ping")))
		buf := make([]byte, 4)
		weft.Await(a, c.ReadFull(buf))
		return string(buf)
	}))
	out, _ := reply.BlockingJoin(context.Background())
	fmt.Println(out)
	// Output: pong
}

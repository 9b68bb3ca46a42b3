// Command goecho is the goroutine column of bench/io/compare.sh: a TCP echo
// server written the way Go programs usually are, one goroutine per
// connection with its own 4 KiB buffer, reading and writing until the peer
// closes. It follows the server contract of bench/io/README.md: it prints
// "listening IP:PORT" as its only line on stdout and serves until SIGTERM or
// SIGINT.
//
// Usage: goecho [-addr 127.0.0.1:0]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (port 0: any free port)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := serve(ctx, *addr, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "goecho:", err)
		os.Exit(1)
	}
}

// serve listens on addr, announces the address on announce, and echoes every
// connection until ctx ends; it then closes the listener and the open
// connections and returns.
func serve(ctx context.Context, addr string, announce io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(announce, "listening %s\n", ln.Addr()); err != nil {
		ln.Close()
		return err
	}
	var (
		mu    sync.Mutex
		conns = map[net.Conn]struct{}{}
		wg    sync.WaitGroup
	)
	go func() {
		<-ctx.Done()
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			fmt.Fprintln(os.Stderr, "goecho: accept:", err) // EMFILE and the like: keep going
			continue
		}
		mu.Lock()
		conns[c] = struct{}{}
		mu.Unlock()
		wg.Go(func() {
			echo(c) // TCP_NODELAY is Go's default
			mu.Lock()
			delete(conns, c)
			mu.Unlock()
			c.Close()
		})
	}
	wg.Wait()
	return nil
}

// echo writes back everything it reads from c until c ends.
func echo(c net.Conn) {
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"
)

type idleConfig struct {
	addr        string
	pid         int
	conns, size int
	hold        bool
}

// settle is how long the server gets to park every task after the last echo.
const settle = time.Second

// idle runs the idle-memory test and prints its line.
func idle(cfg idleConfig, out io.Writer) error {
	rssBefore, err := rssKB(cfg.pid)
	if err != nil {
		return err
	}
	fdsBefore, err := countFDs(cfg.pid)
	if err != nil {
		return err
	}
	d := newDialer(cfg.addr)
	conns := make([]net.Conn, 0, cfg.conns)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	msg, reply := make([]byte, cfg.size), make([]byte, cfg.size)
	for i := range cfg.conns {
		c, err := d.dial()
		if err != nil {
			return fmt.Errorf("connection %d: %w", i, err)
		}
		conns = append(conns, c)
		fill(msg, uint64(i), 0)
		if err := c.SetDeadline(time.Now().Add(finishGrace)); err != nil {
			return err
		}
		if _, err := c.Write(msg); err != nil {
			return fmt.Errorf("connection %d: write: %w", i, err)
		}
		if _, err := io.ReadFull(c, reply); err != nil {
			return fmt.Errorf("connection %d: read: %w", i, err)
		}
		if string(reply) != string(msg) {
			return fmt.Errorf("connection %d: the echo differs from the message", i)
		}
	}
	time.Sleep(settle)
	rssAfter, err := rssKB(cfg.pid)
	if err != nil {
		return err
	}
	fdsAfter, err := countFDs(cfg.pid)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%-28s %8d %12.0f B/conn  rss_before_kb=%d rss_after_kb=%d server_fds_before=%d server_fds_after=%d srcs=%d\n",
		fmt.Sprintf("mem_idle_conns_%d", cfg.conns), cfg.conns, float64((rssAfter-rssBefore)*1024)/float64(cfg.conns),
		rssBefore, rssAfter, fdsBefore, fdsAfter, d.sources())
	if cfg.hold {
		fmt.Fprintln(os.Stderr, "loadgen: holding the connections; SIGINT to close them")
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt)
		<-sig
		signal.Stop(sig)
	}
	return nil
}

// rssKB reads process pid's VmRSS in KiB.
func rssKB(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS for process %d", pid)
}

// countFDs counts process pid's open file descriptors.
func countFDs(pid int) (int, error) {
	entries, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	return len(entries), err
}

package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// windows is the number of windows the measured time is cut into.
const windows = 10

// finishGrace is how long after the end a round trip may still take.
const finishGrace = 10 * time.Second

type pingpongConfig struct {
	addr        string
	conns, size int
	duration    time.Duration
	warmup      time.Duration
}

// pingpong runs the pingpong workload and prints its line.
func pingpong(cfg pingpongConfig, out io.Writer) error {
	d := newDialer(cfg.addr)
	conns := make([]net.Conn, 0, cfg.conns)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range cfg.conns {
		c, err := d.dial()
		if err != nil {
			return fmt.Errorf("connection %d: %w", len(conns), err)
		}
		conns = append(conns, c)
	}
	start := time.Now()
	measureFrom := start.Add(cfg.warmup)
	measureTo := measureFrom.Add(cfg.duration)
	window := cfg.duration / windows
	var counts [windows]atomic.Int64
	hists := make([]*hist, len(conns))
	errs := make([]error, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		hists[i] = newHist()
		wg.Go(func() {
			errs[i] = client(c, uint64(i), cfg.size, measureFrom, measureTo, window, &counts, hists[i])
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	all := newHist()
	for _, h := range hists {
		all.merge(h)
	}
	perWindow := make([]float64, windows)
	for w := range counts {
		// A window in which no round trip completed (the server stalled
		// for all of it) counts as an infinite round-trip time.
		perWindow[w] = float64(window.Nanoseconds()) * float64(cfg.conns) / float64(counts[w].Load())
	}
	slices.Sort(perWindow)
	median := (perWindow[windows/2-1] + perWindow[windows/2]) / 2
	us := func(q float64) float64 { return float64(all.quantile(q)) / 1e3 }
	fmt.Fprintf(out, "%-28s %8d %12.0f ns/op  rps=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f min=%.0f max=%.0f conns=%d size=%d srcs=%d\n",
		fmt.Sprintf("io_pingpong_%d", cfg.conns), all.total, median, float64(all.total)/cfg.duration.Seconds(),
		us(0.5), us(0.99), us(0.999), perWindow[0], perWindow[windows-1], cfg.conns, cfg.size, d.sources())
	return nil
}

// client runs round trips on c until measureTo. A round trip that completes
// inside [measureFrom, measureTo) counts in its window and in h. id and a
// sequence number go into every message, so a misrouted or reordered echo
// shows as a mismatch.
func client(c net.Conn, id uint64, size int, measureFrom, measureTo time.Time, window time.Duration, counts *[windows]atomic.Int64, h *hist) error {
	if err := c.SetDeadline(measureTo.Add(finishGrace)); err != nil {
		return err
	}
	msg, reply := make([]byte, size), make([]byte, size)
	for seq := uint64(0); ; seq++ {
		t0 := time.Now()
		if !t0.Before(measureTo) {
			return nil
		}
		fill(msg, id, seq)
		if _, err := c.Write(msg); err != nil {
			return fmt.Errorf("connection %d, round trip %d: write: %w", id, seq, err)
		}
		if _, err := io.ReadFull(c, reply); err != nil {
			return fmt.Errorf("connection %d, round trip %d: read: %w", id, seq, err)
		}
		t1 := time.Now()
		if !bytes.Equal(msg, reply) {
			return fmt.Errorf("connection %d, round trip %d: the echo differs from the message", id, seq)
		}
		if !t0.Before(measureFrom) && t1.Before(measureTo) {
			counts[t1.Sub(measureFrom)/window].Add(1)
			h.record(t1.Sub(t0))
		}
	}
}

// fill writes the connection and the sequence number into msg, then a
// pattern that depends on both.
func fill(msg []byte, id, seq uint64) {
	var head [16]byte
	binary.LittleEndian.PutUint64(head[:8], id)
	binary.LittleEndian.PutUint64(head[8:], seq)
	n := copy(msg, head[:])
	for i := n; i < len(msg); i++ {
		msg[i] = byte(seq + id + uint64(i))
	}
}

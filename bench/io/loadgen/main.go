// Command loadgen is the client of bench/io/compare.sh: it drives every echo
// server of the I/O table (Tokio, goroutines, weft) the same way, so that
// their figures can be compared as ratios.
//
// Usage:
//
//	loadgen pingpong -addr IP:PORT [-conns 100] [-size 64] [-duration 5s] [-warmup 1s]
//	loadgen idle -addr IP:PORT -pid PID [-conns 9000] [-size 64] [-hold]
//
// pingpong opens -conns connections and runs one client goroutine on each:
// write -size bytes (carrying a sequence number), read the echo back in
// full, compare it byte for byte, repeat. After -warmup, the -duration is cut
// into 10 windows; for each, ns/op = window × conns / round trips completed
// in it, the mean round-trip time under that load (Little's law). The line
// gives the median window, and rps, p50/p99/p999 latency from a log-linear
// histogram of every measured round trip (relative error under 0.8 %).
// A mismatch, an error, or a round trip still open 10 s after the end
// fails the run (exit status 1).
//
// idle reads the server's VmRSS (/proc/PID/status), opens -conns
// connections one after the other, sends -size bytes on each and reads the
// echo (so every server-side task has run once and parked again), waits 1 s,
// reads VmRSS again and prints the growth per connection, with the server's
// open descriptors before and after. -hold keeps the connections open until
// SIGINT.
//
// When one source address runs out of ephemeral ports, connections continue
// from 127.0.0.2, 127.0.0.3, ... (srcs= on the line says how many were used).
//
// Output lines: "name iters median unit key=value...", the format of every
// program under bench/.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: loadgen pingpong|idle -addr IP:PORT [flags]; loadgen <command> -h for the flags")
		return 2
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "", "the server's `IP:PORT`")
	size := fs.Int("size", 64, "message size in bytes")
	var err error
	switch args[0] {
	case "pingpong":
		conns := fs.Int("conns", 100, "connections, one client goroutine each")
		duration := fs.Duration("duration", 5*time.Second, "measured time")
		warmup := fs.Duration("warmup", time.Second, "unmeasured time before it")
		if fs.Parse(args[1:]) != nil {
			return 2
		}
		if *addr == "" || *conns < 1 || *size < 1 || *duration <= 0 || *warmup < 0 {
			fmt.Fprintln(stderr, "loadgen pingpong: need -addr, -conns ≥ 1, -size ≥ 1, -duration > 0, -warmup ≥ 0")
			return 2
		}
		err = pingpong(pingpongConfig{addr: *addr, conns: *conns, size: *size, duration: *duration, warmup: *warmup}, stdout)
	case "idle":
		conns := fs.Int("conns", 9000, "idle connections to hold")
		pid := fs.Int("pid", 0, "the server's process ID, for its VmRSS and descriptors")
		hold := fs.Bool("hold", false, "keep the connections open until SIGINT")
		if fs.Parse(args[1:]) != nil {
			return 2
		}
		if *addr == "" || *conns < 1 || *size < 1 || *pid < 1 {
			fmt.Fprintln(stderr, "loadgen idle: need -addr, -pid, -conns ≥ 1, -size ≥ 1")
			return 2
		}
		err = idle(idleConfig{addr: *addr, pid: *pid, conns: *conns, size: *size, hold: *hold}, stdout)
	default:
		fmt.Fprintf(stderr, "loadgen: unknown command %q (want pingpong or idle)\n", args[0])
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "loadgen:", err)
		return 1
	}
	return 0
}

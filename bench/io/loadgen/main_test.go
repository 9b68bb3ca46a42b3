package main

import (
	"bytes"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// echoServer serves until the test ends; corrupt makes it flip one byte of
// every echo.
func echoServer(t *testing.T, corrupt bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					if n > 0 && corrupt {
						buf[0] ^= 1
					}
					if n > 0 {
						if _, err := c.Write(buf[:n]); err != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// fields parses a result line into its name, unit and key=value fields.
func fields(t *testing.T, line string) (name, unit string, kv map[string]string) {
	t.Helper()
	f := strings.Fields(line)
	if len(f) < 5 {
		t.Fatalf("line %q: want name iters median unit key=value...", line)
	}
	kv = map[string]string{}
	for _, x := range f[4:] {
		k, v, ok := strings.Cut(x, "=")
		if !ok {
			t.Fatalf("field %q is not key=value", x)
		}
		kv[k] = v
	}
	return f[0], f[3], kv
}

func TestPingpongReportsRoundTrips(t *testing.T) {
	addr := echoServer(t, false)
	var out, errOut bytes.Buffer
	code := run([]string{"pingpong", "-addr", addr, "-conns", "3", "-duration", "200ms", "-warmup", "20ms"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	name, unit, kv := fields(t, out.String())
	if name != "io_pingpong_3" || unit != "ns/op" || kv["conns"] != "3" || kv["size"] != "64" {
		t.Fatalf("line %q", out.String())
	}
	for _, k := range []string{"rps", "p50_us", "p99_us", "p999_us"} {
		if v, err := strconv.ParseFloat(kv[k], 64); err != nil || v <= 0 {
			t.Errorf("%s=%q", k, kv[k])
		}
	}
}

func TestPingpongFailsOnACorruptEcho(t *testing.T) {
	addr := echoServer(t, true)
	var out, errOut bytes.Buffer
	code := run([]string{"pingpong", "-addr", addr, "-conns", "1", "-duration", "100ms", "-warmup", "0s"}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "differs") {
		t.Fatalf("exit %d, stderr %q, stdout %q", code, errOut.String(), out.String())
	}
}

// TestIdleMeasuresTheServerProcess runs the idle test against a server in
// this process: the descriptors it reports must include the connections.
func TestIdleMeasuresTheServerProcess(t *testing.T) {
	addr := echoServer(t, false)
	var out, errOut bytes.Buffer
	code := run([]string{"idle", "-addr", addr, "-pid", strconv.Itoa(os.Getpid()), "-conns", "20"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	name, unit, kv := fields(t, out.String())
	before, err1 := strconv.Atoi(kv["server_fds_before"])
	after, err2 := strconv.Atoi(kv["server_fds_after"])
	if name != "mem_idle_conns_20" || unit != "B/conn" || err1 != nil || err2 != nil || after < before+40 {
		// 20 client and 20 server ends, all in this process.
		t.Fatalf("line %q", out.String())
	}
}

func TestBadArgumentsExitWithUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"flood"}, {"pingpong"}, {"idle", "-addr", "x"}, {"pingpong", "-addr", "x", "-conns", "0"}} {
		if code := run(args, io.Discard, io.Discard); code != 2 {
			t.Errorf("loadgen %q: exit %d, want 2", args, code)
		}
	}
}

package main

import (
	"bytes"
	"math"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// fastSampling makes every bench one short sample, and restores
// GOMAXPROCS, which weft bench sets.
func fastSampling(t *testing.T) {
	t.Setenv("ANCHOR_SAMPLES", "1")
	t.Setenv("ANCHOR_SAMPLE_MS", "1")
	t.Setenv("ANCHOR_WARMUP_MS", "1")
	prev := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(prev) })
}

// TestAnchorsOutputParsesLikeTokioRt checks the lines that bench/compare.sh
// reads, for both implementations: a '#' header naming the implementation,
// then "name iters median unit key=value...".
func TestAnchorsOutputParsesLikeTokioRt(t *testing.T) {
	for _, impl := range []string{"weft", "goroutine"} {
		t.Run(impl, func(t *testing.T) { checkAnchorsLine(t, impl) })
	}
}

func checkAnchorsLine(t *testing.T, impl string) {
	fastSampling(t)
	code, out, errOut := runArgs("bench", "-anchors", "-impl", impl, "-only", "ct_chained_spawn", "-no-mem")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "# weft-bench: "+impl+" ") {
		t.Fatalf("want a header for %s and one line, got:\n%s", impl, out)
	}
	f := strings.Fields(lines[1])
	if len(f) < 5 || f[0] != "ct_chained_spawn" || f[3] != "ns/op" {
		t.Fatalf("line %q: want ct_chained_spawn <iters> <median> ns/op key=value...", lines[1])
	}
	if n, err := strconv.Atoi(f[1]); err != nil || n < 1 {
		t.Errorf("iters %q", f[1])
	}
	if v, err := strconv.ParseFloat(f[2], 64); err != nil || v <= 0 {
		t.Errorf("median %q", f[2])
	}
	keys := map[string]bool{}
	for _, kv := range f[4:] {
		k, _, ok := strings.Cut(kv, "=")
		if !ok {
			t.Errorf("field %q is not key=value", kv)
		}
		keys[k] = true
	}
	for _, k := range []string{"min", "max", "samples", "per_spawn", "c2c_ns", "allocs_per_spawn"} {
		if !keys[k] {
			t.Errorf("line lacks %s=: %q", k, lines[1])
		}
	}
}

func TestTableComparesWeftWithGoroutines(t *testing.T) {
	fastSampling(t)
	code, out, errOut := runArgs("bench", "-only", "ct_spawn_many_local", "-no-mem")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want a comment, a header and one row, got:\n%s", out)
	}
	if h := strings.Fields(lines[1]); len(h) < 5 || h[2] != "weft" || h[3] != "goroutines" || h[4] != "weft/go" {
		t.Fatalf("header %q", lines[1])
	}
	row := strings.Fields(lines[2])
	weftNs, err1 := strconv.ParseFloat(row[2], 64)
	goNs, err2 := strconv.ParseFloat(row[3], 64)
	ratio, err3 := strconv.ParseFloat(row[4], 64)
	if row[0] != "ct_spawn_many_local" || err1 != nil || err2 != nil || err3 != nil {
		t.Fatalf("row %q", lines[2])
	}
	// The column has two decimals: it may differ from the quotient of the
	// printed times by half a hundredth (plus their own rounding).
	if got := weftNs / goNs; math.Abs(got-ratio) > 0.0051 {
		t.Fatalf("ratio column %v, want weft/goroutines = %v", ratio, got)
	}
}

func TestMemChildMeasuresIdleTasks(t *testing.T) {
	for _, impl := range []string{"weft", "goroutine"} {
		var out bytes.Buffer
		idle, err := memChild(&out, benchFlags{mem: "oneshot", memImpl: impl, memTasks: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if err := idle.Close(); err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(out.String())
		if len(f) < 5 || f[0] != "mem_idle_oneshot_1k" || f[1] != "1000" || f[3] != "B/task" {
			t.Fatalf("%s: line %q", impl, out.String())
		}
		if _, err := strconv.ParseFloat(f[2], 64); err != nil {
			t.Fatalf("%s: B/task %q", impl, f[2])
		}
	}
}

func TestBenchRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "-ct-procs", "0"},
		{"bench", "extra"},
		{"bench", "-no-such-flag"},
	} {
		if code, _, _ := runArgs(args...); code != 2 {
			t.Errorf("weft %v: exit %d, want 2", args, code)
		}
	}
	if code, _, errOut := runArgs("bench", "-mem", "oneshot", "-mem-impl", "rust"); code != 1 || !strings.Contains(errOut, "rust") {
		t.Errorf("-mem-impl rust: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runArgs("bench", "-anchors", "-impl", "rust", "-no-mem"); code != 1 || !strings.Contains(errOut, "rust") {
		t.Errorf("-anchors -impl rust: exit %d, stderr %q", code, errOut)
	}
}

func TestBenchHelp(t *testing.T) {
	code, _, errOut := runArgs("bench", "-h")
	if code != 0 || !strings.Contains(errOut, "-anchors") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

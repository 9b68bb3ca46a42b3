// Command syncbench runs weft's sync and time benchmarks (issue #4): the
// workloads of Tokio's benches/sync_mpsc.rs, sync_mpsc_oneshot.rs,
// sync_notify.rs, sync_semaphore.rs, sync_rwlock.rs, sync_watch.rs and
// time_timeout.rs, on weft or on plain goroutines, plus 10^6 tasks sleeping
// at once. bench/tokio-sync prints the same workloads on Tokio under the same
// names; bench/syncbench/compare.sh puts the three side by side. The
// workloads themselves live in internal/syncbench.
//
// Output: one line per bench, as every program under bench/ prints it:
//
//	name  iters  median  unit  [key=value ...]
//
// iters = workload iterations per sample, median = median over the samples
// of ns per iteration ("op" = one iteration of Tokio's criterion bench;
// per_<item>= divides by the items in it), c2c_ns= a cross-core round-trip
// probe taken before the bench. Env knobs: ANCHOR_SAMPLES (10),
// ANCHOR_SAMPLE_MS (100), ANCHOR_WARMUP_MS (300), SLEEPERS_DEADLINE_MS
// (2000, the least time from the sleepers' gate to their deadline).
//
// Usage:
//
//	go run ./bench/syncbench [-impl weft|goroutine] [-only SUBSTRING | -only 'NAME$'] [-no-mem] [-list]
//
// An -only value ending in "$" runs only the bench whose name ends in the
// rest (-only 'notify_one_10$' leaves out notify_one_100), as
// bench/syncbench/compare.sh does to run one bench at a time.
//
// -impl goroutine runs the goroutine twins instead of weft. GOMAXPROCS is 2
// (the workers of every multi-thread runtime); the goroutine twins of
// current-thread workloads run with GOMAXPROCS 1.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/weftrt/weft/internal/benchwork"
	"github.com/weftrt/weft/internal/syncbench"
)

const (
	defaultSamples  = 10
	defaultWarmupMs = 300
	defaultSampleMs = 100

	sleepers          = 1_000_000
	defaultDeadlineMs = 2_000 // the least time between the gate and the deadline
)

func envOr(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// c2cNs is the cross-core cache-line round trip measured before the
// current bench; see bench/README.md.
var c2cNs int64

// bench warms f up, sizes a sample to take about the target time, takes the
// samples and prints the median ns per call.
func bench(name string, items int, item string, f func()) {
	samples := envOr("ANCHOR_SAMPLES", defaultSamples)
	warmup := time.Duration(envOr("ANCHOR_WARMUP_MS", defaultWarmupMs)) * time.Millisecond
	target := time.Duration(envOr("ANCHOR_SAMPLE_MS", defaultSampleMs)) * time.Millisecond
	start := time.Now()
	n := 0
	for n < 3 || time.Since(start) < warmup {
		f()
		n++
	}
	per := float64(time.Since(start).Nanoseconds()) / float64(n)
	iters := min(max(int(float64(target.Nanoseconds())/per+0.999999), 1), 1_000_000)
	runtime.GC()
	v := make([]float64, 0, samples)
	for range samples {
		t := time.Now()
		for range iters {
			f()
		}
		v = append(v, float64(time.Since(t).Nanoseconds())/float64(iters))
	}
	sort.Float64s(v)
	med := v[samples/2]
	if samples%2 == 0 {
		med = (v[samples/2-1] + v[samples/2]) / 2
	}
	fmt.Printf("%-40s %8d %12.0f ns/op  min=%.0f max=%.0f samples=%d per_%s=%.1fns c2c_ns=%d\n",
		name, iters, med, v[0], v[samples-1], samples, item, med/float64(items), c2cNs)
}

func parseImpl(s string) (syncbench.Impl, bool) {
	switch s {
	case "weft":
		return syncbench.Weft, true
	case "goroutine":
		return syncbench.Goroutine, true
	}
	return 0, false
}

// sleepersTest runs the sleepers test (in the child process) and prints its
// four lines.
func sleepersTest(impl syncbench.Impl) {
	minWait := time.Duration(envOr("SLEEPERS_DEADLINE_MS", defaultDeadlineMs)) * time.Millisecond
	r := syncbench.Sleepers(impl, sleepers, minWait)
	note := ""
	if r.Early > 0 {
		note = fmt.Sprintf(" WARNING_fired_before_all_registered=%d", r.Early)
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(r.N) }
	fmt.Printf("%-40s %8d %12d ns/op  per_task=%.1fns\n", "sleep_1M_spawn", r.N, r.Spawn.Nanoseconds(), per(r.Spawn))
	fmt.Printf("%-40s %8d %12d ns/op  per_task=%.1fns deadline_after_ms=%d%s\n",
		"sleep_1M_register", r.N, r.Register.Nanoseconds(), per(r.Register), r.Wait.Milliseconds(), note)
	fmt.Printf("%-40s %8d %12.0f B/task  rss_before_kb=%d rss_after_kb=%d heap_per_task=%.0fB stack_per_task=%.0fB\n",
		"sleep_1M_mem", r.N, r.RSSPerTask(), r.RSSBeforeKB, r.RSSAfterKB, r.HeapPerTask, r.StackPerTask)
	fmt.Printf("%-40s %8d %12d ns/op  per_timer=%.1fns deadline_to_all_done_ms=%d\n",
		"sleep_1M_fire", r.N, r.Fire.Nanoseconds(), per(r.Fire), r.Fire.Milliseconds())
	// Skip tearing down a million tasks.
	os.Exit(0)
}

// benchWanted reports whether the bench called name is selected by -only:
// every bench for "", the one whose name ends in the rest for a value
// ending in "$", else those whose name contains it.
func benchWanted(name, only string) bool {
	if end, ok := strings.CutSuffix(only, "$"); ok {
		return strings.HasSuffix(name, end)
	}
	return strings.Contains(name, only)
}

func main() {
	implFlag := flag.String("impl", "weft", "what to run: weft, or goroutine for the goroutine twins")
	only := flag.String("only", "", "run only benches whose name contains this (ending in $: whose name ends in the rest)")
	noMem := flag.Bool("no-mem", false, "skip the 10^6-sleepers test")
	list := flag.Bool("list", false, "list the workloads and the Tokio benches they mirror")
	mem := flag.Bool("mem", false, "internal: run the sleepers test in this process")
	flag.Parse()
	impl, ok := parseImpl(*implFlag)
	if !ok {
		fmt.Fprintf(os.Stderr, "syncbench: -impl must be weft or goroutine, not %q\n", *implFlag)
		os.Exit(2)
	}
	runtime.GOMAXPROCS(syncbench.NumWorkers)
	if *mem {
		sleepersTest(impl)
		return
	}
	ws := syncbench.Workloads()
	if *list {
		for _, w := range ws {
			fmt.Printf("%-40s %s\n", w.Name, w.Mirrors)
		}
		return
	}
	wanted := func(name string) bool { return benchWanted(name, *only) }
	fmt.Printf("# syncbench: %s %s GOMAXPROCS=%d (ct twins: 1) samples=%d target_sample_ms=%d (op = one workload iteration)\n",
		impl, runtime.Version(), syncbench.NumWorkers, envOr("ANCHOR_SAMPLES", defaultSamples), envOr("ANCHOR_SAMPLE_MS", defaultSampleMs))
	for i := range ws {
		w := &ws[i]
		if !wanted(w.Name) {
			continue
		}
		c2cNs = benchwork.C2CProbe()
		c := w.Setup(impl)
		bench(w.Name, w.Items, w.Item, c.Op)
		c.Close()
	}
	if *noMem || !(wanted("sleep_1M_spawn") || wanted("sleep_1M_register") || wanted("sleep_1M_mem") || wanted("sleep_1M_fire")) {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	cmd := exec.Command(exe, "-mem", "-impl", impl.String())
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		fmt.Fprintf(os.Stderr, "syncbench: sleepers test: %v\n", err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/weftrt/weft/internal/benchwork"
)

func init() {
	register(&command{
		name:    "bench",
		summary: "runtime benchmarks: weft against goroutines (-anchors: bench/compare.sh's line format)",
		run:     runBench,
	})
}

const benchUsage = `Usage: weft bench [-anchors [-impl weft|goroutine]] [-only SUBSTRING] [-no-mem] [-ct-procs N]
       weft bench -mem notify|oneshot [-mem-impl weft|goroutine] [-mem-tasks N]

Runs Tokio's runtime benchmarks (benches/rt_multi_threaded.rs and
rt_current_thread.rs; bench/tokio-rt is the same workloads on Tokio) on
weft and on plain goroutines, in this process, and prints them side by side
with the ratio.
One op is one full workload iteration (for example 10,000 spawns and the
wait for them). mt_ workloads run on a 2-worker multi-thread runtime with
GOMAXPROCS=2, ct_ workloads on a current-thread runtime with GOMAXPROCS=1.
The memory tests (10^6 idle tasks) run in a fresh child process each.

With -anchors it runs one implementation (-impl: weft, the default, or
goroutine) and prints one line a bench ("name iters median unit
key=value..."), the format of bench/tokio-rt, which bench/compare.sh puts
side by side with Tokio's.

Sampling (as bench/tokio-rt): ANCHOR_SAMPLES (10), ANCHOR_SAMPLE_MS (100),
ANCHOR_WARMUP_MS (300).

Flags:
`

// benchFlags are the parsed flags of `weft bench`.
type benchFlags struct {
	anchors  bool
	impl     string
	only     string
	noMem    bool
	ctProcs  int
	mem      string
	memImpl  string
	memTasks int
}

func runBench(args []string, stdout, stderr io.Writer) int {
	var f benchFlags
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, benchUsage)
		fs.PrintDefaults()
	}
	fs.BoolVar(&f.anchors, "anchors", false, "print one implementation's results in bench/compare.sh's line format")
	fs.StringVar(&f.impl, "impl", "weft", "implementation that -anchors runs (`weft|goroutine`)")
	fs.StringVar(&f.only, "only", "", "run only benches whose name contains `SUBSTRING`")
	fs.BoolVar(&f.noMem, "no-mem", false, "skip the memory tests")
	fs.IntVar(&f.ctProcs, "ct-procs", 1, "GOMAXPROCS for the ct_ workloads")
	fs.StringVar(&f.mem, "mem", "", "internal: run one memory test (`notify|oneshot`) in this process and exit")
	fs.StringVar(&f.memImpl, "mem-impl", "weft", "internal: implementation of the -mem test (`weft|goroutine`)")
	fs.IntVar(&f.memTasks, "mem-tasks", benchwork.MemTasks, "number of idle tasks of the memory tests")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "weft bench: unexpected arguments %q\n", fs.Args())
		fs.Usage()
		return 2
	}
	if f.ctProcs < 1 || f.memTasks < 1 {
		fmt.Fprintln(stderr, "weft bench: -ct-procs and -mem-tasks must be at least 1")
		return 2
	}
	runtime.GOMAXPROCS(benchwork.NumWorkers)
	var err error
	switch {
	case f.mem != "":
		// The idle tasks stay: the process exits right after, without
		// tearing down a million tasks.
		_, err = memChild(stdout, f)
	case f.anchors:
		err = benchAnchors(stdout, f)
	default:
		err = benchTable(stdout, stderr, f)
	}
	if err != nil {
		fmt.Fprintln(stderr, "weft bench:", err)
		return 1
	}
	return 0
}

func parseImpl(s string) (benchwork.Impl, error) {
	switch s {
	case "weft":
		return benchwork.Weft, nil
	case "goroutine":
		return benchwork.Goroutine, nil
	}
	return 0, fmt.Errorf("unknown implementation %q (want weft or goroutine)", s)
}

// result is one workload measured on one implementation.
type result struct {
	stats   benchwork.Stats
	starved bool
	took    time.Duration // the starvation probe's op
	c2c     int64
}

// measure runs w on impl: the cross-core probe at GOMAXPROCS=2, then
// GOMAXPROCS for the workload, set up, starvation probe where the workload
// has one, sample, tear down.
func measure(w benchwork.Workload, impl benchwork.Impl, ctProcs int) (result, error) {
	var r result
	r.c2c = benchwork.C2CProbe()
	procs := benchwork.NumWorkers
	if w.CurrentThread {
		procs = ctProcs
	}
	runtime.GOMAXPROCS(procs)
	defer runtime.GOMAXPROCS(benchwork.NumWorkers)
	in, err := w.Start(impl, benchwork.NumWorkers)
	if err != nil {
		return r, err
	}
	if w.Starves {
		r.starved, r.took, err = benchwork.Probe(in, benchwork.StarveLimit)
		if err != nil || r.starved {
			return r, errors.Join(err, in.Close())
		}
	}
	r.stats, err = benchwork.Sample(benchwork.SampleConfigFromEnv(), in.Op)
	return r, errors.Join(err, in.Close())
}

func selected(name, only string) bool { return only == "" || strings.Contains(name, only) }

// benchAnchors prints one implementation's results in the line format of
// bench/tokio-rt.
func benchAnchors(out io.Writer, f benchFlags) error {
	impl, err := parseImpl(f.impl)
	if err != nil {
		return err
	}
	cfg := benchwork.SampleConfigFromEnv()
	fmt.Fprintf(out, "# weft-bench: %s (%s) workers=%d GOMAXPROCS=%d (ct_: %d) samples=%d target_sample_ms=%d (op = one workload iteration)\n",
		impl, runtime.Version(), benchwork.NumWorkers, benchwork.NumWorkers, f.ctProcs, cfg.Samples, cfg.SampleTime.Milliseconds())
	for _, w := range benchwork.Workloads() {
		if !selected(w.Name, f.only) {
			continue
		}
		r, err := measure(w, impl, f.ctProcs)
		if err != nil {
			return err
		}
		writeAnchorLine(out, w, r)
	}
	if f.noMem {
		return nil
	}
	for _, kind := range benchwork.IdleKinds {
		if !selected(benchwork.IdleName(kind, f.memTasks), f.only) {
			continue
		}
		line, err := runMemChild(kind, impl.String(), f.memTasks)
		if err != nil {
			return err
		}
		fmt.Fprint(out, line)
	}
	return nil
}

// writeAnchorLine prints one result as bench/tokio-rt does, plus
// allocs_per_<item>=.
func writeAnchorLine(out io.Writer, w benchwork.Workload, r result) {
	if r.starved {
		fmt.Fprintf(out, "%-28s %8d %12s ns/op  note=remote_spawns_starved_for_%dms_until_busy_tasks_stopped c2c_ns=%d\n",
			w.Name, 0, "STARVED", r.took.Milliseconds(), r.c2c)
		return
	}
	s := r.stats
	fmt.Fprintf(out, "%-28s %8d %12.0f ns/op  min=%.0f max=%.0f samples=%d per_%s=%.1fns c2c_ns=%d allocs_per_%s=%.3f\n",
		w.Name, s.Iters, s.Median, s.Min, s.Max, len(s.Samples), w.Item, s.Median/float64(w.Items), r.c2c,
		w.Item, s.AllocsPerOp/float64(w.Items))
}

// benchTable runs both implementations of each workload and prints them
// side by side.
func benchTable(out, progress io.Writer, f benchFlags) error {
	cfg := benchwork.SampleConfigFromEnv()
	fmt.Fprintf(out, "# weft bench: %s, %d workers, GOMAXPROCS=%d (ct_: %d), %d samples of ~%v after %v warm-up; op = one workload iteration\n",
		runtime.Version(), benchwork.NumWorkers, benchwork.NumWorkers, f.ctProcs, cfg.Samples, cfg.SampleTime, cfg.Warmup)
	fmt.Fprintf(out, "%-28s %-7s %12s %12s %8s %14s %12s %9s\n",
		"bench", "unit", "weft", "goroutines", "weft/go", "weft per item", "allocs/item", "c2c_ns")
	for _, w := range benchwork.Workloads() {
		if !selected(w.Name, f.only) {
			continue
		}
		fmt.Fprintf(progress, "== %s\n", w.Name)
		wr, err := measure(w, benchwork.Weft, f.ctProcs)
		if err != nil {
			return err
		}
		gr, err := measure(w, benchwork.Goroutine, f.ctProcs)
		if err != nil {
			return err
		}
		ratio, per, allocs := "-", "-", "-"
		if !wr.starved && !gr.starved {
			ratio = fmt.Sprintf("%.2f", wr.stats.Median/gr.stats.Median)
		}
		if !wr.starved {
			per = fmt.Sprintf("%.1f ns/%s", wr.stats.Median/float64(w.Items), w.Item)
			allocs = fmt.Sprintf("%.3f", wr.stats.AllocsPerOp/float64(w.Items))
		}
		fmt.Fprintf(out, "%-28s %-7s %12s %12s %8s %14s %12s %4d/%-4d\n",
			w.Name, "ns/op", cell(wr), cell(gr), ratio, per, allocs, wr.c2c, gr.c2c)
	}
	if f.noMem {
		return nil
	}
	for _, kind := range benchwork.IdleKinds {
		name := benchwork.IdleName(kind, f.memTasks)
		if !selected(name, f.only) {
			continue
		}
		fmt.Fprintf(progress, "== %s\n", name)
		var per [2]float64
		var heap float64
		for i, impl := range []string{"weft", "goroutine"} {
			line, err := runMemChild(kind, impl, f.memTasks)
			if err != nil {
				return err
			}
			fields := strings.Fields(line)
			if len(fields) < 3 {
				return fmt.Errorf("memory test %s %s: malformed line %q", kind, impl, line)
			}
			if per[i], err = strconv.ParseFloat(fields[2], 64); err != nil {
				return fmt.Errorf("memory test %s %s: %w", kind, impl, err)
			}
			if i == 0 {
				heap = keyFloat(fields, "heap_inuse_per_task")
			}
		}
		fmt.Fprintf(out, "%-28s %-7s %12.0f %12.0f %8.2f %14s\n",
			name, "B/task", per[0], per[1], per[0]/per[1], fmt.Sprintf("heap %.0f B", heap))
	}
	return nil
}

func cell(r result) string {
	if r.starved {
		return "STARVED"
	}
	return fmt.Sprintf("%.0f", r.stats.Median)
}

// keyFloat returns the number in the key=<number>B field of a line, or 0.
func keyFloat(fields []string, key string) float64 {
	for _, f := range fields {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			x, _ := strconv.ParseFloat(strings.TrimSuffix(v, "B"), 64)
			return x
		}
	}
	return 0
}

// runMemChild runs one memory test in a fresh child process (this
// executable, `bench -mem kind`), as bench/tokio-rt does, and returns its
// line.
func runMemChild(kind, impl string, tasks int) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	cmd := exec.Command(exe, "bench", "-mem", kind, "-mem-impl", impl, "-mem-tasks", strconv.Itoa(tasks))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("memory test %s (%s): %w", kind, impl, err)
	}
	return string(out), nil
}

// memChild is the child's side: measure and print one line. It returns the
// idle tasks, still alive, for the caller to release or abandon.
func memChild(out io.Writer, f benchFlags) (*benchwork.Idle, error) {
	impl, err := parseImpl(f.memImpl)
	if err != nil {
		return nil, err
	}
	st, idle, err := benchwork.MeasureIdle(impl, f.mem, f.memTasks, benchwork.NumWorkers, 100*time.Millisecond)
	if err != nil {
		if idle != nil {
			err = errors.Join(err, idle.Close())
		}
		return nil, err
	}
	fmt.Fprintf(out, "%-28s %8d %12.0f B/task  rss_before_kb=%d rss_after_kb=%d spawn_and_park_ms=%d heap_inuse_per_task=%.0fB stack_inuse_per_task=%.0fB allocs_per_task=%.2f impl=%s\n",
		st.Name, st.Tasks, st.RSSPerTask, st.RSSBeforeKB, st.RSSAfterKB, st.SpawnAndPark.Milliseconds(),
		st.HeapPerTask, st.StackPerTask, st.MallocPerTask, impl)
	return idle, nil
}

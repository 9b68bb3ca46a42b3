package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/task"
	"go.uber.org/goleak"
)

// testArgs are the flags of a short, slow run: 300 ms at 500 requests per
// second, with many panics so that every run has some.
var testArgs = []string{
	"-duration", "300ms", "-rate", "500", "-workers", "3", "-rt-workers", "2",
	"-seed", "3", "-panic-rate", "0.2", "-progress", "100ms",
	"-fanout", "200", "-batch-every", "50ms", "-chaos-every", "40ms", "-compare=false",
}

// progressLine matches a progress report.
var progressLine = regexp.MustCompile(`(?m)^\s*\d+\.\ds\s+[\d,]+ req/s  in flight [\d,]+  tasks [\d,]+  queued [\d,]+  runq [\d,]+  ok [\d,]+  cancelled [\d,]+  panicked [\d,]+`)

func parseTestFlags(t *testing.T, extra ...string) *demoConfig {
	t.Helper()
	cfg, err := parseDemoFlags(append(append([]string(nil), testArgs...), extra...), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// getOnce fetches url without keeping the connection (no goroutine stays).
func getOnce(url string) (int, []byte, error) {
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

func TestDemoAccountsForEveryTaskAndRequest(t *testing.T) {
	cfg := parseTestFlags(t)
	// The test's seed must give panicking requests among the first few,
	// or "panicked > 0" below would depend on how many requests a slow
	// machine makes in 300 ms.
	panics := 0
	for id := uint64(1); id <= 20; id++ {
		if fateOf(cfg, id).panics {
			panics++
		}
	}
	if panics == 0 {
		t.Fatalf("seed %d makes no panicking request among ids 1..20; pick another", cfg.seed)
	}

	var (
		metricsStatus, rootStatus, tasksStatus int
		metricsBody, tasksBody                 []byte
		getErr                                 error
	)
	cfg.onServe = func(url string) {
		if metricsStatus, metricsBody, getErr = getOnce(url + "metrics"); getErr != nil {
			return
		}
		if tasksStatus, tasksBody, getErr = getOnce(url + "tasks?format=text&stacks=0"); getErr != nil {
			return
		}
		rootStatus, _, getErr = getOnce(url)
	}
	var out bytes.Buffer
	sum, err := runDemoConfig(context.Background(), cfg, &out)
	if err != nil {
		t.Fatal(err)
	}
	text := out.String()
	t.Log("\n" + text)

	if ps := sum.problems(); len(ps) > 0 {
		t.Errorf("problems: %q", ps)
	}
	c := sum.c
	spawned := c.tasksSpawned.Load()
	completed, cancelled, panicked := c.tasksCompleted.Load(), c.tasksCancelled.Load(), c.tasksPanicked.Load()
	if spawned != completed+cancelled+panicked {
		t.Errorf("spawned %d != completed %d + cancelled %d + panicked %d", spawned, completed, cancelled, panicked)
	}
	if spawned != sum.after.SpawnedTasks {
		t.Errorf("the demo counted %d spawns, the runtime %d", spawned, sum.after.SpawnedTasks)
	}
	if sum.after.AliveTasks != 0 {
		t.Errorf("%d tasks alive after shutdown", sum.after.AliveTasks)
	}
	if panicked == 0 || panicked != c.panicked.Load() {
		t.Errorf("tasks panicked %d, requests panicked %d; want the same, above 0", panicked, c.panicked.Load())
	}
	if p := c.produced.Load(); p == 0 || p != c.finished() {
		t.Errorf("requests produced %d, finished %d; want the same, above 0", p, c.finished())
	}
	if c.batches.Load() == 0 || c.batchMismatches.Load() != 0 {
		t.Errorf("%d batches, %d summed wrong; want some, none wrong", c.batches.Load(), c.batchMismatches.Load())
	}
	if n := len(progressLine.FindAllString(text, -1)); n < 1 || n != sum.progress {
		t.Errorf("%d progress lines in the output, %d counted; want at least 1, the same", n, sum.progress)
	}
	if strings.Contains(text, "\r") {
		t.Error("progress rewritten in place (\\r) on an output that is not a terminal")
	}
	for _, want := range []string{"live page: http://127.0.0.1:", "spawned = completed + cancelled + panicked", "checks passed", "first captured panic: "} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q", want)
		}
	}

	if getErr != nil {
		t.Fatalf("live page: %v", getErr)
	}
	if metricsStatus != http.StatusOK || rootStatus != http.StatusOK || tasksStatus != http.StatusOK {
		t.Errorf("GET /metrics: %d, GET /tasks: %d, GET /: %d; want 200 all", metricsStatus, tasksStatus, rootStatus)
	}
	var m struct {
		Flavor    string            `json:"flavor"`
		Workers   int               `json:"workers"`
		PerWorker []json.RawMessage `json:"per_worker"`
	}
	if err := json.Unmarshal(metricsBody, &m); err != nil {
		t.Fatalf("/metrics is not JSON: %v\n%s", err, metricsBody)
	}
	if m.Workers != cfg.rtWorkers || len(m.PerWorker) != cfg.rtWorkers || m.Flavor != "multi-thread" {
		t.Errorf("/metrics says %d workers (%d listed), flavor %q; want %d, multi-thread", m.Workers, len(m.PerWorker), m.Flavor, cfg.rtWorkers)
	}
	// Spawn sites are on: the dump says where the service's tasks were
	// spawned, in this package's files.
	if !strings.Contains(string(tasksBody), "spawned by ") || !strings.Contains(string(tasksBody), "cmd/weft/demo") {
		t.Errorf("the task dump does not show the demo's spawn sites:\n%.2000s", tasksBody)
	}
	// The producers say what they wait on.
	if !strings.Contains(string(tasksBody), "producer 0: ") {
		t.Errorf("the task dump does not say what the producers wait on:\n%.2000s", tasksBody)
	}
	goleak.VerifyNone(t, signalLoop)
}

// The same seed draws the same requests; that is what makes a run
// repeatable, whatever the timing does.
func TestFatesDependOnlyOnSeedAndID(t *testing.T) {
	a := &demoConfig{seed: 1, panicRate: 0.01, stragglerRate: 0.02, blockingRate: 0.1, callTimeout: 25 * time.Millisecond}
	b := *a
	b.seed = 2
	var panics, stragglers, differ int
	const n = 100_000
	for id := uint64(1); id <= n; id++ {
		f := fateOf(a, id)
		if f != fateOf(a, id) {
			t.Fatalf("fate of request %d changed between two draws", id)
		}
		if p1, p2 := planOf(a, f, 1), planOf(a, f, 1); p1 != p2 {
			t.Fatalf("plan of request %d changed between two draws: %+v, then %+v", id, p1, p2)
		}
		if f != fateOf(&b, id) {
			differ++
		}
		if f.panics {
			panics++
		}
		if f.straggles {
			stragglers++
		}
	}
	if differ < n*99/100 {
		t.Errorf("seeds 1 and 2 drew the same fate for %d of %d requests", n-differ, n)
	}
	// Binomial: n*p is 1000 and 2000, the standard deviations ~32 and ~44.
	if panics < 800 || panics > 1200 || stragglers < 1750 || stragglers > 2250 {
		t.Errorf("%d panics and %d stragglers in %d requests; want about 1000 and 2000", panics, stragglers, n)
	}
}

func TestDemoWithoutPanicsOrPageHasNone(t *testing.T) {
	cfg := parseTestFlags(t, "-panic-rate", "0", "-no-page")
	var out bytes.Buffer
	sum, err := runDemoConfig(context.Background(), cfg, &out)
	if err != nil {
		t.Fatal(err)
	}
	if ps := sum.problems(); len(ps) > 0 {
		t.Errorf("problems: %q", ps)
	}
	if n := sum.c.tasksPanicked.Load(); n != 0 {
		t.Errorf("%d tasks panicked with -panic-rate 0", n)
	}
	if strings.Contains(out.String(), "live page") || strings.Contains(out.String(), "first captured panic") {
		t.Errorf("output mentions a live page or a panic:\n%s", out.String())
	}
}

// When the drain overruns its deadline, every request is cancelled through
// the root token, and the accounting still holds.
func TestDrainOverrunCancelsRequestsAndStillAccounts(t *testing.T) {
	cfg := parseTestFlags(t, "-no-page", "-straggler-rate", "0.2", "-straggler-after", "10s")
	cfg.drainTimeout = time.Nanosecond
	sum, err := runDemoConfig(context.Background(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.forced {
		t.Error("the drain did not overrun a 1ns deadline")
	}
	if ps := sum.problems(); len(ps) > 0 {
		t.Errorf("problems: %q", ps)
	}
	if sum.c.clientCancelled.Load() == 0 {
		t.Error("no request was cancelled, though stragglers waited for the root token")
	}
}

// Stragglers hang, holding a downstream permit, until the watchdog aborts
// them; the abort drops the handler, whose Drop gives the permit back.
func TestWatchdogAbortsStragglersAndTheirPermitsComeBack(t *testing.T) {
	cfg := parseTestFlags(t, "-no-page", "-panic-rate", "0", "-straggler-rate", "0.3",
		"-straggler-after", "30ms", "-chaos-every", "1h", "-downstream", "8")
	sum, err := runDemoConfig(context.Background(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if ps := sum.problems(); len(ps) > 0 {
		t.Errorf("problems: %q", ps)
	}
	c := sum.c
	if c.aborted.Load() == 0 || c.aborted.Load() != c.tasksCancelled.Load() {
		t.Errorf("%d requests aborted, %d tasks cancelled; want the same, above 0", c.aborted.Load(), c.tasksCancelled.Load())
	}
	if c.abortsSent.Load() < c.aborted.Load() {
		t.Errorf("%d aborts sent but %d requests aborted", c.abortsSent.Load(), c.aborted.Load())
	}
	if sum.permitsLeft != 8 {
		t.Errorf("%d of 8 permits back after the drain", sum.permitsLeft)
	}
}

func TestDemoCommandExitCodes(t *testing.T) {
	short := []string{"-duration", "100ms", "-rate", "200", "-no-page", "-compare=false", "-progress", "50ms", "-fanout", "10"}
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"a short run", short, 0},
		{"help", []string{"-h"}, 0},
		{"a bad flag", []string{"-rate", "fast"}, 2},
		{"a negative rate", []string{"-rate", "-1"}, 2},
		{"a zero duration", []string{"-duration", "0s"}, 2},
		{"a rate above one", []string{"-panic-rate", "1.5"}, 2},
		{"an extra argument", []string{"now"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(append([]string{"demo"}, tc.args...), &stdout, &stderr); code != tc.code {
				t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, stdout.String(), stderr.String())
			}
			if tc.code == 0 && tc.name != "help" && !strings.Contains(stdout.String(), "checks passed") {
				t.Errorf("a clean run printed no verdict:\n%s", stdout.String())
			}
		})
	}
}

// runDemo is the entry point with the process's streams; a bad flag is a
// usage error (exit code 2), reported on stderr.
func TestRunDemoReportsBadFlagsOnStderr(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	code := runDemo([]string{"-workers", "0"})
	os.Stderr = saved
	w.Close()
	msg, _ := io.ReadAll(r)
	r.Close()
	if code != 2 || !strings.Contains(string(msg), "-workers") {
		t.Errorf("runDemo(-workers 0) = %d, stderr %q; want 2 and a message about -workers", code, msg)
	}
}

// On a terminal the progress report is rewritten in place; elsewhere each
// report is a line of its own.
func TestProgressRewritesInPlaceOnlyOnATerminal(t *testing.T) {
	rt, err := weft.New(weft.WithWorkers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	for _, tty := range []bool{false, true} {
		s := &service{cfg: &demoConfig{progress: time.Hour, burst: 1}, c: new(demoCounters), start: time.Now().Add(-time.Second)}
		s.c.produced.Add(2000)
		var buf bytes.Buffer
		p := newProgress(&buf, s, rt)
		p.tty = tty
		s.c.ok.Add(1234)
		p.line(false)
		s.c.ok.Add(1)
		p.line(false)
		p.line(true) // skipped: the last report is fresh
		got := buf.String()
		if tty {
			if strings.Count(got, "\r") != 2 || strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, "\n") {
				t.Errorf("terminal output %q: want two reports rewritten with \\r and one final newline", got)
			}
		} else if strings.Contains(got, "\r") || strings.Count(got, "\n") != 2 {
			t.Errorf("plain output %q: want two lines and no \\r", got)
		}
		if !strings.Contains(got, "ok 1,234") {
			t.Errorf("output %q lacks the ok counter", got)
		}
	}
}

func TestServeDebugPage(t *testing.T) {
	rt, err := weft.New(weft.WithWorkers(2))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	url, stop, err := serveDebugPage(rt, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	code, body, err := getOnce(url + "metrics")
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET /metrics: %d, %v", code, err)
	}
	var m struct {
		Workers int `json:"workers"`
	}
	if err := json.Unmarshal(body, &m); err != nil || m.Workers != 2 {
		t.Errorf("GET /metrics: %v, %d workers; want valid JSON, 2 workers\n%s", err, m.Workers, body)
	}
	code, body, err = getOnce(url + "tasks?format=text")
	if err != nil || code != http.StatusOK || !strings.HasPrefix(string(body), "weft task dump: ") {
		t.Errorf("GET /tasks?format=text: %d, %v\n%s", code, err, body)
	}
	if code, body, err := getOnce(url); err != nil || code != http.StatusOK || !strings.Contains(string(body), "<title>weft runtime</title>") {
		t.Errorf("GET /: %d, %v; want the live page", code, err)
	}
	if code, _, err := getOnce(url + "nothing-here"); err != nil || code != http.StatusNotFound {
		t.Errorf("GET /nothing-here: %d, %v; want 404", code, err)
	}
	stop()
	if _, _, err := getOnce(url + "metrics"); err == nil {
		t.Error("the page still answers after stop")
	}
	if _, _, err := serveDebugPage(rt, "no-such-host-or-port"); err == nil {
		t.Error("serveDebugPage on a bad address did not fail")
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	s := h.snapshot()
	if q := s.quantile(0.5); q != 0 {
		t.Errorf("quantile of an empty histogram = %v, want 0", q)
	}
	for i := 1; i <= 10_000; i++ {
		h.record(uint64(i), time.Duration(i)*time.Microsecond)
	}
	s = h.snapshot()
	if s.n != 10_000 {
		t.Fatalf("%d values recorded, want 10000", s.n)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 5000 * time.Microsecond}, {0.99, 9900 * time.Microsecond}, {0, time.Microsecond}, {1, 10 * time.Millisecond}} {
		got := s.quantile(tc.q)
		if d := got - tc.want; d < -tc.want/32 || d > tc.want/32 {
			t.Errorf("quantile(%v) = %v, want %v within 1/32", tc.q, got, tc.want)
		}
	}
}

// Every value falls in the bucket whose range holds it, and buckets cover
// the values in order with no gap.
func TestHistogramBucketsCoverValuesInOrder(t *testing.T) {
	vals := []uint64{0, 1, 31, 32, 33, 63, 64, 65, 1000, 1 << 20, 1<<40 + 12345, 1<<63 - 1, 1 << 63}
	for v := uint64(0); v < 5000; v++ {
		vals = append(vals, v)
	}
	for _, v := range vals {
		i := histBucket(v)
		if i < 0 || i >= histBuckets {
			t.Fatalf("bucket of %d is %d, out of [0, %d)", v, i, histBuckets)
		}
		lo, hi := histLow(i), histLow(i+1)
		if i == histBuckets-1 {
			hi = ^uint64(0)
		}
		if v < lo || (v >= hi && i < histBuckets-1) {
			t.Fatalf("%d is in bucket %d = [%d, %d)", v, i, lo, hi)
		}
	}
	for i := 1; i < histBuckets; i++ {
		if histLow(i) <= histLow(i-1) || histBucket(histLow(i)) != i {
			t.Fatalf("bucket %d starts at %d, bucket %d at %d", i, histLow(i), i-1, histLow(i-1))
		}
	}
}

// The poll timer pairs a task's two hooks and ignores an AfterPoll with no
// BeforePoll.
func TestPollTimerPairsHooksByTask(t *testing.T) {
	p := newPollTimer()
	h := p.hooks()
	h.AfterPoll(task.Meta{ID: 9}) // no start: not counted
	h.BeforePoll(task.Meta{ID: 5})
	h.BeforePoll(task.Meta{ID: 6})
	h.AfterPoll(task.Meta{ID: 6})
	h.AfterPoll(task.Meta{ID: 5})
	h.AfterPoll(task.Meta{ID: 5}) // already taken
	if s := p.hist.snapshot(); s.n != 2 {
		t.Errorf("%d polls timed, want 2", s.n)
	}
}

func TestCountFormatsThousands(t *testing.T) {
	for n, want := range map[uint64]string{0: "0", 999: "999", 1000: "1,000", 12345: "12,345", 123456: "123,456", 1234567: "1,234,567"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}

// The idle-cost comparison measures something on both sides, and a parked
// goroutine (a stack of its own) costs more than a weft task waiting on a
// token (a task cell and a waiter).
func TestMeasureIdleTasksAgainstGoroutines(t *testing.T) {
	c, err := measureIdle(2000, 2)
	if err != nil {
		t.Fatal(err)
	}
	if c.task <= 0 || c.goroutine <= c.task {
		t.Errorf("idle weft task %.0f B, parked goroutine %.0f B; want 0 < task < goroutine", c.task, c.goroutine)
	}
}

// TestServeRunsUntilInterrupted runs the demo with -serve: it must not stop
// after -duration, only when its context ends (Ctrl-C), and then drain and
// account as a timed run does.
func TestServeRunsUntilInterrupted(t *testing.T) {
	cfg := parseTestFlags(t, "-serve", "-duration", "50ms", "-no-page")
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	done := make(chan *demoSummary, 1)
	go func() {
		sum, err := runDemoConfig(ctx, cfg, &out)
		if err != nil {
			t.Error(err)
		}
		done <- sum
	}()
	// Six burst periods pass without the run ending on its own.
	tick := time.NewTimer(6 * cfg.duration)
	select {
	case <-done:
		t.Fatal("the -serve run ended before it was interrupted")
	case <-tick.C:
	}
	cancel()
	sum := <-done
	if sum == nil {
		t.FailNow()
	}
	if ps := sum.problems(); len(ps) > 0 {
		t.Errorf("problems: %q", ps)
	}
	if !sum.interrupted {
		t.Error("the summary does not say the run was interrupted")
	}
	if !strings.Contains(out.String(), "until Ctrl-C") {
		t.Errorf("the intro does not say the run lasts until Ctrl-C:\n%s", out.String())
	}
}

// TestServeRepeatsTheBurstEveryPeriod checks the request schedule of
// -serve: each period of -duration has the timed run's burst.
func TestServeRepeatsTheBurstEveryPeriod(t *testing.T) {
	timed := parseTestFlags(t, "-duration", "1s", "-rate", "100", "-burst", "3")
	served := parseTestFlags(t, "-duration", "1s", "-rate", "100", "-burst", "3", "-serve")
	if a, b := timed.due(time.Second), served.due(time.Second); a != b || a != 140 {
		t.Fatalf("one period: timed %v, served %v requests; want 140 both", a, b)
	}
	if got := served.due(3*time.Second + 500*time.Millisecond); got != 3*140+50+20 {
		t.Errorf("3.5 periods with -serve: %v requests, want %v", got, 3*140+50+20)
	}
	if got := timed.due(3 * time.Second); got != 340 {
		t.Errorf("3 s without -serve: %v requests, want one burst only (340)", got)
	}
}

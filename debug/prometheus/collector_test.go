package prometheus_test

import (
	"context"
	"strings"
	"testing"

	promclient "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/weftrt/weft"
	"github.com/weftrt/weft/debug/prometheus"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

func newRuntime(t *testing.T, opts ...weft.Option) *weft.Runtime {
	t.Helper()
	rt, err := weft.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := rt.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return rt
}

// yielder yields n times, then returns 1.
type yielder struct{ n int }

func (y *yielder) Poll(cx *future.Context) (int, bool) {
	if y.n > 0 {
		y.n--
		cx.Waker().Wake()
		return 0, false
	}
	return 1, true
}

// runWorkload spawns 3 tasks from outside that yield twice each, and waits
// for them.
func runWorkload(t *testing.T, rt *weft.Runtime) {
	t.Helper()
	hs := make([]*task.JoinHandle[int], 3)
	for i := range hs {
		hs[i] = weft.Spawn(rt, &yielder{n: 2})
	}
	for _, h := range hs {
		if r, err := weft.BlockOn(context.Background(), rt, h); err != nil || r.Value != 1 {
			t.Fatalf("got %+v, %v", r, err)
		}
	}
}

// TestCollectorPassesLint runs both flavors, with and without the
// histogram, through promlint (names, units, suffixes, help) and a
// pedantic registry (every metric described, labels consistent).
func TestCollectorPassesLint(t *testing.T) {
	for _, opts := range [][]weft.Option{
		{weft.WithCurrentThread()},
		{weft.WithCurrentThread(), weft.WithPollTimeHistogram(weft.HistogramConfig{})},
		{weft.WithWorkers(2), weft.WithPollTimeHistogram(weft.LogHistogram(100, 1e9, 2))},
	} {
		rt := newRuntime(t, opts...)
		runWorkload(t, rt)
		c := prometheus.NewCollector(rt)
		problems, err := testutil.CollectAndLint(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Errorf("%s: %s", p.Metric, p.Text)
		}
		if n := testutil.CollectAndCount(c); n < 20 {
			t.Errorf("only %d metrics collected", n)
		}
	}
}

// TestCollectorMatchesDeterministicRun compares the exposition of a
// current-thread run with the counts the run must produce: 3 tasks spawned
// from outside (3 remote schedules), 2 yields each (6 local schedules),
// 9 polls.
func TestCollectorMatchesDeterministicRun(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread(), weft.WithPollTimeHistogram(weft.HistogramConfig{}))
	runWorkload(t, rt)
	const want = `
# HELP weft_alive_tasks Tasks that have not completed.
# TYPE weft_alive_tasks gauge
weft_alive_tasks 0
# HELP weft_spawned_tasks_total Tasks spawned (blocking and local tasks not included).
# TYPE weft_spawned_tasks_total counter
weft_spawned_tasks_total 3
# HELP weft_remote_schedules_total Tasks scheduled from outside the runtime's workers.
# TYPE weft_remote_schedules_total counter
weft_remote_schedules_total 3
# HELP weft_workers Number of worker goroutines (1 for current-thread).
# TYPE weft_workers gauge
weft_workers 1
# HELP weft_worker_polls_total Task polls.
# TYPE weft_worker_polls_total counter
weft_worker_polls_total{worker="0"} 9
# HELP weft_worker_local_schedules_total Tasks scheduled from this worker.
# TYPE weft_worker_local_schedules_total counter
weft_worker_local_schedules_total{worker="0"} 6
# HELP weft_worker_steals_total Tasks stolen from other workers.
# TYPE weft_worker_steals_total counter
weft_worker_steals_total{worker="0"} 0
# HELP weft_runtime_info Always 1; the flavor label names the runtime's scheduler.
# TYPE weft_runtime_info gauge
weft_runtime_info{flavor="current-thread"} 1
`
	names := []string{"weft_alive_tasks", "weft_spawned_tasks_total", "weft_remote_schedules_total",
		"weft_workers", "weft_worker_polls_total", "weft_worker_local_schedules_total",
		"weft_worker_steals_total", "weft_runtime_info"}
	if err := testutil.CollectAndCompare(prometheus.NewCollector(rt), strings.NewReader(want), names...); err != nil {
		t.Fatal(err)
	}
	// The histogram counts every poll.
	reg := promclient.NewPedanticRegistry()
	reg.MustRegister(prometheus.NewCollector(rt))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "weft_worker_poll_time_seconds" {
			continue
		}
		h := mf.GetMetric()[0].GetHistogram()
		if h.GetSampleCount() != 9 || h.GetSampleSum() <= 0 || len(h.GetBucket()) != 9 {
			t.Fatalf("histogram: count %d sum %v, %d finite buckets; want 9, > 0, 9",
				h.GetSampleCount(), h.GetSampleSum(), len(h.GetBucket()))
		}
		return
	}
	t.Fatal("no weft_worker_poll_time_seconds")
}

func TestNewCollectorNilRuntimePanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "prometheus: ") {
			t.Fatalf("recovered %v", r)
		}
	}()
	prometheus.NewCollector(nil)
}

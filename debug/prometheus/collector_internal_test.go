package prometheus

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/weftrt/weft"
)

// TestHistogramConversion feeds a hand-made snapshot through the collector
// and checks the exposition of the poll-time histogram: cumulative counts,
// bounds in seconds, the open last bucket as +Inf, and the sum.
func TestHistogramConversion(t *testing.T) {
	m := weft.Metrics{
		Flavor:  weft.CurrentThread,
		Workers: 1,
		PollTimeBuckets: []weft.HistogramBucket{
			{Start: 0, End: 100 * time.Microsecond},
			{Start: 100 * time.Microsecond, End: 200 * time.Microsecond},
			{Start: 200 * time.Microsecond, End: 1<<63 - 1},
		},
		PerWorker: []weft.WorkerMetrics{{
			Polls:             6,
			PollTimeHistogram: []uint64{3, 2, 1},
			PollTimeTotal:     1500 * time.Microsecond,
		}},
	}
	c := newCollector(func() weft.Metrics { return m }, WithConstLabels(prometheus.Labels{"rt": "a"}))
	const want = `
# HELP weft_worker_poll_time_seconds Duration of task polls (only with weft.WithPollTimeHistogram).
# TYPE weft_worker_poll_time_seconds histogram
weft_worker_poll_time_seconds_bucket{rt="a",worker="0",le="0.0001"} 3
weft_worker_poll_time_seconds_bucket{rt="a",worker="0",le="0.0002"} 5
weft_worker_poll_time_seconds_bucket{rt="a",worker="0",le="+Inf"} 6
weft_worker_poll_time_seconds_sum{rt="a",worker="0"} 0.0015
weft_worker_poll_time_seconds_count{rt="a",worker="0"} 6
# HELP weft_runtime_info Always 1; the flavor label names the runtime's scheduler.
# TYPE weft_runtime_info gauge
weft_runtime_info{flavor="current-thread",rt="a"} 1
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want),
		"weft_worker_poll_time_seconds", "weft_runtime_info"); err != nil {
		t.Fatal(err)
	}
}

// TestNoHistogramWhenOff: a snapshot without buckets yields no histogram.
func TestNoHistogramWhenOff(t *testing.T) {
	c := newCollector(func() weft.Metrics {
		return weft.Metrics{Workers: 1, PerWorker: []weft.WorkerMetrics{{Polls: 3}}}
	})
	if n := testutil.CollectAndCount(c, "weft_worker_poll_time_seconds"); n != 0 {
		t.Fatalf("%d poll-time histograms without the histogram", n)
	}
	if n := testutil.CollectAndCount(c, "weft_worker_polls_total"); n != 1 {
		t.Fatalf("%d poll counters for one worker", n)
	}
}

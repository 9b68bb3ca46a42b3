package weft

import (
	"fmt"
	"time"

	"github.com/weftrt/weft/internal/sched/polltime"
)

// HistogramConfig is the bucket layout of the poll-time histogram; see
// WithPollTimeHistogram. Build one with LinearHistogram or LogHistogram. The
// zero value is Tokio's default layout, LinearHistogram(10, 100µs).
type HistogramConfig struct {
	set       bool // built by a constructor; the zero value is the default
	log       bool
	buckets   int
	width     time.Duration
	min, max  time.Duration
	precision int
}

// LinearHistogram returns a layout of n buckets of equal width: bucket i
// counts polls that took at least i*width and less than (i+1)*width, and the
// last bucket every poll from (n-1)*width up. n must be between 1 and 16384
// and width positive, or New fails.
//
// Pick width so that the polls you care about spread over the buckets; with
// Tokio's default (10 x 100µs) every healthy poll lands in the first bucket
// and the others show the slow ones.
func LinearHistogram(n int, width time.Duration) HistogramConfig {
	return HistogramConfig{set: true, buckets: n, width: width}
}

// LogHistogram returns a logarithmic layout (an H2, base-2 high dynamic
// range histogram) for polls from min to max: each bucket's width is at
// most 2^-precision of its lower end, so a poll time read off a bucket is at
// most that far off (precision 2: 25%, 3: 12.5%). min is rounded down to a
// power of two nanoseconds; the smallest buckets have that width and the
// first counts polls faster than it. Polls of max and longer share the last
// bucket. min must be positive, max at least min, precision between 0 and
// 10, and the layout at most 16384 buckets, or New fails.
//
// LogHistogram(100*time.Nanosecond, 1<<36, 2), Tokio's default for its log
// histogram, covers 64ns to about 68.7s in 117 buckets.
func LogHistogram(min, max time.Duration, precision int) HistogramConfig {
	return HistogramConfig{set: true, log: true, min: min, max: max, precision: precision}
}

// String describes the layout.
func (h HistogramConfig) String() string {
	if !h.set {
		return "LinearHistogram(10, 100µs)"
	}
	if h.log {
		return fmt.Sprintf("LogHistogram(%v, %v, %d)", h.min, h.max, h.precision)
	}
	return fmt.Sprintf("LinearHistogram(%d, %v)", h.buckets, h.width)
}

// layout builds the bucket layout.
func (h HistogramConfig) layout() (*polltime.Buckets, error) {
	switch {
	case !h.set:
		return polltime.NewLinear(polltime.DefaultLinearBuckets, polltime.DefaultLinearWidth)
	case h.log:
		return polltime.NewLog(h.min, h.max, h.precision)
	default:
		return polltime.NewLinear(h.buckets, h.width)
	}
}

// WithPollTimeHistogram turns on the poll-time histogram: every task poll is
// timed and counted in a bucket of layout h, per worker, and reported in
// Metrics (PollTimeBuckets and WorkerMetrics.PollTimeHistogram). It is off
// by default because timing costs one read of the monotonic clock per poll
// (35-60ns on the VMs weft is measured on, about as much as a small poll;
// see BENCHMARKS.md, "Observability overhead"). Polls that run back to back
// share one clock read, so the cost is one read per poll, not two.
//
// Each poll is one sample, including polls of tasks run from a worker's
// LIFO slot. The time counted includes the task hooks (WithTaskHooks) run
// around the poll.
func WithPollTimeHistogram(h HistogramConfig) Option {
	return func(c *config) {
		b, err := h.layout()
		if err != nil {
			c.fail("WithPollTimeHistogram(%v): %v", h, err)
			return
		}
		c.pollTimes = b
	}
}

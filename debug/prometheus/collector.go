// Package prometheus exports a weft runtime's metrics (weft.Runtime.Metrics)
// to Prometheus: NewCollector returns a prometheus.Collector that takes one
// snapshot per scrape and turns it into weft_* metrics.
//
// It is the only weft package that imports
// github.com/prometheus/client_golang; programs that do not import it do not
// link the Prometheus client.
//
// # Metrics
//
// Runtime-wide, without labels (beyond WithConstLabels):
//
//	weft_runtime_info{flavor}             gauge, always 1
//	weft_workers                          gauge
//	weft_uptime_seconds                   gauge
//	weft_alive_tasks                      gauge
//	weft_spawned_tasks_total              counter
//	weft_global_queue_depth               gauge
//	weft_remote_schedules_total           counter
//	weft_blocking_threads                 gauge
//	weft_blocking_idle_threads            gauge
//	weft_blocking_busy_threads            gauge
//	weft_blocking_queue_depth             gauge
//	weft_blocking_spawned_tasks_total     counter
//
// Per worker, with label worker="0", "1", ...:
//
//	weft_worker_local_queue_depth         gauge
//	weft_worker_polls_total               counter
//	weft_worker_steals_total              counter
//	weft_worker_steal_operations_total    counter
//	weft_worker_overflows_total           counter
//	weft_worker_parks_total               counter
//	weft_worker_unparks_total             counter
//	weft_worker_noop_parks_total          counter
//	weft_worker_local_schedules_total     counter
//	weft_worker_budget_forced_yields_total counter
//	weft_worker_busy_seconds_total        counter
//	weft_worker_mean_poll_time_seconds    gauge (multi-thread only)
//	weft_worker_poll_time_seconds         histogram (with weft.WithPollTimeHistogram)
//
// The poll-time histogram keeps weft's buckets: each bucket's end becomes a
// Prometheus upper bound ("le"), and the open last bucket becomes +Inf. weft
// counts a poll of exactly a bucket's end in the next bucket, Prometheus
// would count it in this one; at nanosecond resolution the difference does
// not show.
package prometheus

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/weftrt/weft"
)

// Option configures a Collector.
type Option func(*Collector)

// WithConstLabels adds labels with fixed values to every metric, for
// example to tell apart several runtimes of one process registered with
// the same registry.
func WithConstLabels(l prometheus.Labels) Option {
	return func(c *Collector) { c.constLabels = l }
}

// Collector is a prometheus.Collector for one weft runtime. Each Collect
// takes one snapshot (weft.Runtime.Metrics) and reports it; worker
// counters lag by up to one maintenance interval, as the snapshot does. It
// is safe for concurrent use.
type Collector struct {
	snapshot    func() weft.Metrics
	constLabels prometheus.Labels

	info, workers, uptime, alive, spawned, globalDepth, remote             *prometheus.Desc
	blkThreads, blkIdle, blkBusy, blkDepth, blkSpawned                     *prometheus.Desc
	wDepth, wPolls, wSteals, wStealOps, wOverflows                         *prometheus.Desc
	wParks, wUnparks, wNoops, wLocal, wForced, wBusy, wMeanPoll, wPollTime *prometheus.Desc
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a Collector for rt. It panics when rt is nil.
func NewCollector(rt *weft.Runtime, opts ...Option) *Collector {
	if rt == nil {
		panic("prometheus: NewCollector with a nil *weft.Runtime")
	}
	return newCollector(rt.Metrics, opts...)
}

func newCollector(snapshot func() weft.Metrics, opts ...Option) *Collector {
	c := &Collector{snapshot: snapshot}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	rt := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("weft_"+name, help, labels, c.constLabels)
	}
	w := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("weft_worker_"+name, help, []string{"worker"}, c.constLabels)
	}
	c.info = rt("runtime_info", "Always 1; the flavor label names the runtime's scheduler.", "flavor")
	c.workers = rt("workers", "Number of worker goroutines (1 for current-thread).")
	c.uptime = rt("uptime_seconds", "Time since the runtime was created.")
	c.alive = rt("alive_tasks", "Tasks that have not completed.")
	c.spawned = rt("spawned_tasks_total", "Tasks spawned (blocking and local tasks not included).")
	c.globalDepth = rt("global_queue_depth", "Tasks in the shared (inject) queue.")
	c.remote = rt("remote_schedules_total", "Tasks scheduled from outside the runtime's workers.")
	c.blkThreads = rt("blocking_threads", "Goroutines of the blocking pool.")
	c.blkIdle = rt("blocking_idle_threads", "Blocking-pool goroutines waiting for work.")
	c.blkBusy = rt("blocking_busy_threads", "Blocking-pool goroutines running a closure.")
	c.blkDepth = rt("blocking_queue_depth", "Blocking tasks waiting for a goroutine.")
	c.blkSpawned = rt("blocking_spawned_tasks_total", "Blocking tasks accepted by the pool.")
	c.wDepth = w("local_queue_depth", "Tasks in the worker's own run queue.")
	c.wPolls = w("polls_total", "Task polls.")
	c.wSteals = w("steals_total", "Tasks stolen from other workers.")
	c.wStealOps = w("steal_operations_total", "Steal operations that took at least one task.")
	c.wOverflows = w("overflows_total", "Times the local queue was full and half of it moved to the shared queue.")
	c.wParks = w("parks_total", "Times the worker went to sleep.")
	c.wUnparks = w("unparks_total", "Times the worker woke up.")
	c.wNoops = w("noop_parks_total", "Parks with no task poll since the previous park.")
	c.wLocal = w("local_schedules_total", "Tasks scheduled from this worker.")
	c.wForced = w("budget_forced_yields_total", "Polls cut short because the coop budget ran out.")
	c.wBusy = w("busy_seconds_total", "Time the worker spent running tasks and timers.")
	c.wMeanPoll = w("mean_poll_time_seconds", "Moving average of poll durations (multi-thread only).")
	c.wPollTime = w("poll_time_seconds", "Duration of task polls (only with weft.WithPollTimeHistogram).")
	return c
}

// Describe sends the descriptors of every metric the Collector may report.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.info, c.workers, c.uptime, c.alive, c.spawned, c.globalDepth, c.remote,
		c.blkThreads, c.blkIdle, c.blkBusy, c.blkDepth, c.blkSpawned,
		c.wDepth, c.wPolls, c.wSteals, c.wStealOps, c.wOverflows,
		c.wParks, c.wUnparks, c.wNoops, c.wLocal, c.wForced, c.wBusy, c.wMeanPoll, c.wPollTime,
	} {
		ch <- d
	}
}

// Collect takes a snapshot of the runtime's metrics and sends them.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	m := c.snapshot()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge(c.info, 1, m.Flavor.String())
	gauge(c.workers, float64(m.Workers))
	gauge(c.uptime, m.Uptime.Seconds())
	gauge(c.alive, float64(m.AliveTasks))
	counter(c.spawned, float64(m.SpawnedTasks))
	gauge(c.globalDepth, float64(m.GlobalQueueDepth))
	counter(c.remote, float64(m.RemoteSchedules))
	gauge(c.blkThreads, float64(m.BlockingThreads))
	gauge(c.blkIdle, float64(m.IdleBlockingThreads))
	gauge(c.blkBusy, float64(m.BusyBlockingThreads))
	gauge(c.blkDepth, float64(m.BlockingQueueDepth))
	counter(c.blkSpawned, float64(m.SpawnedBlockingTasks))
	for i, w := range m.PerWorker {
		l := strconv.Itoa(i)
		gauge(c.wDepth, float64(w.LocalQueueDepth), l)
		counter(c.wPolls, float64(w.Polls), l)
		counter(c.wSteals, float64(w.Steals), l)
		counter(c.wStealOps, float64(w.StealOperations), l)
		counter(c.wOverflows, float64(w.Overflows), l)
		counter(c.wParks, float64(w.Parks), l)
		counter(c.wUnparks, float64(w.Unparks), l)
		counter(c.wNoops, float64(w.NoopParks), l)
		counter(c.wLocal, float64(w.LocalSchedules), l)
		counter(c.wForced, float64(w.BudgetForcedYields), l)
		counter(c.wBusy, w.BusyDuration.Seconds(), l)
		if m.Flavor == weft.MultiThread {
			gauge(c.wMeanPoll, w.MeanPollTime.Seconds(), l)
		}
		if m.PollTimeBuckets != nil {
			count, buckets := cumulative(m.PollTimeBuckets, w.PollTimeHistogram)
			ch <- prometheus.MustNewConstHistogram(c.wPollTime, count, w.PollTimeTotal.Seconds(), buckets, l)
		}
	}
}

// cumulative converts weft's per-bucket counts to Prometheus' cumulative
// counts keyed by upper bound in seconds. The open last bucket is left out:
// Prometheus' implicit +Inf bucket, whose count is the total, stands for it.
func cumulative(layout []weft.HistogramBucket, counts []uint64) (total uint64, buckets map[float64]uint64) {
	buckets = make(map[float64]uint64, len(layout))
	for i, b := range layout {
		if i < len(counts) {
			total += counts[i]
		}
		if i < len(layout)-1 {
			buckets[b.End.Seconds()] = total
		}
	}
	return total, buckets
}

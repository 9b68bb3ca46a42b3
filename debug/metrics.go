package debug

import (
	"math"
	"time"

	"github.com/weftrt/weft"
)

// The /metrics document: weft.Metrics written for a person reading it. The
// flavor is its name, every duration is a Go duration string ("1.25s") with
// the same value in nanoseconds next to it (*_ns, for programs such as the
// live page), and the poll-time histogram is there only when it is on, as
// a list of buckets with their bounds.

type metricsView struct {
	Flavor             string              `json:"flavor"`
	Workers            int                 `json:"workers"`
	Uptime             string              `json:"uptime"`
	UptimeNs           int64               `json:"uptime_ns"`
	AliveTasks         int                 `json:"alive_tasks"`
	SpawnedTasks       uint64              `json:"spawned_tasks"`
	GlobalQueueDepth   int                 `json:"global_queue_depth"`
	RemoteSchedules    uint64              `json:"remote_schedules"`
	BudgetForcedYields uint64              `json:"budget_forced_yields"`
	Polls              uint64              `json:"polls"`
	Blocking           blockingView        `json:"blocking"`
	PollTimeHistogram  []bucketView        `json:"poll_time_histogram,omitempty"`
	PerWorker          []workerMetricsView `json:"per_worker"`
}

type blockingView struct {
	Threads      int    `json:"threads"`
	Idle         int    `json:"idle"`
	Busy         int    `json:"busy"`
	QueueDepth   int    `json:"queue_depth"`
	SpawnedTasks uint64 `json:"spawned_tasks"`
}

// bucketView is one bucket of a poll-time histogram: polls that took at
// least From and less than To; the last bucket has no To.
type bucketView struct {
	From  string `json:"from"`
	To    string `json:"to,omitempty"`
	Polls uint64 `json:"polls"`
}

type workerMetricsView struct {
	LocalQueueDepth    int          `json:"local_queue_depth"`
	Polls              uint64       `json:"polls"`
	Steals             uint64       `json:"steals"`
	StealOperations    uint64       `json:"steal_operations"`
	Overflows          uint64       `json:"overflows"`
	Parks              uint64       `json:"parks"`
	Unparks            uint64       `json:"unparks"`
	NoopParks          uint64       `json:"noop_parks"`
	LocalSchedules     uint64       `json:"local_schedules"`
	BudgetForcedYields uint64       `json:"budget_forced_yields"`
	Busy               string       `json:"busy"`
	BusyNs             int64        `json:"busy_ns"`
	MeanPollTime       string       `json:"mean_poll_time"`
	MeanPollTimeNs     int64        `json:"mean_poll_time_ns"`
	PollTimeTotal      string       `json:"poll_time_total,omitempty"`
	PollTimeHistogram  []bucketView `json:"poll_time_histogram,omitempty"`
}

// viewMetrics converts a snapshot to its /metrics document.
func viewMetrics(m weft.Metrics) metricsView {
	v := metricsView{
		Flavor:             m.Flavor.String(),
		Workers:            m.Workers,
		Uptime:             m.Uptime.Round(time.Millisecond).String(),
		UptimeNs:           m.Uptime.Nanoseconds(),
		AliveTasks:         m.AliveTasks,
		SpawnedTasks:       m.SpawnedTasks,
		GlobalQueueDepth:   m.GlobalQueueDepth,
		RemoteSchedules:    m.RemoteSchedules,
		BudgetForcedYields: m.BudgetForcedYields,
		Polls:              m.Polls(),
		Blocking: blockingView{
			Threads:      m.BlockingThreads,
			Idle:         m.IdleBlockingThreads,
			Busy:         m.BusyBlockingThreads,
			QueueDepth:   m.BlockingQueueDepth,
			SpawnedTasks: m.SpawnedBlockingTasks,
		},
		PollTimeHistogram: buckets(m.PollTimeBuckets, m.PollTimeHistogram()),
		PerWorker:         make([]workerMetricsView, len(m.PerWorker)),
	}
	for i, w := range m.PerWorker {
		wv := workerMetricsView{
			LocalQueueDepth:    w.LocalQueueDepth,
			Polls:              w.Polls,
			Steals:             w.Steals,
			StealOperations:    w.StealOperations,
			Overflows:          w.Overflows,
			Parks:              w.Parks,
			Unparks:            w.Unparks,
			NoopParks:          w.NoopParks,
			LocalSchedules:     w.LocalSchedules,
			BudgetForcedYields: w.BudgetForcedYields,
			Busy:               w.BusyDuration.String(),
			BusyNs:             w.BusyDuration.Nanoseconds(),
			MeanPollTime:       w.MeanPollTime.String(),
			MeanPollTimeNs:     w.MeanPollTime.Nanoseconds(),
			PollTimeHistogram:  buckets(m.PollTimeBuckets, w.PollTimeHistogram),
		}
		if w.PollTimeHistogram != nil {
			wv.PollTimeTotal = w.PollTimeTotal.String()
		}
		v.PerWorker[i] = wv
	}
	return v
}

// buckets pairs a histogram's layout with its counts; nil when it is off.
func buckets(layout []weft.HistogramBucket, counts []uint64) []bucketView {
	if layout == nil || counts == nil {
		return nil
	}
	out := make([]bucketView, len(layout))
	for i, b := range layout {
		out[i] = bucketView{From: b.Start.String()}
		if b.End != math.MaxInt64 {
			out[i].To = b.End.String()
		}
		if i < len(counts) {
			out[i].Polls = counts[i]
		}
	}
	return out
}

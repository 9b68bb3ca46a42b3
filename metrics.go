package weft

import "time"

// Metrics is a snapshot of a runtime's counters, Tokio's runtime metrics
// in a plain struct. Counters only grow; depths and counts of threads are
// readings at the time of the snapshot. Worker counters are published by each
// worker at its maintenance points (every WithEventInterval ticks) and before
// it parks, so they may lag the truth by up to one maintenance interval. One
// worker's counters in a snapshot all come from the same publish (so
// Unparks <= Parks and the histogram sums to Polls); different workers and
// the runtime-wide fields are read one after the other, not atomically.
//
// Counting is always on and costs no contended atomic on the poll path: each
// worker counts in plain fields of its own and publishes them with atomic
// stores. Only the poll-time histogram, which reads the clock at every poll,
// has to be turned on (WithPollTimeHistogram).
type Metrics struct {
	// Flavor is the runtime's scheduler.
	Flavor Flavor
	// Workers is the number of workers (1 for current-thread).
	Workers int
	// Uptime is the time since the runtime was created.
	Uptime time.Duration
	// AliveTasks is the number of tasks that have not completed.
	AliveTasks int
	// SpawnedTasks is the number of tasks ever spawned (blocking and local
	// tasks not included).
	SpawnedTasks uint64
	// GlobalQueueDepth is the number of tasks in the shared (inject) queue.
	GlobalQueueDepth int
	// RemoteSchedules counts tasks scheduled from outside a worker: spawned
	// or woken by a goroutine that is not one of the runtime's workers (for
	// a current-thread runtime, not the goroutine driving it). The others
	// are counted in WorkerMetrics.LocalSchedules.
	RemoteSchedules uint64
	// BudgetForcedYields counts polls cut short because the task's coop
	// budget ran out (the sum of the workers').
	BudgetForcedYields uint64
	// BlockingThreads is the number of blocking-pool goroutines;
	// IdleBlockingThreads of them wait for work and BusyBlockingThreads run
	// a closure (the rest are starting or exiting).
	BlockingThreads     int
	IdleBlockingThreads int
	BusyBlockingThreads int
	// BlockingQueueDepth is the number of blocking tasks waiting for a
	// goroutine.
	BlockingQueueDepth int
	// SpawnedBlockingTasks counts the blocking tasks the pool accepted.
	SpawnedBlockingTasks uint64
	// PollTimeBuckets is the layout of the poll-time histogram, nil when
	// it is off; WorkerMetrics.PollTimeHistogram holds the counts.
	PollTimeBuckets []HistogramBucket
	// PerWorker holds each worker's counters.
	PerWorker []WorkerMetrics
}

// WorkerMetrics are one worker's counters. On a current-thread runtime the
// one worker is whichever goroutine drives the runtime inside BlockOn.
type WorkerMetrics struct {
	// LocalQueueDepth is the number of tasks in the worker's own queue (a
	// multi-thread worker's LIFO slot not included). On a current-thread
	// runtime it is the reading of the last publish.
	LocalQueueDepth int
	// Polls counts task polls.
	Polls uint64
	// Steals counts tasks stolen from other workers; StealOperations the
	// steals that took at least one. Always 0 on a current-thread runtime.
	Steals          uint64
	StealOperations uint64
	// Overflows counts times the local queue was full and half of it moved
	// to the shared queue. Always 0 on a current-thread runtime, whose
	// queue is unbounded.
	Overflows uint64
	// Parks and Unparks count the worker's sleeps and wake-ups; NoopParks
	// the sleeps with no poll since the previous one. Unparks <= Parks <=
	// Unparks+1, the +1 while the worker sleeps.
	Parks     uint64
	Unparks   uint64
	NoopParks uint64
	// LocalSchedules counts tasks scheduled from this worker: spawned or
	// woken by a task it was running, including tasks that woke
	// themselves.
	LocalSchedules uint64
	// BudgetForcedYields counts this worker's polls cut short by the coop
	// budget.
	BudgetForcedYields uint64
	// BusyDuration is the total time the worker was neither parked nor
	// looking for work to steal: polling tasks (and, on a current-thread
	// runtime, the future given to BlockOn) and running due timers. A
	// BlockOn whose future completes at its first poll, running no task,
	// is not timed (reading the clock would cost more than the poll).
	BusyDuration time.Duration
	// MeanPollTime is the moving average of poll durations that tunes the
	// global queue interval (multi-thread only).
	MeanPollTime time.Duration
	// PollTimeHistogram counts the worker's polls by duration, one count
	// per bucket of Metrics.PollTimeBuckets; nil when the histogram is off.
	// Its sum equals Polls as of the same publish.
	PollTimeHistogram []uint64
	// PollTimeTotal is the total duration of the polls counted in
	// PollTimeHistogram (0 when the histogram is off), the sum of a
	// Prometheus histogram.
	PollTimeTotal time.Duration
}

// HistogramBucket is one bucket of the poll-time histogram: it counts polls
// that took at least Start and less than End. The last bucket's End is
// math.MaxInt64: it has no upper bound.
type HistogramBucket struct {
	Start, End time.Duration
}

// PollTimeHistogram returns the poll-time histogram summed over the
// workers, or nil when it is off.
func (m Metrics) PollTimeHistogram() []uint64 {
	if m.PollTimeBuckets == nil {
		return nil
	}
	sum := make([]uint64, len(m.PollTimeBuckets))
	for _, w := range m.PerWorker {
		for i, c := range w.PollTimeHistogram {
			sum[i] += c
		}
	}
	return sum
}

// Polls returns the number of task polls summed over the workers.
func (m Metrics) Polls() uint64 {
	var n uint64
	for _, w := range m.PerWorker {
		n += w.Polls
	}
	return n
}

// Metrics returns a snapshot of the runtime's counters.
func (rt *Runtime) Metrics() Metrics { return rt.h.Metrics() }

// Metrics returns a snapshot of the runtime's counters.
//
// Each worker's counters come from one publish. They are read before the
// runtime-wide values (alive tasks, queue depths, blocking pool), so a
// snapshot whose workers all sit in a park they published shows everything
// they did before it: a task they completed is no longer alive.
func (h *Handle) Metrics() Metrics {
	m := Metrics{Flavor: h.cfg.flavor}
	pt := h.cfg.pollTimes
	newHist := func() []uint64 {
		if pt == nil {
			return nil
		}
		return make([]uint64, pt.Len())
	}
	e := h.eng
	m.Workers = e.NumWorkers()
	m.PerWorker = make([]WorkerMetrics, m.Workers)
	for i := range m.PerWorker {
		c := e.ReadWorker(i, newHist())
		m.PerWorker[i] = WorkerMetrics{
			LocalQueueDepth:    c.LocalQueueDepth,
			Polls:              c.Polls,
			Steals:             c.Steals,
			StealOperations:    c.StealOperations,
			Overflows:          c.Overflows,
			Parks:              c.Parks,
			Unparks:            c.Unparks,
			NoopParks:          c.NoopParks,
			LocalSchedules:     c.LocalSchedules,
			BudgetForcedYields: c.BudgetForcedYields,
			BusyDuration:       c.Busy,
			MeanPollTime:       c.MeanPoll,
			PollTimeHistogram:  c.PollTimes,
			PollTimeTotal:      c.PollTimeTotal,
		}
		m.BudgetForcedYields += c.BudgetForcedYields
	}
	m.RemoteSchedules = e.RemoteSchedules()
	m.Uptime = time.Since(h.start)
	m.AliveTasks = e.Owned().Len()
	m.SpawnedTasks = e.Owned().Spawned()
	m.GlobalQueueDepth = e.InjectLen()
	bm := h.blocking.Metrics()
	m.BlockingThreads, m.IdleBlockingThreads, m.BusyBlockingThreads = bm.NumThreads, bm.IdleThreads, bm.Running
	m.BlockingQueueDepth, m.SpawnedBlockingTasks = bm.QueueDepth, bm.SpawnedTasks
	if pt != nil {
		m.PollTimeBuckets = make([]HistogramBucket, pt.Len())
		for i := range m.PollTimeBuckets {
			lo, hi := pt.Range(i)
			m.PollTimeBuckets[i] = HistogramBucket{Start: lo, End: hi}
		}
	}
	return m
}

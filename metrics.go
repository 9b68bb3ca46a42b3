package weft

import "time"

// Metrics is a snapshot of a runtime's counters, Tokio's runtime metrics
// in a plain struct. Counters only grow; depths and counts of threads are
// readings at the time of the snapshot. Worker counters are published by each
// worker at its maintenance points and before it parks, so they may lag the
// truth by up to one maintenance interval; a snapshot is not atomic across
// fields.
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
	// RemoteSchedules counts tasks scheduled from outside a worker.
	RemoteSchedules uint64
	// BudgetForcedYields counts polls cut short because the task's coop
	// budget ran out.
	BudgetForcedYields uint64
	// BlockingThreads is the number of blocking-pool goroutines;
	// IdleBlockingThreads of them wait for work.
	BlockingThreads     int
	IdleBlockingThreads int
	// BlockingQueueDepth is the number of blocking tasks waiting for a
	// goroutine.
	BlockingQueueDepth int
	// PerWorker holds each worker's counters.
	PerWorker []WorkerMetrics
}

// WorkerMetrics are one worker's counters.
type WorkerMetrics struct {
	// LocalQueueDepth is the number of tasks in the worker's own queue.
	LocalQueueDepth int
	// Polls counts task polls.
	Polls uint64
	// Steals counts tasks stolen from other workers; StealOperations the
	// steals that took at least one.
	Steals          uint64
	StealOperations uint64
	// Overflows counts times the local queue was full and half of it moved
	// to the shared queue.
	Overflows uint64
	// Parks and Unparks count the worker's sleeps and wake-ups; NoopParks
	// the sleeps with no poll since the previous one.
	Parks     uint64
	Unparks   uint64
	NoopParks uint64
	// LocalSchedules counts tasks scheduled from this worker.
	LocalSchedules uint64
	// BudgetForcedYields counts this worker's polls cut short by the coop
	// budget.
	BudgetForcedYields uint64
	// BusyDuration is the total time spent running tasks.
	BusyDuration time.Duration
	// MeanPollTime is the moving average of poll durations that tunes the
	// global queue interval (multi-thread only).
	MeanPollTime time.Duration
}

// Metrics returns a snapshot of the runtime's counters.
func (rt *Runtime) Metrics() Metrics { return rt.h.Metrics() }

// Metrics returns a snapshot of the runtime's counters.
func (h *Handle) Metrics() Metrics {
	m := Metrics{
		Flavor:           h.cfg.flavor,
		Uptime:           time.Since(h.start),
		AliveTasks:       h.eng.Owned().Len(),
		SpawnedTasks:     h.eng.Owned().Spawned(),
		GlobalQueueDepth: h.eng.InjectLen(),
	}
	bm := h.blocking.Metrics()
	m.BlockingThreads, m.IdleBlockingThreads, m.BlockingQueueDepth = bm.NumThreads, bm.IdleThreads, bm.QueueDepth
	switch {
	case h.mt != nil:
		m.Workers = h.mt.NumWorkers()
		m.RemoteSchedules = h.mt.RemoteSchedules()
		m.PerWorker = make([]WorkerMetrics, m.Workers)
		for i := range m.PerWorker {
			wm := h.mt.WorkerMetrics(i)
			w := WorkerMetrics{
				LocalQueueDepth:    h.mt.WorkerQueueLen(i),
				Polls:              wm.Polls.Load(),
				Steals:             wm.Steals.Load(),
				StealOperations:    wm.StealOperations.Load(),
				Overflows:          wm.Overflows.Load(),
				Parks:              wm.Parks.Load(),
				Unparks:            wm.Unparks.Load(),
				NoopParks:          wm.NoopParks.Load(),
				LocalSchedules:     wm.LocalSchedules.Load(),
				BudgetForcedYields: wm.BudgetForcedYields.Load(),
				BusyDuration:       time.Duration(wm.BusyNanos.Load()),
				MeanPollTime:       time.Duration(wm.MeanPollNanos.Load()),
			}
			m.BudgetForcedYields += w.BudgetForcedYields
			m.PerWorker[i] = w
		}
	case h.ct != nil:
		m.Workers = 1
		cm := h.ct.Metrics()
		m.RemoteSchedules = cm.RemoteSchedules.Load()
		m.BudgetForcedYields = cm.BudgetForcedYields.Load()
		m.PerWorker = []WorkerMetrics{{
			Polls:              cm.Polls.Load(),
			Parks:              cm.Parks.Load(),
			Unparks:            cm.Unparks.Load(),
			NoopParks:          cm.NoopParks.Load(),
			LocalSchedules:     cm.LocalSchedules.Load(),
			BudgetForcedYields: m.BudgetForcedYields,
			BusyDuration:       time.Duration(cm.BusyNanos.Load()),
		}}
	}
	return m
}

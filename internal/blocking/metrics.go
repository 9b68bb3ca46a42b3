package blocking

// Metrics is a snapshot of a Pool's counters, all taken at one instant. They
// mirror Tokio's num_blocking_threads, num_idle_blocking_threads and
// blocking_queue_depth, plus totals.
type Metrics struct {
	// NumThreads is the number of pool goroutines that count against
	// MaxThreads: busy, idle, or started and not yet running. A goroutine
	// leaves it as soon as it decides to exit, before its OnThreadStop.
	NumThreads int
	// IdleThreads is the number of goroutines waiting for a task.
	IdleThreads int
	// QueueDepth is the number of tasks queued and not yet started.
	QueueDepth int
	// Running is the number of tasks whose closures are running.
	Running int
	// SpawnedTasks is the number of tasks Spawn accepted since New.
	SpawnedTasks uint64
	// StartedThreads is the number of goroutines started since New.
	StartedThreads uint64
}

// Metrics returns the pool's counters. The snapshot is consistent (taken
// under the pool's lock) but may be out of date as soon as it returns.
func (p *Pool) Metrics() Metrics {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Metrics{
		NumThreads:     p.mu.numThreads,
		IdleThreads:    p.mu.idle.Len(),
		QueueDepth:     p.mu.queue.Len(),
		Running:        p.mu.running,
		SpawnedTasks:   p.mu.spawned,
		StartedThreads: p.mu.started,
	}
}

// Idle reports whether no task is queued or running. It takes no lock. (A
// paused clock does not ask it: it counts blocking tasks through
// Config.Activity.) A task counts as running until its pool
// goroutine is back from it, which is shortly after its JoinHandle has been
// woken, so Idle can report false for a moment after a BlockingJoin returned.
func (p *Pool) Idle() bool { return p.pending.Load() == 0 }

// Runs reports whether goroutine g (a gident identity, 0 for none) is one of
// the pool's goroutines: a blocking closure, or a hook, runs on it. A
// shutdown asked for from there must not wait for the pool, which waits for
// that closure.
func (p *Pool) Runs(g uintptr) bool {
	if g == 0 {
		return false
	}
	p.mu.Lock()
	_, ok := p.mu.gs[g]
	p.mu.Unlock()
	return ok
}

package multithread

import (
	"time"

	"github.com/weftrt/weft/internal/sched"
)

// ReadWorker returns worker i's published counters, all from one publish:
// a seqlock on WorkerMetrics.seq (the worker makes it odd while it
// publishes), retried until a reading is not torn (see readRetry). Go's
// atomics are sequentially consistent, so a reading that saw an even seq
// before and the same seq after loaded no store of a later publish. If the
// worker stays mid-publish for about a second it returns a torn reading;
// the loads run in the reverse order of publish's stores, so even then
// Unparks and NoopParks do not exceed Parks, StealOperations does not
// exceed Steals, and the histogram does not count more polls than Polls.
//
// hist must have Config.PollTimes.Len() buckets when the histogram is on;
// it is overwritten and returned as PollTimes.
func (s *Scheduler) ReadWorker(i int, hist []uint64) sched.WorkerCounters {
	w := s.workers[i]
	m := &w.metrics
	var c sched.WorkerCounters
	for try := 0; ; try++ {
		seq := m.seq.Load()
		if w.pt.On() {
			clear(hist)
			c.PollTimes, c.PollTimeTotal = w.pt.Load(hist)
		}
		c.MeanPoll = time.Duration(m.MeanPollNanos.Load())
		c.Busy = time.Duration(m.BusyNanos.Load())
		c.BudgetForcedYields = m.BudgetForcedYields.Load()
		c.LocalSchedules = m.LocalSchedules.Load()
		c.NoopParks = m.NoopParks.Load()
		c.Unparks = m.Unparks.Load()
		c.Parks = m.Parks.Load()
		c.Overflows = m.Overflows.Load()
		c.StealOperations = m.StealOperations.Load()
		c.Steals = m.Steals.Load()
		c.Polls = m.Polls.Load()
		if seq&1 == 0 && m.seq.Load() == seq || !sched.ReadRetry(try) {
			c.LocalQueueDepth = w.run.len() // not published: read now
			return c
		}
	}
}

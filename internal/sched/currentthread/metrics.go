package currentthread

import (
	"sync/atomic"
	"time"

	"github.com/weftrt/weft/internal/monotime"
	"github.com/weftrt/weft/internal/sched"
)

// Metrics are the scheduler's published counters. The goroutine holding the
// core counts in plain fields of the core (coreBatch) and stores them here
// once an event interval's worth of ticks has passed since the last publish
// (publishEvery), before each park and when it lets go of the core, so
// readers see values that lag by at most one event interval.
// RemoteSchedules is the exception: goroutines that do not hold the core
// add to it directly.
//
// Read them with Scheduler.ReadWorker, which gets all of them from one
// publish.
type Metrics struct {
	seq                atomic.Uint64 // odd while a publish is in progress
	Polls              atomic.Uint64
	Parks              atomic.Uint64
	Unparks            atomic.Uint64
	NoopParks          atomic.Uint64 // parks with no task poll since the previous park
	LocalSchedules     atomic.Uint64
	RemoteSchedules    atomic.Uint64
	BudgetForcedYields atomic.Uint64
	BusyNanos          atomic.Int64 // time holding the core and not parked, in drive (not Enter/Exit: enter.go)
	LocalQueueDepth    atomic.Int64 // the core's queue length at the last publish
}

// coreBatch is the counting half of Metrics, owned by whoever holds the
// core. It travels with the core, so a BlockOn that takes the core over
// carries on counting where the last one stopped.
type coreBatch struct {
	polls, parks, unparks, noops, localSchedules uint64
	pollsAtPark                                  uint64
	busy                                         int64 // ns
	busyStart                                    int64 // monotime.Now
	busyRunning                                  bool
	schedulesAtEnter                             uint64 // localSchedules when Enter took the core
	tickAtPublish                                uint32 // the core's tick at the last publish
}

// startBusy begins a period of work (the core is held and not parked).
func (b *coreBatch) startBusy() {
	b.busyStart = monotime.Now()
	b.busyRunning = true
}

// endBusy ends the current period of work, if any.
func (b *coreBatch) endBusy() {
	if b.busyRunning {
		b.busy += monotime.Now() - b.busyStart
		b.busyRunning = false
	}
}

// splitBusy folds the period in progress into busy and starts a new one,
// with one clock read, so that a driver that never parks still reports its
// busy time.
func (b *coreBatch) splitBusy() {
	if b.busyRunning {
		t := monotime.Now()
		b.busy += t - b.busyStart
		b.busyStart = t
	}
}

// beforePark counts a park: busy time stops, and the park is a no-op park
// when no task was polled since the previous one (Tokio's noop count).
func (b *coreBatch) beforePark() {
	b.endBusy()
	b.parks++
	if b.polls == b.pollsAtPark {
		b.noops++
	}
	b.pollsAtPark = b.polls
}

// afterPark counts the unpark and resumes busy time.
func (b *coreBatch) afterPark() {
	b.unparks++
	b.startBusy()
}

// publishEvery publishes at the end of a pass of the driver's loop once an
// event interval's worth of ticks has passed since the last publish. A pass
// can be as short as one poll of the main future and one task (a request
// answered by a task, then the main future woken again): publishing after
// each, ten atomic stores, was a quarter of the CPU of such a ping-pong.
func (s *Scheduler) publishEvery(c *core) {
	if c.tick-c.batch.tickAtPublish >= uint32(s.cfg.EventInterval) {
		s.publish(c)
	}
}

// publish copies c's counters to s.metrics. The caller holds c and has
// folded the busy period in progress (splitBusy, endBusy) if it wants it
// included.
func (s *Scheduler) publish(c *core) {
	m, b := &s.metrics, &c.batch
	b.tickAtPublish = c.tick
	m.seq.Add(1) // odd: publishing
	m.Polls.Store(b.polls)
	m.Parks.Store(b.parks)
	m.Unparks.Store(b.unparks)
	m.NoopParks.Store(b.noops)
	m.LocalSchedules.Store(b.localSchedules)
	m.BudgetForcedYields.Store(c.cx.ForcedYields())
	m.BusyNanos.Store(int64(b.busy))
	m.LocalQueueDepth.Store(int64(c.queue.Len()))
	s.pt.Publish()
	m.seq.Add(1) // even: done
}

// endDrive closes the busy period and publishes; drive calls it on return.
func (s *Scheduler) endDrive(c *core) {
	c.batch.endBusy()
	s.publish(c)
}

// NumWorkers returns 1: the goroutine driving the scheduler is its one
// worker.
func (s *Scheduler) NumWorkers() int { return 1 }

// RemoteSchedules returns how many tasks were scheduled from a goroutine
// other than the driver's.
func (s *Scheduler) RemoteSchedules() uint64 { return s.metrics.RemoteSchedules.Load() }

// ReadWorker returns the published counters of the one worker (i is 0), all
// from one publish (a seqlock on Metrics.seq, as multithread's ReadWorker).
// If the driver stays mid-publish for about a second it returns a torn
// reading, whose loads ran in the reverse order of publish's stores, so
// Unparks and NoopParks still do not exceed Parks nor the histogram's counts
// Polls. RemoteSchedules, which is not published, is read apart.
//
// hist must have Config.PollTimes.Len() buckets when the histogram is on;
// it is overwritten and returned as PollTimes.
func (s *Scheduler) ReadWorker(_ int, hist []uint64) sched.WorkerCounters {
	m := &s.metrics
	var c sched.WorkerCounters
	for try := 0; ; try++ {
		seq := m.seq.Load()
		if s.pt.On() {
			clear(hist)
			c.PollTimes, c.PollTimeTotal = s.pt.Load(hist)
		}
		c.LocalQueueDepth = int(m.LocalQueueDepth.Load())
		c.Busy = time.Duration(m.BusyNanos.Load())
		c.BudgetForcedYields = m.BudgetForcedYields.Load()
		c.LocalSchedules = m.LocalSchedules.Load()
		c.NoopParks = m.NoopParks.Load()
		c.Unparks = m.Unparks.Load()
		c.Parks = m.Parks.Load()
		c.Polls = m.Polls.Load()
		if seq&1 == 0 && m.seq.Load() == seq || !sched.ReadRetry(try) {
			return c
		}
	}
}

package main

import (
	"math/bits"
	"sync/atomic"
	"time"

	"github.com/weftrt/weft/task"
)

// demoCounters are the demo's own counters, next to the runtime's metrics.
// Every field is atomic: tasks on any worker and the progress goroutine
// update and read them.
type demoCounters struct {
	// Requests, by what became of them. Every produced request ends in
	// exactly one of ok, failed, clientCancelled, aborted, panicked.
	produced        atomic.Uint64
	ok              atomic.Uint64
	failed          atomic.Uint64 // every attempt timed out or failed
	clientCancelled atomic.Uint64 // its session's token was cancelled
	aborted         atomic.Uint64 // a straggler the watchdog aborted
	panicked        atomic.Uint64

	// What the handlers did on the way.
	calls           atomic.Uint64 // downstream call attempts
	retries         atomic.Uint64
	timeouts        atomic.Uint64 // attempts ended by weft.Timeout
	transient       atomic.Uint64 // attempts that failed fast ("503")
	blockingCalls   atomic.Uint64 // calls made with SpawnBlocking
	blockingDropped atomic.Uint64 // blocking calls abandoned by a timeout
	backpressure    atomic.Uint64 // sends that found the queue full and waited
	droppedAtStop   atomic.Uint64 // sends abandoned when the producers stopped

	// Tokens and tasks.
	sessionsOpened    atomic.Uint64
	sessionsCancelled atomic.Uint64
	abortsSent        atomic.Uint64 // Abort calls on unfinished stragglers
	batches           atomic.Uint64
	batchTasks        atomic.Uint64
	batchMismatches   atomic.Uint64 // a batch whose sum came out wrong (never, or a bug)

	// Every task the demo spawns is joined by someone, who classifies it
	// here: spawned = completed + cancelled + panicked once all are joined.
	tasksSpawned   atomic.Uint64
	tasksCompleted atomic.Uint64
	tasksCancelled atomic.Uint64
	tasksPanicked  atomic.Uint64

	firstPanic atomic.Pointer[string] // the message of the first captured panic
}

// finished returns the number of requests that reached an end.
func (c *demoCounters) finished() uint64 {
	return c.ok.Load() + c.failed.Load() + c.clientCancelled.Load() + c.aborted.Load() + c.panicked.Load()
}

// classify counts one joined task: its result says whether it completed,
// was cancelled or panicked.
func (c *demoCounters) classify(err error) {
	je, _ := err.(*task.JoinError)
	switch {
	case err == nil:
		c.tasksCompleted.Add(1)
	case je != nil && je.IsPanic():
		c.tasksPanicked.Add(1)
		msg := je.Error()
		c.firstPanic.CompareAndSwap(nil, &msg)
	default:
		c.tasksCancelled.Add(1)
	}
}

// histogram is a log-linear histogram of durations with atomic buckets:
// values below 32 ns have a bucket each, larger ones fall into 16 buckets
// per power of two, so a quantile is within 1/32 of the true value. It is
// sharded so that workers recording at once mostly touch different cache
// lines; a shard is picked by the caller (a task or request ID).
type histogram struct {
	shards [histShards]histShard
}

const (
	histShards  = 8
	histSubBits = 4
	histSub     = 1 << histSubBits
	histBuckets = 2*histSub + (64-histSubBits-1)*histSub
)

type histShard struct {
	b [histBuckets]atomic.Uint64
	_ [64]byte // keeps the next shard's hot buckets off this one's last line
}

// histBucket returns the bucket of v.
func histBucket(v uint64) int {
	if v < 2*histSub {
		return int(v)
	}
	e := bits.Len64(v) - 1 // 2^e <= v < 2^(e+1), e >= histSubBits+1
	sub := int(v>>(e-histSubBits)) & (histSub - 1)
	return 2*histSub + (e-histSubBits-1)*histSub + sub
}

// histLow returns the smallest value of bucket i; the bucket ends where
// bucket i+1 begins.
func histLow(i int) uint64 {
	if i < 2*histSub {
		return uint64(i)
	}
	i -= 2 * histSub
	e := i/histSub + histSubBits + 1
	sub := uint64(i % histSub)
	return (histSub + sub) << (e - histSubBits)
}

// record adds one value, in the shard picked by key.
func (h *histogram) record(key uint64, d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.shards[key%histShards].b[histBucket(uint64(d))].Add(1)
}

// snapshot sums the shards.
func (h *histogram) snapshot() histSnapshot {
	var s histSnapshot
	for i := range h.shards {
		for j := range h.shards[i].b {
			n := h.shards[i].b[j].Load()
			s.b[j] += n
			s.n += n
		}
	}
	return s
}

// histSnapshot is a histogram's counts at one moment.
type histSnapshot struct {
	b [histBuckets]uint64
	n uint64
}

// quantile returns the value below which a fraction q of the recorded values
// fall: the middle of the bucket that holds it. It returns 0 when nothing was
// recorded.
func (s *histSnapshot) quantile(q float64) time.Duration {
	if s.n == 0 {
		return 0
	}
	rank := uint64(q*float64(s.n-1)) + 1 // 1-based rank of the value wanted
	var seen uint64
	for i, n := range s.b {
		seen += n
		if seen >= rank {
			lo, hi := histLow(i), histLow(i+1)
			return time.Duration(lo + (hi-lo)/2)
		}
	}
	return time.Duration(histLow(histBuckets - 1))
}

// pollTimer measures how long each poll of a task takes, with the runtime's
// BeforePoll and AfterPoll hooks. The hooks tell only the task's ID, not the
// worker, so the start of a poll is kept in a slot picked by the ID: a task
// is polled by one worker at a time, so its two hooks pair up, and two tasks
// polled at once collide only when their IDs share a slot (then one poll is
// not counted). A slot per cache line keeps workers off each other's lines.
// Cost: two clock reads and three atomic operations per poll, measured at
// about 240 ns on the 2-core development VM, where a time.Since alone takes
// 77 ns; a poll's time as reported includes about one clock read. At the
// demo's default load (about 60,000 polls a second) that is ~1.5% of a core.
type pollTimer struct {
	base  time.Time
	slots [pollSlots]struct {
		start atomic.Int64 // nanoseconds since base, plus one; 0 when free
		_     [56]byte
	}
	hist histogram
}

const pollSlots = 1024

func newPollTimer() *pollTimer { return &pollTimer{base: time.Now()} }

// hooks returns the task hooks that feed the timer.
func (p *pollTimer) hooks() task.Hooks {
	return task.Hooks{
		BeforePoll: func(m task.Meta) {
			p.slots[uint64(m.ID)%pollSlots].start.Store(int64(time.Since(p.base)) + 1)
		},
		AfterPoll: func(m task.Meta) {
			t0 := p.slots[uint64(m.ID)%pollSlots].start.Swap(0)
			if t0 == 0 {
				return
			}
			p.hist.record(uint64(m.ID), time.Since(p.base)-time.Duration(t0-1))
		},
	}
}

package polltime

import (
	"sync/atomic"
	"time"
)

// Recorder times the polls of one worker and counts them per bucket. Its
// zero value (or one made with a nil layout) is off: every method returns
// at once, and Begin and End cost one predictable branch.
//
// Only the owning worker calls Begin, End, Break and Publish; anyone may
// call Load. The counts live in plain fields and are copied to atomics by
// Publish, so Load sees them as of the last Publish.
//
// # One clock read per poll
//
// Reading the monotonic clock costs 35-60ns on the 2-core VMs weft is
// measured on (see BENCHMARKS.md), as much as a small poll. So polls run
// back to back share their boundaries: End reads the clock once, charges
// the poll that just ended, and starts the next poll's interval at that
// same instant. The few nanoseconds of scheduler work between two polls
// (popping the next task) are charged to the later poll, which is below
// the resolution of any sensible layout. The worker calls Break whenever
// it does something else in between (timers, maintenance, searching,
// parking), and the next Begin reads the clock afresh.
//
// Each poll is one sample, including polls of tasks taken from the LIFO
// slot (Tokio merges those into one sample, tokio-rs/tokio#7106).
type Recorder struct {
	b       *Buckets
	chained bool  // last is the end of the previous poll and nothing happened since
	last    int64 // ns on the package clock: when the current poll began
	counts  []uint64
	sum     int64 // ns, the total of the timed polls
	pub     []atomic.Uint64
	pubSum  atomic.Int64
}

// Init sets up r for layout b; nil leaves it off. Call it before the worker
// starts.
func (r *Recorder) Init(b *Buckets) {
	r.b = b
	if b == nil {
		return
	}
	r.counts = make([]uint64, b.Len())
	r.pub = make([]atomic.Uint64, b.Len())
}

// On reports whether r records.
func (r *Recorder) On() bool { return r.b != nil }

// Begin marks the start of a poll, unless the previous End already did.
func (r *Recorder) Begin() {
	if r.b != nil && !r.chained {
		r.last = now()
		r.chained = true
	}
}

// End marks the end of the poll that the last Begin (or End) started and
// counts it; the next poll begins now.
func (r *Recorder) End() {
	if r.b != nil {
		r.end()
	}
}

func (r *Recorder) end() {
	t := now()
	d := t - r.last
	r.counts[r.b.Index(d)]++
	r.sum += d
	r.last = t
	r.chained = true
}

// Break ends the chain of back-to-back polls: the worker is about to do
// something that is not a poll.
func (r *Recorder) Break() { r.chained = false }

// Publish copies the counts to where Load reads them.
func (r *Recorder) Publish() {
	for i, c := range r.counts {
		r.pub[i].Store(c)
	}
	r.pubSum.Store(r.sum)
}

// Load adds the published counts to dst, which must have Len buckets, and
// returns it with the published total time of the counted polls; off, it
// returns dst unchanged and 0.
func (r *Recorder) Load(dst []uint64) ([]uint64, time.Duration) {
	for i := range r.pub {
		dst[i] += r.pub[i].Load()
	}
	return dst, time.Duration(r.pubSum.Load())
}

// epoch anchors the package clock. time.Since reads only the monotonic clock
// (one vDSO call), where time.Now reads the wall clock as well.
var epoch = time.Now()

func now() int64 { return int64(time.Since(epoch)) }

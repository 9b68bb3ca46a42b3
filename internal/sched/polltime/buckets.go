// Package polltime is the poll-time histogram the schedulers keep when the
// runtime asks for it: a bucket layout shared by every worker (Buckets) and
// one Recorder per worker that times each poll and counts it in plain
// fields, published to atomics at the worker's maintenance points.
//
// It mirrors Tokio's runtime/metrics/histogram.rs in what it offers (linear
// buckets, or logarithmic buckets with a bounded relative error), not in how.
package polltime

import (
	"fmt"
	"math"
	"math/bits"
	"time"
)

// Defaults, Tokio's numbers.
const (
	// DefaultLinearBuckets and DefaultLinearWidth give Tokio's default
	// layout: 10 buckets of 100µs, the last one open-ended.
	DefaultLinearBuckets = 10
	DefaultLinearWidth   = 100 * time.Microsecond
	// DefaultLogMin, DefaultLogMax and DefaultLogPrecision give Tokio's
	// default logarithmic layout: resolution from ~100ns to ~68.7s with at
	// most 25% error.
	DefaultLogMin       = 100 * time.Nanosecond
	DefaultLogMax       = time.Duration(1 << 36)
	DefaultLogPrecision = 2
	// MaxBuckets bounds the size of a layout: every worker keeps two
	// counters per bucket.
	MaxBuckets = 1 << 14
	// MaxPrecision bounds the sub-buckets per power of two (2^10).
	MaxPrecision = 10
)

// The errors of NewLinear and NewLog carry no package prefix: the runtime
// wraps them in the message about the option that was given.

// Buckets maps poll durations to bucket indexes. It is immutable and shared
// by every worker of a runtime.
//
// A linear layout has n buckets of one width: bucket i holds durations in
// [i*width, (i+1)*width), and the last bucket everything from
// (n-1)*width up.
//
// A logarithmic layout works in units of 2^a nanoseconds, where 2^a is the
// minimum rounded down to a power of two. With precision p, durations under
// 2^(p+1) units get one bucket per unit; above that every power-of-two range
// [2^k, 2^(k+1)) units is split into 2^p buckets of equal width, so a
// bucket's width is at most 2^-p of its lower bound (the relative error).
// The bucket that holds the maximum is the last one and has no upper bound.
// This is the layout of an H2 (base-2 high dynamic range) histogram.
type Buckets struct {
	log   bool
	n     int   // number of buckets
	width int64 // linear: bucket width in ns
	shift uint  // log: a, the unit is 1<<a ns
	p     uint  // log: precision
}

// NewLinear returns n buckets of the given width. n must be at least 1 and
// at most MaxBuckets, width positive.
func NewLinear(n int, width time.Duration) (*Buckets, error) {
	if n < 1 || n > MaxBuckets {
		return nil, fmt.Errorf("linear bucket count %d not in [1, %d]", n, MaxBuckets)
	}
	if width <= 0 {
		return nil, fmt.Errorf("linear bucket width %v not positive", width)
	}
	if int64(width) > math.MaxInt64/int64(n) {
		return nil, fmt.Errorf("%d buckets of %v overflow a time.Duration", n, width)
	}
	return &Buckets{n: n, width: int64(width)}, nil
}

// NewLog returns a logarithmic layout covering [0, max] with the given
// precision (0 to MaxPrecision; the relative error of a bucket is at most
// 2^-precision). min is rounded down to a power of two nanoseconds, which is
// then the width of the smallest buckets; it must be positive and not above
// max.
func NewLog(min, max time.Duration, precision int) (*Buckets, error) {
	if min <= 0 {
		return nil, fmt.Errorf("log minimum %v not positive", min)
	}
	if max < min {
		return nil, fmt.Errorf("log maximum %v below minimum %v", max, min)
	}
	if precision < 0 || precision > MaxPrecision {
		return nil, fmt.Errorf("log precision %d not in [0, %d]", precision, MaxPrecision)
	}
	b := &Buckets{log: true, shift: uint(bits.Len64(uint64(min)) - 1), p: uint(precision)}
	n := b.logIndex(uint64(max)>>b.shift) + 1
	if n > MaxBuckets {
		return nil, fmt.Errorf("log layout from %v to %v at precision %d needs %d buckets, more than %d",
			min, max, precision, n, MaxBuckets)
	}
	b.n = n
	return b, nil
}

// Len returns the number of buckets.
func (b *Buckets) Len() int { return b.n }

// IsLog reports whether the layout is logarithmic.
func (b *Buckets) IsLog() bool { return b.log }

// Index returns the bucket of a duration of d nanoseconds (negative counts
// as zero).
func (b *Buckets) Index(d int64) int {
	if d < 0 {
		d = 0
	}
	var i int
	if b.log {
		i = b.logIndex(uint64(d) >> b.shift)
	} else {
		i = int(d / b.width)
	}
	if i >= b.n || i < 0 {
		return b.n - 1
	}
	return i
}

// logIndex is the unclamped bucket of u units.
func (b *Buckets) logIndex(u uint64) int {
	p := b.p
	if u < 1<<(p+1) {
		return int(u)
	}
	k := uint(bits.Len64(u) - 1) // 2^k <= u < 2^(k+1), k > p
	return int((uint64(k-p+1) << p) + (u >> (k - p)) - (1 << p))
}

// Range returns the durations bucket i holds: [lo, hi). The last bucket's hi
// is math.MaxInt64 (no upper bound).
func (b *Buckets) Range(i int) (lo, hi time.Duration) {
	if i < 0 || i >= b.n {
		panic(fmt.Sprintf("polltime: bucket %d out of range [0, %d)", i, b.n))
	}
	if b.log {
		lo, hi = b.logRange(i)
	} else {
		lo, hi = time.Duration(int64(i)*b.width), time.Duration(int64(i+1)*b.width)
	}
	if i == b.n-1 {
		hi = math.MaxInt64
	}
	return lo, hi
}

func (b *Buckets) logRange(i int) (lo, hi time.Duration) {
	p := b.p
	u := uint64(i)
	if u < 1<<(p+1) {
		return time.Duration(u << b.shift), time.Duration((u + 1) << b.shift)
	}
	k := uint(u>>p) + p - 1 // the power-of-two range [2^k, 2^(k+1))
	j := u & (1<<p - 1)     // the sub-bucket inside it
	l := (1<<p + j) << (k - p)
	w := uint64(1) << (k - p)
	return time.Duration(l << b.shift), time.Duration((l + w) << b.shift)
}

// String describes the layout.
func (b *Buckets) String() string {
	if b.log {
		return fmt.Sprintf("log(unit=%v, precision=%d, buckets=%d)", time.Duration(1)<<b.shift, b.p, b.n)
	}
	return fmt.Sprintf("linear(%d x %v)", b.n, time.Duration(b.width))
}

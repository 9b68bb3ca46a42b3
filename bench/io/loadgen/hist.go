package main

import (
	"math/bits"
	"time"
)

// hist is a log-linear histogram of durations in nanoseconds: values below
// subBuckets each have a bucket; above, every power of two is cut into
// subBuckets equal buckets, so a bucket is at most 1/subBuckets of its lower
// bound wide and the midpoint reported for it is within half that (0.8 %)
// of any value in it. Values from 2^maxExp ns (about 18 minutes) up share
// the last bucket.
type hist struct {
	counts []uint32
	total  uint64
}

const (
	subBits    = 6
	subBuckets = 1 << subBits
	maxExp     = 40
)

func newHist() *hist { return &hist{counts: make([]uint32, (maxExp-subBits+2)*subBuckets)} }

// bucket returns the index of v's bucket.
func bucket(v uint64) int {
	if v < subBuckets {
		return int(v)
	}
	shift := bits.Len64(v) - 1 - subBits // v>>shift is in [subBuckets, 2*subBuckets)
	if shift > maxExp-subBits {
		return (maxExp-subBits+2)*subBuckets - 1
	}
	return (shift+1)*subBuckets + int(v>>shift) - subBuckets
}

// bounds returns the lowest value of bucket i and the bucket's width.
func bounds(i int) (low, width uint64) {
	if i < subBuckets {
		return uint64(i), 1
	}
	shift := i/subBuckets - 1
	return uint64(i%subBuckets+subBuckets) << shift, 1 << shift
}

func (h *hist) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucket(uint64(d))]++
	h.total++
}

func (h *hist) merge(o *hist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
}

// quantile returns the midpoint of the bucket holding the q-quantile
// (0 < q ≤ 1), or 0 for an empty histogram.
func (h *hist) quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(q*float64(h.total) + 0.5)
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += uint64(c)
		if seen >= rank {
			low, width := bounds(i)
			return time.Duration(low + width/2)
		}
	}
	low, width := bounds(len(h.counts) - 1)
	return time.Duration(low + width/2)
}

package main

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestHistBucketsCoverEveryValueOnce checks that consecutive buckets tile
// the range without gaps or overlaps and that each value lands in the
// bucket whose bounds hold it.
func TestHistBucketsCoverEveryValueOnce(t *testing.T) {
	next := uint64(0)
	for i := range len(newHist().counts) - 1 {
		low, width := bounds(i)
		if low != next {
			t.Fatalf("bucket %d starts at %d, want %d", i, low, next)
		}
		for _, v := range []uint64{low, low + width/2, low + width - 1} {
			if b := bucket(v); b != i {
				t.Fatalf("value %d in bucket %d, want %d", v, b, i)
			}
		}
		next = low + width
	}
}

// TestHistQuantilesWithinHalfABucket compares the quantiles of 100,000
// random latencies spread over six orders of magnitude with the exact
// ones: the error must stay under 1/128 of the value.
func TestHistQuantilesWithinHalfABucket(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	h := newHist()
	vals := make([]time.Duration, 100_000)
	for i := range vals {
		vals[i] = time.Duration(float64(int64(1000)<<r.IntN(20)) * (1 + r.Float64()))
		h.record(vals[i])
	}
	slices.Sort(vals)
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999, 1} {
		exact := vals[max(int(q*float64(len(vals))+0.5), 1)-1]
		got := h.quantile(q)
		if diff := (got - exact).Abs(); float64(diff) > float64(exact)/128+1 {
			t.Errorf("q%.3f = %v, exact %v (off by %.2f%%)", q, got, exact, 100*float64(diff)/float64(exact))
		}
	}
}

func TestHistMergeAddsCounts(t *testing.T) {
	a, b := newHist(), newHist()
	a.record(10 * time.Microsecond)
	b.record(10 * time.Millisecond)
	b.record(10 * time.Millisecond)
	a.merge(b)
	if a.total != 3 || a.quantile(0.3) > 11*time.Microsecond || a.quantile(0.5) < 9*time.Millisecond {
		t.Fatalf("total %d, q0.3 %v, q0.5 %v", a.total, a.quantile(0.3), a.quantile(0.5))
	}
	if newHist().quantile(0.5) != 0 {
		t.Fatal("empty histogram: quantile is not 0")
	}
}

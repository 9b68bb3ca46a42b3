package polltime_test

import (
	"math"
	"testing"
	"time"

	"github.com/weftrt/weft/internal/sched/polltime"
	"pgregory.net/rapid"
)

func TestLinearBucketsMatchTheirRanges(t *testing.T) {
	b, err := polltime.NewLinear(10, 100*time.Microsecond)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		d    time.Duration
		want int
	}{
		{-5, 0},
		{0, 0},
		{100*time.Microsecond - 1, 0},
		{100 * time.Microsecond, 1},
		{950 * time.Microsecond, 9},
		{time.Hour, 9},
		{math.MaxInt64, 9},
	}
	for _, c := range cases {
		if got := b.Index(int64(c.d)); got != c.want {
			t.Errorf("Index(%v) = %d, want %d", c.d, got, c.want)
		}
	}
	if lo, hi := b.Range(3); lo != 300*time.Microsecond || hi != 400*time.Microsecond {
		t.Errorf("Range(3) = [%v, %v), want [300µs, 400µs)", lo, hi)
	}
	if lo, hi := b.Range(9); lo != 900*time.Microsecond || hi != math.MaxInt64 {
		t.Errorf("Range(9) = [%v, %v), want [900µs, MaxInt64)", lo, hi)
	}
}

// TestDefaultLogLayout pins the default logarithmic layout: unit 64ns (100ns
// rounded down), 4 buckets per power of two, last bucket from 2^36ns.
func TestDefaultLogLayout(t *testing.T) {
	b, err := polltime.NewLog(polltime.DefaultLogMin, polltime.DefaultLogMax, polltime.DefaultLogPrecision)
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() != 117 {
		t.Fatalf("Len = %d, want 117", b.Len())
	}
	want := [][2]time.Duration{{0, 64}, {64, 128}, {128, 192}}
	for i, w := range want {
		if lo, hi := b.Range(i); lo != w[0] || hi != w[1] {
			t.Errorf("Range(%d) = [%v, %v), want [%v, %v)", i, lo, hi, w[0], w[1])
		}
	}
	// 8 units = 512ns starts the first range split in 4 buckets of 2 units.
	if lo, hi := b.Range(8); lo != 512 || hi != 640 {
		t.Errorf("Range(8) = [%v, %v), want [512ns, 640ns)", lo, hi)
	}
	if lo, hi := b.Range(116); lo != 1<<36 || hi != math.MaxInt64 {
		t.Errorf("last bucket [%v, %v), want [2^36ns, MaxInt64)", lo, hi)
	}
	if i := b.Index(int64(time.Millisecond)); i < 0 {
		t.Fatal(i)
	} else if lo, hi := b.Range(i); time.Millisecond < lo || time.Millisecond >= hi {
		t.Errorf("1ms in bucket %d = [%v, %v)", i, lo, hi)
	}
}

// TestLogBucketsPartitionTheLine checks, for random layouts and durations,
// that Index and Range agree (every duration lies in the range of its
// bucket), that ranges tile [0, inf) without gaps, and that no bucket above
// the linear part is wider than 2^-precision of its start.
func TestLogBucketsPartitionTheLine(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		minD := time.Duration(rapid.Int64Range(1, 1<<20).Draw(t, "min"))
		maxD := time.Duration(rapid.Int64Range(int64(minD), 1<<45).Draw(t, "max"))
		p := rapid.IntRange(0, 6).Draw(t, "precision")
		b, err := polltime.NewLog(minD, maxD, p)
		if err != nil {
			t.Skip(err) // too many buckets for this combination
		}
		prevHi := time.Duration(0)
		for i := 0; i < b.Len(); i++ {
			lo, hi := b.Range(i)
			if lo != prevHi || hi <= lo {
				t.Fatalf("bucket %d = [%v, %v) after one ending at %v", i, lo, hi, prevHi)
			}
			unit := time.Duration(1) << (63 - countLeadingZeros(uint64(minD)))
			if i < b.Len()-1 && lo >= unit<<(p+1) && (hi-lo)<<p > lo {
				t.Fatalf("bucket %d = [%v, %v) wider than 2^-%d of its start", i, lo, hi, p)
			}
			prevHi = hi
		}
		if prevHi != math.MaxInt64 {
			t.Fatalf("last bucket ends at %v", prevHi)
		}
		if lo, _ := b.Range(b.Len() - 1); lo > maxD {
			t.Fatalf("max %v below the last bucket's start %v", maxD, lo)
		}
		d := rapid.Int64Range(0, math.MaxInt64).Draw(t, "d")
		i := b.Index(d)
		if lo, hi := b.Range(i); time.Duration(d) < lo || time.Duration(d) >= hi && hi != math.MaxInt64 {
			t.Fatalf("Index(%d) = %d with range [%v, %v)", d, i, lo, hi)
		}
	})
}

func countLeadingZeros(x uint64) int {
	n := 0
	for i := 63; i >= 0 && x&(1<<i) == 0; i-- {
		n++
	}
	return n
}

func TestBadLayoutsAreRejected(t *testing.T) {
	for name, f := range map[string]func() (*polltime.Buckets, error){
		"zero buckets":     func() (*polltime.Buckets, error) { return polltime.NewLinear(0, time.Microsecond) },
		"too many buckets": func() (*polltime.Buckets, error) { return polltime.NewLinear(polltime.MaxBuckets+1, time.Microsecond) },
		"zero width":       func() (*polltime.Buckets, error) { return polltime.NewLinear(3, 0) },
		"overflow":         func() (*polltime.Buckets, error) { return polltime.NewLinear(4, math.MaxInt64/2) },
		"zero min":         func() (*polltime.Buckets, error) { return polltime.NewLog(0, time.Second, 2) },
		"max below min":    func() (*polltime.Buckets, error) { return polltime.NewLog(time.Second, time.Millisecond, 2) },
		"precision -1":     func() (*polltime.Buckets, error) { return polltime.NewLog(time.Nanosecond, time.Second, -1) },
		"precision 11":     func() (*polltime.Buckets, error) { return polltime.NewLog(time.Nanosecond, time.Second, 11) },
		"log too big":      func() (*polltime.Buckets, error) { return polltime.NewLog(time.Nanosecond, math.MaxInt64, 10) },
	} {
		if b, err := f(); err == nil {
			t.Errorf("%s: got layout %v, want an error", name, b)
		}
	}
}

package polltime_test

import (
	"testing"
	"time"

	"github.com/weftrt/weft/internal/sched/polltime"
)

func TestRecorderOffDoesNothing(t *testing.T) {
	var r polltime.Recorder
	r.Init(nil)
	r.Begin()
	r.End()
	r.Break()
	r.Publish()
	if r.On() {
		t.Fatal("a recorder without layout reports On")
	}
	if got, sum := r.Load(nil); got != nil || sum != 0 {
		t.Fatalf("Load(nil) = %v", got)
	}
}

// TestRecorderCountsEveryPollOnce checks that chained polls (End right
// after End) and broken chains each count exactly one sample, and that Load
// sees the counts only after Publish.
func TestRecorderCountsEveryPollOnce(t *testing.T) {
	b, err := polltime.NewLinear(4, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var r polltime.Recorder
	r.Init(b)
	r.Begin()
	r.End()
	r.End() // a LIFO poll chained to the previous one
	r.Break()
	r.Begin()
	r.Begin() // a second Begin does not restart the chain
	r.End()
	if got, _ := r.Load(make([]uint64, 4)); got[0] != 0 {
		t.Fatalf("Load before Publish = %v, want zeros", got)
	}
	r.Publish()
	if got, sum := r.Load(make([]uint64, 4)); sum < 0 || got[0] != 3 || got[1]+got[2]+got[3] != 0 {
		t.Fatalf("Load = %v, want [3 0 0 0]", got)
	}
	// Load adds to dst.
	if got, _ := r.Load([]uint64{1, 1, 1, 1}); got[0] != 4 || got[3] != 1 {
		t.Fatalf("Load onto ones = %v, want [4 1 1 1]", got)
	}
}

func TestRecorderDoesNotAllocate(t *testing.T) {
	b, err := polltime.NewLog(polltime.DefaultLogMin, polltime.DefaultLogMax, polltime.DefaultLogPrecision)
	if err != nil {
		t.Fatal(err)
	}
	var r polltime.Recorder
	r.Init(b)
	if n := testing.AllocsPerRun(100, func() {
		r.Begin()
		r.End()
		r.Break()
		r.Publish()
	}); n != 0 {
		t.Fatalf("%v allocations per poll", n)
	}
}

func BenchmarkRecorder(b *testing.B) {
	lay, err := polltime.NewLog(polltime.DefaultLogMin, polltime.DefaultLogMax, polltime.DefaultLogPrecision)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("impl=off", func(b *testing.B) {
		var r polltime.Recorder
		b.ReportAllocs()
		for b.Loop() {
			r.Begin()
			r.End()
		}
	})
	b.Run("impl=chained", func(b *testing.B) {
		var r polltime.Recorder
		r.Init(lay)
		b.ReportAllocs()
		for b.Loop() {
			r.Begin()
			r.End()
		}
	})
	b.Run("impl=unchained", func(b *testing.B) {
		var r polltime.Recorder
		r.Init(lay)
		b.ReportAllocs()
		for b.Loop() {
			r.Begin()
			r.End()
			r.Break()
		}
	})
	// The twins: what a clock read costs by itself.
	b.Run("impl=time.Since", func(b *testing.B) {
		start := time.Now()
		var sink time.Duration
		b.ReportAllocs()
		for b.Loop() {
			sink += time.Since(start)
		}
		_ = sink
	})
	b.Run("impl=time.Now", func(b *testing.B) {
		var sink int
		b.ReportAllocs()
		for b.Loop() {
			sink += time.Now().Nanosecond()
		}
		_ = sink
	})
}

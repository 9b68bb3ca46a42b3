package multithread

import (
	"testing"
	"time"
)

// A worker looks at the clock, to see whether to give its P up, every other
// poll when polls are long and every 64 when they are short (see "Sharing the
// Ps" in worker.go).
func TestYieldCheckIntervalFollowsTheMeanPollTime(t *testing.T) {
	w := &worker{s: &Scheduler{cfg: Config{EventInterval: DefaultEventInterval}}}
	for _, c := range []struct {
		poll time.Duration
		want int
	}{
		{10 * time.Microsecond, 2},
		{time.Millisecond, 1},
		{time.Second, 1},
		{time.Microsecond, 25},
		{100 * time.Nanosecond, maxYieldCheckEvery},
	} {
		w.pollEWMA = float64(c.poll)
		if got := w.tunedYieldCheck(); got != c.want {
			t.Errorf("mean poll %v: clock read every %d polls, want %d", c.poll, got, c.want)
		}
	}
}

package multithread

import (
	"testing"
	"time"
)

// A worker gives its P up after about yieldSlice of polls: every few polls
// when they are long, and no more often than the maintenance pass when they
// are short (see "Sharing the Ps" in worker.go).
func TestYieldIntervalFollowsTheMeanPollTime(t *testing.T) {
	w := &worker{s: &Scheduler{cfg: Config{EventInterval: DefaultEventInterval}}}
	for _, c := range []struct {
		poll time.Duration
		want int
	}{
		{10 * time.Microsecond, 5},
		{time.Millisecond, 1},
		{time.Second, 1},
		{100 * time.Nanosecond, 500}, // past EventInterval: the maintenance pass yields first
	} {
		w.pollEWMA = float64(c.poll)
		if got := w.tunedYieldInterval(); got != c.want {
			t.Errorf("mean poll %v: yield every %d polls, want %d", c.poll, got, c.want)
		}
	}
}

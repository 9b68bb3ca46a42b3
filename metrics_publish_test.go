package weft_test

import (
	"context"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

// pingTasks spawns one task per poll and wakes itself, so that every pass
// of a current-thread driver's loop polls it once and runs one task; at each
// poll it checks the published poll count against the tasks run so far.
type pingTasks struct {
	rt      *weft.Runtime
	ran     int // tasks that have run (each ran before the poll after its spawn)
	n       int
	maxLag  uint64
	behind  bool // a published count above the truth
	started bool
	base    uint64
}

func (p *pingTasks) Poll(cx *future.Context) (struct{}, bool) {
	published := p.rt.Metrics().PerWorker[0].Polls
	if !p.started {
		p.started, p.base = true, published
	} else {
		p.ran++
		got := published - p.base
		if got > uint64(p.ran) {
			p.behind = true
		}
		p.maxLag = max(p.maxLag, uint64(p.ran)-min(got, uint64(p.ran)))
	}
	if p.ran == p.n {
		return struct{}{}, true
	}
	weft.SpawnDetached(cx, future.Ready(struct{}{}))
	cx.Waker().Wake()
	return struct{}{}, false
}

// The current-thread driver publishes its counters once an event interval's
// worth of ticks has passed, not after every pass of its loop: a reading
// lags the truth by at most one event interval, and is exact once BlockOn
// returns.
func TestCurrentThreadMetricsLagByAtMostOneEventInterval(t *testing.T) {
	const interval = 8
	rt := newRuntime(t, weft.WithCurrentThread(), weft.WithEventInterval(interval))
	p := &pingTasks{rt: rt, n: 200}
	if _, err := weft.BlockOn(context.Background(), rt, p); err != nil {
		t.Fatal(err)
	}
	if p.behind {
		t.Fatal("a published poll count exceeded the polls run")
	}
	// Each pass is two ticks (the task, then an empty queue), so a publish
	// comes at least every interval ticks: at most interval/2 + 1 tasks late.
	if p.maxLag == 0 || p.maxLag > interval {
		t.Fatalf("published polls lagged by up to %d tasks; want between 1 and %d", p.maxLag, interval)
	}
	if got := rt.Metrics().PerWorker[0].Polls - p.base; got != uint64(p.n) {
		t.Fatalf("after BlockOn: %d polls published, want %d", got, p.n)
	}
}

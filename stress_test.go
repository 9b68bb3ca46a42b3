package weft_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// stressFut is one task of the stress test. Its kind decides how it waits:
// 0 returns at once, 1 yields a few times, 2 waits for a gate that a waker
// goroutine opens, 3 waits for a gate nobody opens (it can only end by abort
// or shutdown).
type stressFut struct {
	kind   int
	i      int
	yields int
	g      *gate
	drops  *atomic.Int32
}

func (f *stressFut) Poll(cx *future.Context) (int, bool) {
	switch f.kind {
	case 1:
		if f.yields < 3 {
			f.yields++
			cx.Waker().Wake()
			return 0, false
		}
	case 2, 3:
		if _, ok := f.g.Poll(cx); !ok {
			return 0, false
		}
	}
	return f.i, true
}

func (f *stressFut) Drop() { f.drops.Add(1) }

// Every task of a runtime is accounted for when spawns, wakes, aborts and
// joins race a shutdown: each JoinHandle reports its output or a
// cancellation, each future is dropped exactly once, and nothing is left in
// the runtime.
func TestStressSpawnWakeAbortJoinDuringShutdown(t *testing.T) {
	total := 1_000_000
	if testing.Short() {
		total = 100_000
	}
	const producers = 4
	rt, err := weft.New(weft.WithWorkers(4))
	if err != nil {
		t.Fatal(err)
	}
	drops := make([]atomic.Int32, total)
	handles := make([]*task.JoinHandle[int], total)
	gates := make(chan *gate, 1024)
	aborts := make(chan task.AbortHandle, 1024)
	var spawned atomic.Int64
	shutdownAt := int64(total * 8 / 10)
	shutdownDone := make(chan error, 1)

	var helpers sync.WaitGroup
	helpers.Add(2)
	go func() { // waker: opens kind-2 gates
		defer helpers.Done()
		for g := range gates {
			g.Open()
		}
	}()
	go func() { // aborter: aborts every other handle it is given
		defer helpers.Done()
		n := 0
		for a := range aborts {
			if n++; n%2 == 0 {
				a.Abort()
			}
		}
	}()
	go func() { // shutdown once most tasks are spawned
		for spawned.Load() < shutdownAt {
			time.Sleep(time.Millisecond) // polling a counter, not synchronising
		}
		shutdownDone <- rt.Close()
	}()

	var wg sync.WaitGroup
	for p := range producers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := rt.Handle()
			for i := p; i < total; i += producers {
				f := &stressFut{kind: i % 4, i: i, drops: &drops[i]}
				if f.kind >= 2 {
					f.g = &gate{}
				}
				jh := weft.Spawn(h, f)
				handles[i] = jh
				spawned.Add(1)
				switch f.kind {
				case 2:
					gates <- f.g
				case 3:
					aborts <- jh.AbortHandle()
				}
				if i%7 == 0 {
					jh.AbortHandle().Abort()
				}
			}
		}()
	}
	wg.Wait()
	close(gates)
	close(aborts)
	helpers.Wait()
	if err := <-shutdownDone; err != nil {
		t.Fatalf("Close: %v", err)
	}

	var outputs, cancels int
	for i, jh := range handles {
		v, err := jh.BlockingJoin(context.Background())
		switch {
		case err == nil:
			if v != i {
				t.Fatalf("task %d returned %d", i, v)
			}
			if i%4 == 3 {
				t.Fatalf("task %d waited on a closed gate yet returned", i)
			}
			outputs++
		case errors.Is(err, task.ErrCancelled):
			cancels++
		default:
			t.Fatalf("task %d: unexpected error %v", i, err)
		}
		if d := drops[i].Load(); d != 1 {
			t.Fatalf("task %d: future dropped %d times", i, d)
		}
	}
	if outputs+cancels != total || cancels == 0 || outputs == 0 {
		t.Fatalf("outputs %d + cancellations %d != %d", outputs, cancels, total)
	}
	t.Logf("%d tasks: %d outputs, %d cancellations", total, outputs, cancels)
}

// Wake-ups that race workers going to sleep are never lost: every task
// waiting for a gate opened from another goroutine completes.
func TestNoLostWakeupsAcrossParking(t *testing.T) {
	rounds := 2000
	if testing.Short() {
		rounds = 200
	}
	rt := newRuntime(t, weft.WithWorkers(4))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for r := range rounds {
		const n = 8
		gs := make([]*gate, n)
		hs := make([]*task.JoinHandle[struct{}], n)
		for i := range gs {
			gs[i] = &gate{}
			hs[i] = weft.Spawn(rt, gs[i])
		}
		// Open them from several goroutines while workers park.
		var wg sync.WaitGroup
		for i := range gs {
			wg.Add(1)
			go func() { defer wg.Done(); gs[i].Open() }()
		}
		wg.Wait()
		for i, h := range hs {
			if _, err := h.BlockingJoin(ctx); err != nil {
				t.Fatalf("round %d task %d: %v (lost wake-up)", r, i, err)
			}
		}
	}
}

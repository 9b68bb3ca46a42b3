package watch_test

import (
	"context"
	"sync"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/watch"
)

// condWatch is the stdlib twin: a value, a version and a sync.Cond.
type condWatch struct {
	mu      sync.Mutex
	cond    *sync.Cond
	value   int
	version uint64
	closed  bool
}

func newCondWatch() *condWatch {
	w := &condWatch{}
	w.cond = sync.NewCond(&w.mu)
	return w
}

func (w *condWatch) send(v int) {
	w.mu.Lock()
	w.value = v
	w.version++
	w.mu.Unlock()
	w.cond.Broadcast()
}

func (w *condWatch) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.cond.Broadcast()
}

// changed waits for a version after seen and returns the value and version.
func (w *condWatch) changed(seen uint64) (int, uint64, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.version == seen && !w.closed {
		w.cond.Wait()
	}
	return w.value, w.version, w.version != seen
}

// Send, observe the change and read the value on one goroutine.
func BenchmarkSendChangedBorrow(b *testing.B) {
	b.ReportAllocs()
	tx, rx := watch.New(0)
	cx := future.NewContext(future.Noop())
	i := 0
	for b.Loop() {
		i++
		_ = tx.Send(i)
		if _, ok := rx.Changed().Poll(cx); !ok {
			b.Fatal("not ready")
		}
		if v, _ := rx.BorrowAndUpdate(); v != i {
			b.Fatal(v)
		}
	}
}

func BenchmarkSendChangedBorrowCond(b *testing.B) {
	b.ReportAllocs()
	w := newCondWatch()
	var seen uint64
	i := 0
	for b.Loop() {
		i++
		w.send(i)
		var v int
		v, seen, _ = w.changed(seen)
		if v != i {
			b.Fatal(v)
		}
	}
}

// One sender, four receiver goroutines that block for each change.
func BenchmarkFanOut4Blocking(b *testing.B) {
	b.ReportAllocs()
	tx, rx := watch.New(0)
	var wg sync.WaitGroup
	for range 4 {
		r := rx.Clone()
		wg.Go(func() {
			defer r.Close()
			for r.BlockingChanged(context.Background()) == nil {
				r.BorrowAndUpdate()
			}
		})
	}
	rx.Close()
	i := 0
	for b.Loop() {
		i++
		_ = tx.Send(i)
	}
	tx.Close()
	wg.Wait()
}

func BenchmarkFanOut4BlockingCond(b *testing.B) {
	b.ReportAllocs()
	w := newCondWatch()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			var seen uint64
			for {
				_, v, ok := w.changed(seen)
				if !ok {
					return
				}
				seen = v
			}
		})
	}
	i := 0
	for b.Loop() {
		i++
		w.send(i)
	}
	w.close()
	wg.Wait()
}

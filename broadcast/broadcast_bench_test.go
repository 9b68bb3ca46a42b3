package broadcast_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/weftrt/weft/broadcast"
	"github.com/weftrt/weft/future"
)

// Every weft benchmark is followed by its Go-channel twin: one buffered Go
// channel per subscriber, which is how broadcast is usually done with
// goroutines.

// Send to 4 receivers and let each read the value, on one goroutine.
func BenchmarkFanOut4SameGoroutine(b *testing.B) {
	b.ReportAllocs()
	tx, rx := broadcast.New[int](64)
	rxs := []*broadcast.Receiver[int]{rx, tx.Subscribe(), tx.Subscribe(), tx.Subscribe()}
	cx := future.NewContext(future.Noop())
	for b.Loop() {
		_, _ = tx.Send(1)
		for _, r := range rxs {
			if _, ok := r.Recv().Poll(cx); !ok {
				b.Fatal("not ready")
			}
		}
	}
}

func BenchmarkFanOut4SameGoroutineGoChan(b *testing.B) {
	b.ReportAllocs()
	chs := make([]chan int, 4)
	for i := range chs {
		chs[i] = make(chan int, 64)
	}
	for b.Loop() {
		for _, ch := range chs {
			ch <- 1
		}
		for _, ch := range chs {
			<-ch
		}
	}
}

// One sender, 4 receiver goroutines that block. Each op sends a batch of 32
// values and waits until every receiver has read the batch, so nothing is
// skipped and both sides do the same work: 128 deliveries per op.
const batch = 32

func BenchmarkFanOut4Goroutines(b *testing.B) {
	b.ReportAllocs()
	tx := broadcast.NewSender[int](batch)
	acks := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for range 4 {
		r := tx.Subscribe()
		wg.Go(func() {
			defer r.Close()
			for n := 1; ; n++ {
				if _, err := r.BlockingRecv(context.Background()); err != nil {
					if !errors.Is(err, broadcast.ErrClosed) {
						b.Error(err)
					}
					return
				}
				if n%batch == 0 {
					acks <- struct{}{}
				}
			}
		})
	}
	for b.Loop() {
		for i := range batch {
			_, _ = tx.Send(i)
		}
		for range 4 {
			<-acks
		}
	}
	tx.Close()
	wg.Wait()
}

func BenchmarkFanOut4GoroutinesGoChan(b *testing.B) {
	b.ReportAllocs()
	chs := make([]chan int, 4)
	acks := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i := range chs {
		chs[i] = make(chan int, batch)
		ch := chs[i]
		wg.Go(func() {
			n := 0
			for range ch {
				if n++; n%batch == 0 {
					acks <- struct{}{}
				}
			}
		})
	}
	for b.Loop() {
		for i := range batch {
			for _, ch := range chs {
				ch <- i
			}
		}
		for range 4 {
			<-acks
		}
	}
	for _, ch := range chs {
		close(ch)
	}
	wg.Wait()
}

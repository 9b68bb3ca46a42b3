package weft_test

import (
	"context"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

// BlockOn's fixed cost (issue 13): one BlockOn of a future that is ready at
// its first poll, and of one that is pending once and wakes itself, on both
// runtime flavours. Tokio's sync benches run one block_on per iteration, so
// this cost is part of every "in a row" row of BENCHMARKS.md's sync table.
// The goroutine twin of a ready future is a direct call; of a self-waking
// one, a send and receive on a buffered channel.
//
//	go test -run '^$' -bench 'BlockOn' -benchmem -count 6 .

// selfWake is pending at its first poll, after waking its own waker, and
// ready at the second.
type selfWake struct{ polled bool }

func (s *selfWake) Poll(cx *future.Context) (int, bool) {
	if s.polled {
		return 1, true
	}
	s.polled = true
	cx.Waker().Wake()
	return 0, false
}

func benchBlockOnFlavours(b *testing.B, op func(b *testing.B, rt *weft.Runtime)) {
	for _, fl := range []struct {
		name string
		opt  weft.Option
	}{
		{"rt=current", weft.WithCurrentThread()},
		{"rt=multi", weft.WithWorkers(2)},
	} {
		b.Run(fl.name+"/impl=weft", func(b *testing.B) {
			rt, err := weft.New(fl.opt)
			if err != nil {
				b.Fatal(err)
			}
			defer rt.Close()
			b.ReportAllocs()
			op(b, rt)
		})
	}
}

func BenchmarkBlockOnReady(b *testing.B) {
	ctx := context.Background()
	benchBlockOnFlavours(b, func(b *testing.B, rt *weft.Runtime) {
		for b.Loop() {
			if v, err := weft.BlockOn(ctx, rt, future.Ready(1)); err != nil || v != 1 {
				b.Fatalf("BlockOn = %d, %v", v, err)
			}
		}
	})
	b.Run("impl=goroutine", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if v := benchReadyCall(); v != 1 {
				b.Fatal(v)
			}
		}
	})
}

//go:noinline
func benchReadyCall() int { return 1 }

func BenchmarkBlockOnSelfWake(b *testing.B) {
	ctx := context.Background()
	benchBlockOnFlavours(b, func(b *testing.B, rt *weft.Runtime) {
		var f selfWake
		for b.Loop() {
			f = selfWake{}
			if v, err := weft.BlockOn(ctx, rt, &f); err != nil || v != 1 {
				b.Fatalf("BlockOn = %d, %v", v, err)
			}
		}
	})
	b.Run("impl=goroutine", func(b *testing.B) {
		b.ReportAllocs()
		ch := make(chan int, 1)
		for b.Loop() {
			ch <- 1
			if v := <-ch; v != 1 {
				b.Fatal(v)
			}
		}
	})
}

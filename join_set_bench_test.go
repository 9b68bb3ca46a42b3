package weft_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

// Spawn n tasks into a JoinSet and join them all, against the same fan-out
// and collection with goroutines: results over a channel (completion order,
// like JoinSet) and errgroup-style WaitGroup with a result slice.
//
//	go test -run '^$' -bench 'JoinSet' -benchmem .

const joinSetBenchN = 1000

// benchJoinRoot is the task that owns the set: it spawns n trivial tasks
// into it through its Context and sums their outputs with PollJoinNext.
type benchJoinRoot struct {
	n       int
	js      weft.JoinSet[int]
	spawned bool
	sum     int
}

func (r *benchJoinRoot) Poll(cx *future.Context) (int, bool) {
	if !r.spawned {
		r.spawned = true
		for i := range r.n {
			weft.SpawnInto(&r.js, cx, future.Ready(i))
		}
	}
	for {
		res, ok := r.js.PollJoinNext(cx)
		if !ok {
			return 0, false
		}
		if res.Err == weft.ErrJoinSetEmpty {
			return r.sum, true
		}
		r.sum += res.Value
	}
}

func benchJoinSetInTask(b *testing.B, opts ...weft.Option) {
	rt := newRuntime(b, opts...)
	ctx := context.Background()
	want := joinSetBenchN * (joinSetBenchN - 1) / 2
	b.ReportAllocs()
	for b.Loop() {
		r, err := weft.BlockOn(ctx, rt, weft.Spawn(rt, &benchJoinRoot{n: joinSetBenchN}))
		if err != nil || r.Err != nil || r.Value != want {
			b.Fatalf("sum %d, err %v %v", r.Value, err, r.Err)
		}
	}
}

func BenchmarkJoinSetSpawnJoin(b *testing.B) {
	n := strconv.Itoa(joinSetBenchN)
	b.Run("weft/current-thread/in-task/n="+n, func(b *testing.B) {
		benchJoinSetInTask(b, weft.WithCurrentThread())
	})
	b.Run("weft/multi-thread/in-task/n="+n, func(b *testing.B) {
		benchJoinSetInTask(b, weft.WithWorkers(2))
	})
	// The goroutine-shaped use: spawn from a plain goroutine, collect with
	// BlockingJoinNext.
	b.Run("weft/multi-thread/blocking/n="+n, func(b *testing.B) {
		rt := newRuntime(b, weft.WithWorkers(2))
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			var js weft.JoinSet[int]
			for i := range joinSetBenchN {
				weft.SpawnInto(&js, rt, future.Ready(i))
			}
			sum := 0
			for {
				_, v, err := js.BlockingJoinNext(ctx)
				if err == weft.ErrJoinSetEmpty {
					break
				}
				sum += v
			}
			if sum != joinSetBenchN*(joinSetBenchN-1)/2 {
				b.Fatal(sum)
			}
		}
	})
	b.Run("goroutines/channel/n="+n, func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ch := make(chan int, joinSetBenchN)
			for i := range joinSetBenchN {
				go func() { ch <- i }()
			}
			sum := 0
			for range joinSetBenchN {
				sum += <-ch
			}
			if sum != joinSetBenchN*(joinSetBenchN-1)/2 {
				b.Fatal(sum)
			}
		}
	})
	b.Run("goroutines/waitgroup/n="+n, func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			res := make([]int, joinSetBenchN)
			var wg sync.WaitGroup
			for i := range joinSetBenchN {
				wg.Go(func() { res[i] = i })
			}
			wg.Wait()
			sum := 0
			for _, v := range res {
				sum += v
			}
			if sum != joinSetBenchN*(joinSetBenchN-1)/2 {
				b.Fatal(sum)
			}
		}
	})
}

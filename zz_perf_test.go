package weft_test

import (
	"context"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

type yieldN struct{ n int }

func (y *yieldN) Poll(cx *future.Context) (struct{}, bool) {
	if y.n > 0 {
		y.n--
		cx.Waker().Wake()
		return struct{}{}, false
	}
	return struct{}{}, true
}

type joinAllS struct {
	hs []*task.JoinHandle[struct{}]
	i  int
}

func (j *joinAllS) Poll(cx *future.Context) (struct{}, bool) {
	for j.i < len(j.hs) {
		if _, ok := j.hs[j.i].Poll(cx); !ok {
			return struct{}{}, false
		}
		j.i++
	}
	return struct{}{}, true
}

func benchYield(b *testing.B, opts ...weft.Option) {
	rt, _ := weft.New(opts...)
	defer rt.Close()
	hs := make([]*task.JoinHandle[struct{}], 200)
	b.ReportAllocs()
	for b.Loop() {
		for i := range hs {
			hs[i] = weft.Spawn(rt, &yieldN{n: 1000})
		}
		weft.BlockOn(context.Background(), rt, &joinAllS{hs: hs})
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/200000, "ns/yield")
}

func BenchmarkPerfCTYield(b *testing.B) { benchYield(b, weft.WithCurrentThread()) }
func BenchmarkPerfMTYield(b *testing.B) { benchYield(b, weft.WithWorkers(2)) }

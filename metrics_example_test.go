package weft_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/task"
)

// Read a runtime's counters after a small deterministic run: three tasks
// spawned from outside, each yielding once.
func ExampleRuntime_Metrics() {
	rt, err := weft.New(weft.WithCurrentThread(), weft.WithPollTimeHistogram(weft.HistogramConfig{}))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close()

	hs := make([]*task.JoinHandle[struct{}], 3)
	for i := range hs {
		hs[i] = weft.Spawn(rt, weft.YieldNow())
	}
	for _, h := range hs {
		if _, err := weft.BlockOn(context.Background(), rt, h); err != nil {
			log.Fatal(err)
		}
	}

	m := rt.Metrics()
	w := m.PerWorker[0]
	fmt.Println("workers:", m.Workers)
	fmt.Println("spawned:", m.SpawnedTasks, "alive:", m.AliveTasks)
	fmt.Println("polls:", w.Polls)
	fmt.Println("remote schedules:", m.RemoteSchedules, "local schedules:", w.LocalSchedules)
	var timed uint64
	for _, c := range m.PollTimeHistogram() {
		timed += c
	}
	fmt.Println("polls in the histogram:", timed, "in", len(m.PollTimeBuckets), "buckets")
	// Output:
	// workers: 1
	// spawned: 3 alive: 0
	// polls: 6
	// remote schedules: 3 local schedules: 3
	// polls in the histogram: 6 in 10 buckets
}

// A logarithmic layout: buckets as narrow as the minimum (rounded down to a
// power of two) at the bottom, and at most 2^-precision of their start
// above.
func ExampleLogHistogram() {
	rt, err := weft.New(weft.WithCurrentThread(),
		weft.WithPollTimeHistogram(weft.LogHistogram(time.Microsecond, time.Second, 1)))
	if err != nil {
		log.Fatal(err)
	}
	defer rt.Close()
	b := rt.Metrics().PollTimeBuckets
	for _, i := range []int{0, 1, 2, 3, 4, 5, 6} {
		fmt.Printf("[%v, %v)\n", b[i].Start, b[i].End)
	}
	fmt.Println(len(b), "buckets, the last from", b[len(b)-1].Start)
	// Output:
	// [0s, 512ns)
	// [512ns, 1.024µs)
	// [1.024µs, 1.536µs)
	// [1.536µs, 2.048µs)
	// [2.048µs, 3.072µs)
	// [3.072µs, 4.096µs)
	// [4.096µs, 6.144µs)
	// 42 buckets, the last from 805.306368ms
}

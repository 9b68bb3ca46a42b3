package weft_test

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

func ExampleSpawnInline() {
	rt, err := weft.New()
	if err != nil {
		panic(err)
	}
	defer rt.Close()

	// countdown's Poll has a pointer receiver; SpawnInline copies the
	// value into the task, which polls its own copy: one allocation for
	// the task and its state, where Spawn(rt, &countdown{...}) makes two.
	h := weft.SpawnInline(rt, &countdown{n: 3, label: "done"})
	out, err := h.BlockingJoin(context.Background())
	fmt.Println(out, err)
	// Output: done <nil>
}

// tally yields n times, then counts itself finished.
type tally struct {
	n    int
	done *atomic.Int32
}

func (t *tally) Poll(cx *future.Context) (struct{}, bool) {
	if t.n > 0 {
		t.n--
		cx.Waker().Wake()
		return struct{}{}, false
	}
	t.done.Add(1)
	return struct{}{}, true
}

func ExampleSpawnDetachedInline() {
	rt, err := weft.New(weft.WithCurrentThread())
	if err != nil {
		panic(err)
	}
	defer rt.Close()

	var finished atomic.Int32
	for i := range 3 {
		// Each task holds its own tally; nothing is allocated for it
		// beyond the task, and a finished task's memory is reused.
		weft.SpawnDetachedInline(rt, &tally{n: i, done: &finished})
	}
	// Wait in BlockOn, yielding to the tasks until all have finished.
	allDone := future.PollFunc(func(cx *future.Context) (struct{}, bool) {
		if finished.Load() == 3 {
			return struct{}{}, true
		}
		cx.Waker().Wake()
		return struct{}{}, false
	})
	_, err = weft.BlockOn(context.Background(), rt, allDone)
	fmt.Println(finished.Load(), err)
	// Output: 3 <nil>
}

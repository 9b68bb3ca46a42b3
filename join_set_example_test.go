package weft_test

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// afterPolls returns a future that yields polls times and then outputs v: a
// stand-in for work that takes a while.
func afterPolls[T any](polls int, v T) future.Future[T] {
	return future.PollFunc(func(cx *future.Context) (T, bool) {
		if polls > 0 {
			polls--
			cx.Waker().Wake()
			var zero T
			return zero, false
		}
		return v, true
	})
}

// A JoinSet reports its tasks in the order they complete, not the order they
// were spawned in. Here the set lives inside a task, as it usually does, and
// the task spawns into it through its Context. Close aborts whatever is left
// when the function returns: Go has no destructors, so the defer does what
// dropping a tokio JoinSet does.
func ExampleJoinSet() {
	rt, _ := weft.New(weft.WithCurrentThread())
	defer rt.Close()

	js := weft.NewJoinSet[string]()
	defer js.Close()
	var next *weft.JoinNextFuture[string]
	var got []string
	main := future.PollFunc(func(cx *future.Context) ([]string, bool) {
		if next == nil {
			weft.SpawnInto(js, cx, afterPolls(2, "slow"))
			weft.SpawnInto(js, cx, afterPolls(0, "fast"))
			weft.SpawnInto(js, cx, afterPolls(1, "medium"))
			next = js.JoinNext()
		}
		for {
			r, ok := next.Poll(cx)
			if !ok {
				return nil, false
			}
			if r.Err == weft.ErrJoinSetEmpty {
				return got, true
			}
			got = append(got, r.Value)
			next.Reset(js)
		}
	})
	r, _ := weft.BlockOn(context.Background(), rt, weft.Spawn(rt, main))
	fmt.Println(r.Value)
	// Output: [fast medium slow]
}

func ExampleJoinSet_JoinAll() {
	rt, _ := weft.New(weft.WithCurrentThread())
	defer rt.Close()

	js := weft.NewJoinSet[int]()
	defer js.Close()
	for i := 1; i <= 3; i++ {
		weft.SpawnInto(js, rt, future.Ready(i*i))
	}
	r, _ := weft.BlockOn(context.Background(), rt, js.JoinAll())
	fmt.Println(r.Value, r.Err, js.Len())
	// Output: [1 4 9] <nil> 0
}

// JoinAll stops at the first failure: it aborts the other tasks, waits for
// them, and returns the failure (a panic comes back as an error).
func ExampleJoinSet_JoinAll_firstError() {
	rt, _ := weft.New(weft.WithCurrentThread())
	defer rt.Close()

	js := weft.NewJoinSet[int]()
	defer js.Close()
	weft.SpawnInto(js, rt, afterPolls(0, 1))
	weft.SpawnInto(js, rt, future.PollFunc(func(*future.Context) (int, bool) { panic("bad input") }))
	weft.SpawnInto(js, rt, future.Pending[int]()) // would never finish by itself

	r, _ := weft.BlockOn(context.Background(), rt, js.JoinAll())
	var je *task.JoinError
	if errors.As(r.Err, &je) && je.IsPanic() {
		fmt.Println(r.Value, "panic:", je.PanicValue(), js.Len())
	}
	// Output: [1] panic: bad input 0
}

// A plain goroutine waits for results with BlockingJoinNext.
func ExampleJoinSet_BlockingJoinNext() {
	rt, _ := weft.New(weft.WithWorkers(2))
	defer rt.Close()

	js := weft.NewJoinSet[int]()
	defer js.Close()
	for i := range 10 {
		weft.SpawnInto(js, rt, afterPolls(i%3, i))
	}
	sum := 0
	for {
		_, v, err := js.BlockingJoinNext(context.Background())
		if err == weft.ErrJoinSetEmpty {
			break
		}
		sum += v
	}
	fmt.Println(sum)
	// Output: 45
}

// TryJoinNext takes what has already finished without waiting, from inside a
// task.
func ExampleJoinSet_TryJoinNext() {
	rt, _ := weft.New(weft.WithCurrentThread())
	defer rt.Close()

	js := weft.NewJoinSet[string]()
	defer js.Close()
	yielded := false
	driver := future.PollFunc(func(cx *future.Context) ([]string, bool) {
		if !yielded {
			for _, s := range []string{"a", "b", "c"} {
				weft.SpawnInto(js, cx, future.Ready(s))
			}
			_, _, err := js.TryJoinNext()
			fmt.Println("before they ran:", err)
			yielded = true
			cx.Waker().Wake() // yield: the three tasks run first
			return nil, false
		}
		var got []string
		for {
			_, v, err := js.TryJoinNext()
			if err != nil { // ErrJoinSetEmpty once all three are taken
				return got, true
			}
			got = append(got, v)
		}
	})
	r, _ := weft.BlockOn(context.Background(), rt, weft.Spawn(rt, driver))
	fmt.Println(r.Value)
	// Output:
	// before they ran: weft: no task of the JoinSet has finished
	// [a b c]
}

// Shutdown aborts every task and waits until all of them have ended.
func ExampleJoinSet_Shutdown() {
	rt, _ := weft.New(weft.WithCurrentThread())
	defer rt.Close()

	js := weft.NewJoinSet[int]()
	defer js.Close()
	for range 3 {
		weft.SpawnInto(js, rt, future.Pending[int]())
	}
	fmt.Println(js.Len())
	weft.BlockOn(context.Background(), rt, js.Shutdown())
	fmt.Println(js.Len())
	// Output:
	// 3
	// 0
}

// cleanup is a future that never finishes by itself and reports its Drop.
type cleanup struct{ dropped chan struct{} }

func (c *cleanup) Poll(*future.Context) (int, bool) { return 0, false }
func (c *cleanup) Drop()                            { close(c.dropped) }

// Close aborts the tasks still in the set; each aborted task's future is
// dropped (its Drop runs) on the runtime soon after.
func ExampleJoinSet_Close() {
	rt, _ := weft.New(weft.WithWorkers(2))
	defer rt.Close()

	js := weft.NewJoinSet[int]()
	c := &cleanup{dropped: make(chan struct{})}
	weft.SpawnInto(js, rt, c)
	js.Close()
	<-c.dropped
	fmt.Println("aborted; Len", js.Len())
	// Output: aborted; Len 0
}

// Insert adopts a task that was spawned on its own.
func ExampleJoinSet_Insert() {
	rt, _ := weft.New(weft.WithWorkers(2))
	defer rt.Close()

	h := weft.Spawn(rt, future.Ready("adopted"))
	js := weft.NewJoinSet[string]()
	defer js.Close()
	js.Insert(h) // the set owns h now
	id, v, err := js.BlockingJoinNext(context.Background())
	fmt.Println(v, err, id == h.ID())
	// Output: adopted <nil> true
}

// sumAll is a hand-written future that sums the outputs of a set through
// PollJoinNext, without allocating per result.
type sumAll struct {
	js  *weft.JoinSet[int]
	sum int
}

func (s *sumAll) Poll(cx *future.Context) (int, bool) {
	for {
		r, ok := s.js.PollJoinNext(cx)
		if !ok {
			return 0, false
		}
		if r.Err == weft.ErrJoinSetEmpty {
			return s.sum, true
		}
		s.sum += r.Value
	}
}

func ExampleJoinSet_PollJoinNext() {
	rt, _ := weft.New(weft.WithWorkers(2))
	defer rt.Close()

	js := weft.NewJoinSet[int]()
	defer js.Close()
	for i := 1; i <= 100; i++ {
		weft.SpawnInto(js, rt, future.Ready(i))
	}
	sum, _ := weft.BlockOn(context.Background(), rt, &sumAll{js: js})
	fmt.Println(sum)
	// Output: 5050
}

// Tasks that must stay on the LocalSet's thread join a set like any other.
func ExampleSpawnLocalInto() {
	rt, _ := weft.New(weft.WithWorkers(1))
	defer rt.Close()
	ls := weft.NewLocalSet(rt)
	defer ls.Close()

	js := weft.NewJoinSet[int]()
	defer js.Close()
	for i := range 4 {
		weft.SpawnLocalInto(js, ls, future.Ready(i))
	}
	var got []int
	for {
		_, v, err := js.BlockingJoinNext(context.Background())
		if err != nil {
			break // ErrJoinSetEmpty
		}
		got = append(got, v)
	}
	slices.Sort(got)
	fmt.Println(got)
	// Output: [0 1 2 3]
}

// A JoinResult tells the three outcomes apart: an output, a task error, or
// an empty set.
func ExampleJoinResult() {
	rt, _ := weft.New(weft.WithCurrentThread())
	defer rt.Close()
	ctx := context.Background()

	js := weft.NewJoinSet[int]()
	defer js.Close()
	weft.SpawnInto(js, rt, future.Pending[int]()).Abort()
	for {
		r, _ := weft.BlockOn(ctx, rt, js.JoinNext())
		switch {
		case r.Err == nil:
			fmt.Println("output", r.Value)
		case errors.Is(r.Err, weft.ErrJoinSetEmpty):
			fmt.Println("empty")
			return
		case errors.Is(r.Err, task.ErrCancelled):
			fmt.Println("cancelled")
		}
	}
	// Output:
	// cancelled
	// empty
}

// A future kept by value and Reset joins again and again without allocating
// a new JoinNext future each time.
func ExampleJoinNextFuture_Reset() {
	rt, _ := weft.New(weft.WithCurrentThread())
	defer rt.Close()

	js := weft.NewJoinSet[int]()
	defer js.Close()
	for i := range 3 {
		weft.SpawnInto(js, rt, future.Ready(i))
	}
	var next weft.JoinNextFuture[int]
	total := 0
	for {
		next.Reset(js)
		r, _ := weft.BlockOn(context.Background(), rt, &next)
		if r.Err == weft.ErrJoinSetEmpty {
			break
		}
		total += r.Value
	}
	fmt.Println(total)
	// Output: 3
}

package weft_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// countdown is a hand-written future: it yields n times, then returns its
// label. A future is a state machine; each Poll advances it.
type countdown struct {
	n     int
	label string
}

func (c *countdown) Poll(cx *future.Context) (string, bool) {
	if c.n > 0 {
		c.n--
		cx.Waker().Wake() // yield: ask to be polled again, after the others
		return "", false
	}
	return c.label, true
}

func ExampleSpawn() {
	rt, err := weft.New()
	if err != nil {
		panic(err)
	}
	defer rt.Close()

	h := weft.Spawn(rt, &countdown{n: 3, label: "done"})
	out, err := h.BlockingJoin(context.Background())
	fmt.Println(out, err)
	// Output: done <nil>
}

func ExampleBlockOn() {
	rt, err := weft.New(weft.WithCurrentThread())
	if err != nil {
		panic(err)
	}
	defer rt.Close()

	// On a current-thread runtime the tasks run inside BlockOn, in a
	// deterministic order.
	a := weft.Spawn(rt, &countdown{n: 2, label: "a"})
	b := weft.Spawn(rt, &countdown{n: 1, label: "b"})
	both := future.Join2[future.Result[string], future.Result[string]](a, b)
	res, err := weft.BlockOn(context.Background(), rt, both)
	fmt.Println(res.A.Value, res.B.Value, err)
	// Output: a b <nil>
}

func ExampleJoinHandle_Abort() {
	rt, err := weft.New()
	if err != nil {
		panic(err)
	}
	defer rt.Close()

	h := weft.Spawn(rt, future.Pending[int]()) // never completes on its own
	h.Abort()
	_, err = h.BlockingJoin(context.Background())
	fmt.Println(errors.Is(err, task.ErrCancelled))
	// Output: true
}

func ExampleRuntime_Shutdown() {
	rt, err := weft.New()
	if err != nil {
		panic(err)
	}
	h := weft.Spawn(rt, future.Pending[int]())

	// Shutdown cancels every task at its next await point and waits.
	if err := rt.Shutdown(-1); err != nil {
		panic(err)
	}
	_, err = h.BlockingJoin(context.Background())
	fmt.Println(errors.Is(err, task.ErrCancelled), errors.Is(err, weft.ErrRuntimeShutdown))
	// Output: true true
}

func ExampleLocalSet() {
	rt, err := weft.New()
	if err != nil {
		panic(err)
	}
	defer rt.Close()

	// A LocalSet runs its tasks on a goroutine of its own, locked to one
	// OS thread for the life of the set.
	ls := weft.NewLocalSet(rt)
	defer ls.Close()

	h := weft.SpawnLocal(ls, &countdown{n: 1, label: "ran on the set's thread"})
	out, _ := h.BlockingJoin(context.Background())
	fmt.Println(out)
	// Output: ran on the set's thread
}

func ExampleYieldNow() {
	rt, err := weft.New(weft.WithCurrentThread())
	if err != nil {
		panic(err)
	}
	defer rt.Close()

	var order []string
	// Both tasks are spawned from inside the runtime, so they share one
	// run queue; the yield puts the first behind the second.
	spawnBoth := &spawner2{order: &order}
	weft.BlockOn(context.Background(), rt, spawnBoth)
	fmt.Println(order)
	// Output: [other task after yield]
}

// spawner2 spawns two tasks from inside the runtime and waits for both.
type spawner2 struct {
	order *[]string
	both  future.Future[future.Pair[future.Result[struct{}], future.Result[struct{}]]]
}

func (s *spawner2) Poll(cx *future.Context) (struct{}, bool) {
	if s.both == nil {
		first := future.Then[struct{}, struct{}](weft.YieldNow(), func(struct{}) future.Future[struct{}] {
			*s.order = append(*s.order, "after yield")
			return future.Ready(struct{}{})
		})
		h1 := weft.Spawn(cx, first)
		h2 := weft.Spawn(cx, future.PollFunc(func(*future.Context) (struct{}, bool) {
			*s.order = append(*s.order, "other task")
			return struct{}{}, true
		}))
		s.both = future.Join2[future.Result[struct{}], future.Result[struct{}]](h1, h2)
	}
	_, ok := s.both.Poll(cx)
	return struct{}{}, ok
}

func ExampleSpawnBlocking() {
	rt, err := weft.New()
	if err != nil {
		panic(err)
	}
	defer rt.Close()

	// A call that blocks (file or network I/O, cgo, a long computation)
	// runs on the blocking pool, not on a worker.
	h := weft.SpawnBlocking(rt, func() string {
		return strings.ToUpper("done on the blocking pool")
	})
	out, err := h.BlockingJoin(context.Background())
	fmt.Println(out, err)
	// Output: DONE ON THE BLOCKING POOL <nil>
}

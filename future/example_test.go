package future_test

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

// countdown is a future that is ready after n polls and wakes its own task
// each time it is not, like a computation that proceeds in steps.
type countdown struct{ n int }

func (c *countdown) Poll(cx *future.Context) (string, bool) {
	if c.n == 0 {
		return "liftoff", true
	}
	c.n--
	cx.Waker().Wake()
	return "", false
}

// ticket is a future that holds a registration and releases it in Drop.
type ticket struct{ name string }

func (t *ticket) Poll(*future.Context) (string, bool) { return "", false }
func (t *ticket) Drop()                               { fmt.Println("released", t.name) }

func ExampleFuture() {
	var f future.Future[string] = &countdown{n: 2}
	v, err := future.Block(context.Background(), f)
	fmt.Println(v, err)
	// Output: liftoff <nil>
}

func ExampleDropper() {
	// The owner of a future that holds a registration calls Drop once it
	// is done with it, here because the future lost a select.
	s := future.Select2[string, int](&ticket{name: "slot 7"}, future.Ready(1))
	e, _ := s.Poll(future.NewContext(future.Noop()))
	fmt.Println("winner", e.Which)
	// Output:
	// released slot 7
	// winner 1
}

func ExampleDrop() {
	future.Drop(&ticket{name: "t1"}) // a Dropper: its Drop runs
	future.Drop(future.Ready(3))     // not a Dropper: nothing happens
	// Output: released t1
}

func ExampleReady() {
	v, ok := future.Ready("now").Poll(future.NewContext(future.Noop()))
	fmt.Println(v, ok)
	// Output: now true
}

func ExamplePending() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := future.Block[int](ctx, future.Pending[int]())
	fmt.Println(err)
	// Output: context canceled
}

func ExamplePollFunc() {
	polls := 0
	f := future.PollFunc(func(cx *future.Context) (int, bool) {
		polls++
		if polls < 3 {
			cx.Waker().Wake()
			return 0, false
		}
		return polls, true
	})
	v, _ := future.Block[int](context.Background(), f)
	fmt.Println("ready after", v, "polls")
	// Output: ready after 3 polls
}

func ExampleMap() {
	f := future.Map[string, int](future.Ready("hello"), func(s string) int { return len(s) })
	v, _ := future.Block[int](context.Background(), f)
	fmt.Println(v)
	// Output: 5
}

func ExampleThen() {
	f := future.Then[string, string](future.Ready("weft"), func(s string) future.Future[string] {
		return future.Ready(strings.ToUpper(s))
	})
	v, _ := future.Block[string](context.Background(), f)
	fmt.Println(v)
	// Output: WEFT
}

func ExampleJoin2() {
	f := future.Join2[string, int](&countdown{n: 3}, future.Ready(42))
	p, _ := future.Block[future.Pair[string, int]](context.Background(), f)
	fmt.Println(p.A, p.B)
	// Output: liftoff 42
}

func ExampleJoinAll() {
	fs := []future.Future[int]{future.Ready(1), future.Ready(2), future.Ready(3)}
	vs, _ := future.Block[[]int](context.Background(), future.JoinAll(fs))
	fmt.Println(vs)
	// Output: [1 2 3]
}

func ExampleSelect2() {
	// The pending ticket loses and is dropped as soon as the other side wins.
	f := future.Select2[string, string](&ticket{name: "timer"}, &countdown{n: 1})
	e, _ := future.Block[future.Either[string, string]](context.Background(), f)
	fmt.Println(e.Which, e.B)
	// Output:
	// released timer
	// 1 liftoff
}

// flag is a future that is ready once Set was called, from any goroutine.
type flag struct {
	mu    sync.Mutex
	set   bool
	waker future.Waker
}

func (f *flag) Poll(cx *future.Context) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.set {
		return "set", true
	}
	f.waker = cx.Waker()
	return "", false
}

func (f *flag) Set() {
	f.mu.Lock()
	f.set = true
	w := f.waker
	f.mu.Unlock()
	w.Wake()
}

func ExampleBlock() {
	f := &flag{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Set() // wakes the goroutine sleeping in Block, if it already sleeps
	}()
	v, err := future.Block[string](context.Background(), f)
	<-done
	fmt.Println(v, err)
	// Output: set <nil>
}

func ExampleBlock_cancel() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := future.Block[string](ctx, &ticket{name: "lock waiter"})
	fmt.Println(err)
	// Output:
	// released lock waiter
	// context canceled
}

func ExampleSignal() {
	// A goroutine that is not a task waits for a future with a Signal: it
	// polls, and sleeps in Wait until the future's waker fires.
	s := future.NewSignal()
	cx := future.NewContext(s.Waker())
	f := &countdown{n: 1}
	for {
		v, ok := f.Poll(cx)
		if ok {
			fmt.Println(v)
			break
		}
		if err := s.BlockingWait(context.Background()); err != nil {
			panic(err)
		}
	}
	// Output: liftoff
}

func ExampleNewSignal() {
	s := future.NewSignal()
	s.Waker().Wake() // a wake before anyone waits is kept
	fmt.Println(s.BlockingWait(context.Background()))
	// Output: <nil>
}

func ExampleSignal_C() {
	s := future.NewSignal()
	s.Wake(0)
	select {
	case <-s.C():
		fmt.Println("woken")
	default:
		fmt.Println("not woken")
	}
	// Output: woken
}

type printWaker struct{ name string }

func (p *printWaker) Wake(uint64) { fmt.Println("wake", p.name) }

func ExampleNewWaker() {
	w := future.NewWaker(&printWaker{name: "task 1"})
	w.Wake()
	// Output: wake task 1
}

func ExampleWaker_WillWake() {
	t1 := &printWaker{name: "t1"}
	stored := future.NewWaker(t1)
	fmt.Println(stored.WillWake(future.NewWaker(t1)))
	fmt.Println(stored.WillWake(future.NewWaker(&printWaker{name: "t2"})))
	// Output:
	// true
	// false
}

func ExampleWaker() {
	var w future.Waker // the zero Waker wakes nothing
	fmt.Println(w.IsZero())
	w.Wake()
	// Output: true
}

func ExampleWakeable() {
	var target future.Wakeable = &printWaker{name: "goroutine"}
	future.NewWaker(target).Wake()
	// Output: wake goroutine
}

func ExampleNoop() {
	v, ok := future.Map[int, int](future.Ready(2), func(v int) int { return v * v }).
		Poll(future.NewContext(future.Noop()))
	fmt.Println(v, ok)
	// Output: 4 true
}

func ExampleNewContext() {
	cx := future.NewContext(future.Noop())
	_, constrained := cx.Budget()
	fmt.Println(cx.TaskID(), constrained)
	// Output: 0 false
}

func ExampleContext_ConsumeBudget() {
	// A leaf future asks for budget before doing work; once the poll's
	// budget is spent it returns Pending (ConsumeBudget already woke the
	// task, so it runs again after the others had a turn). Every task poll,
	// and every poll of BlockOn's future, starts with DefaultBudget units.
	rt, err := weft.New(weft.WithCurrentThread())
	if err != nil {
		panic(err)
	}
	defer rt.Close()
	polls, ops := 0, 0
	_, err = weft.BlockOn(context.Background(), rt, future.PollFunc(func(cx *future.Context) (struct{}, bool) {
		polls++
		for ops < 200 {
			if !cx.ConsumeBudget() {
				return struct{}{}, false // woken already: polled again soon
			}
			ops++
		}
		return struct{}{}, true
	}))
	fmt.Println(polls, "polls for", ops, "operations, err:", err)
	// Output: 2 polls for 200 operations, err: <nil>
}

func ExampleContext_RefundBudget() {
	rt, err := weft.New(weft.WithCurrentThread())
	if err != nil {
		panic(err)
	}
	defer rt.Close()
	left, _ := weft.BlockOn(context.Background(), rt, future.PollFunc(func(cx *future.Context) (int, bool) {
		if cx.ConsumeBudget() {
			// The operation turned out not to be ready: give the unit back.
			cx.RefundBudget()
		}
		left, _ := cx.Budget()
		return left, true
	}))
	fmt.Println(left)
	// Output: 128
}

func ExampleResult() {
	r := future.Result[int]{Value: 7}
	v, err := r.Get()
	fmt.Println(v, err)
	// Output: 7 <nil>
}

// slot is a Wakeable that successive users share, each with its own tag. A
// wake for a tag that is no longer current is ignored.
type slot struct{ current uint64 }

func (s *slot) Wake(tag uint64) {
	if tag == 0 {
		fmt.Println("untagged wake")
		return
	}
	if tag != s.current {
		fmt.Println("stale wake for", tag, "ignored")
		return
	}
	fmt.Println("wake", tag)
}

func ExampleNewTaggedWaker() {
	s := &slot{current: 1}
	old := future.NewTaggedWaker(s, 1)
	s.current = 2 // the slot is reused
	old.Wake()
	future.NewTaggedWaker(s, 2).Wake()
	fmt.Println(old.WillWake(future.NewTaggedWaker(s, 2)))
	// Output:
	// stale wake for 1 ignored
	// wake 2
	// false
}

func ExampleWakeable_tagged() {
	var target future.Wakeable = &slot{current: 5}
	future.NewTaggedWaker(target, 5).Wake()
	future.NewWaker(target).Wake()
	// Output:
	// wake 5
	// untagged wake
}

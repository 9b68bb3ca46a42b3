package task_test

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// queueSched is about the smallest scheduler that can be built on package
// task: one FIFO queue, run by whoever calls RunUntilIdle.
type queueSched struct {
	owned  *task.OwnedTasks
	mu     sync.Mutex
	queue  task.Queue // guarded by mu
	closed bool       // guarded by mu
}

func newQueueSched() *queueSched { return &queueSched{owned: task.NewOwnedTasks(1)} }

func (s *queueSched) Schedule(n task.Notified)       { s.push(n) }
func (s *queueSched) Yield(n task.Notified)          { s.push(n) } // behind the others: FIFO
func (s *queueSched) Release(t task.Task) bool       { return s.owned.Remove(t) }
func (s *queueSched) Hooks() *task.Hooks             { return nil }
func (s *queueSched) UnhandledPanic(*task.JoinError) {}

func (s *queueSched) push(n task.Notified) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		n.Drop() // shut down: the task was cancelled by CloseAndShutdownAll
		return
	}
	s.queue.Push(n)
}

// spawnOn starts f on s.
func spawnOn[F future.Future[T], T any](s *queueSched, f F) *task.JoinHandle[T] {
	jh, n, ok := task.Bind(s.owned, f, s, task.Options{})
	if ok {
		s.Schedule(n)
	}
	return jh
}

// RunUntilIdle runs queued tasks until none is left.
func (s *queueSched) RunUntilIdle() {
	cx := future.NewContext(future.Noop())
	for {
		s.mu.Lock()
		n, ok := s.queue.Pop()
		s.mu.Unlock()
		if !ok {
			return
		}
		s.owned.AssertOwner(n).Run(cx) // a fresh budget for each poll
	}
}

// Shutdown cancels every task; their JoinHandles report the cause.
func (s *queueSched) Shutdown(cause error) {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.owned.CloseAndShutdownAll(0, cause)
	s.mu.Lock()
	s.queue.DropAll()
	s.mu.Unlock()
}

// countdown returns a future that prints n, n-1, ..., 1, yielding to the other
// tasks after each step, and then completes.
func countdown(name string, n int) future.Future[string] {
	return future.PollFunc(func(cx *future.Context) (string, bool) {
		if n == 0 {
			return name + " done", true
		}
		fmt.Println(name, n)
		n--
		cx.Waker().Wake() // wake ourselves: the scheduler's Yield requeues us
		return "", false
	})
}

// This example builds a single-queue scheduler on package task (queueSched
// above, about forty lines) and runs two tasks on it that take turns.
func Example() {
	s := newQueueSched()
	a := spawnOn(s, countdown("a", 2))
	b := spawnOn(s, countdown("b", 3))
	s.RunUntilIdle()
	for _, jh := range []*task.JoinHandle[string]{a, b} {
		v, err := jh.BlockingJoin(context.Background())
		fmt.Println(v, err)
	}
	fmt.Println("tasks left:", s.owned.Len())
	// Output:
	// a 2
	// b 3
	// a 1
	// b 2
	// b 1
	// a done <nil>
	// b done <nil>
	// tasks left: 0
}

func ExampleJoinHandle_BlockingJoin() {
	s := newQueueSched()
	jh := spawnOn(s, future.PollFunc(func(*future.Context) (int, bool) { return 6 * 7, true }))

	// The task runs on another goroutine; Join blocks until it completes.
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		s.RunUntilIdle()
	}()
	v, err := jh.BlockingJoin(context.Background())
	fmt.Println(v, err)

	// The output can be taken once.
	_, err = jh.BlockingJoin(context.Background())
	fmt.Println(err)
	<-ran
	// Output:
	// 42 <nil>
	// task: output already taken by an earlier join
}

func ExampleJoinHandle_Abort() {
	s := newQueueSched()
	jh := spawnOn(s, future.Pending[int]()) // never completes by itself
	s.RunUntilIdle()

	jh.Abort()       // schedules the task to be cancelled...
	s.RunUntilIdle() // ...which its scheduler's run does

	_, err := jh.BlockingJoin(context.Background())
	var je *task.JoinError
	fmt.Println(errors.As(err, &je) && je.IsCancelled(), errors.Is(err, task.ErrCancelled))
	// Output:
	// true true
}

func ExampleAbortHandle() {
	s := newQueueSched()
	jh := spawnOn(s, future.Pending[int]())
	ah := jh.AbortHandle() // can be copied and handed to other goroutines
	jh.Detach()            // nobody will join the task
	s.RunUntilIdle()

	fmt.Println("finished:", ah.IsFinished())
	ah.Abort()
	s.RunUntilIdle()
	fmt.Println("finished:", ah.IsFinished())
	// Output:
	// finished: false
	// finished: true
}

func ExampleJoinError() {
	s := newQueueSched()
	jh := spawnOn(s, future.PollFunc(func(*future.Context) (int, bool) {
		panic(errors.New("disk on fire"))
	}))
	s.RunUntilIdle() // the panic stays inside the task

	_, err := jh.BlockingJoin(context.Background())
	var je *task.JoinError
	if errors.As(err, &je) {
		fmt.Println("panic:", je.IsPanic(), "cancelled:", je.IsCancelled())
		fmt.Println("value:", je.PanicValue())
		fmt.Println("same task:", je.ID() == jh.ID())
		fmt.Println("has stack:", len(je.Stack()) > 0)
	}
	fmt.Println(errors.Is(err, task.ErrPanicked), errors.Unwrap(err))
	// Output:
	// panic: true cancelled: false
	// value: disk on fire
	// same task: true
	// has stack: true
	// true disk on fire
}

func ExampleOwnedTasks_CloseAndShutdownAll() {
	s := newQueueSched()
	var handles []*task.JoinHandle[int]
	for range 3 {
		handles = append(handles, spawnOn(s, future.Pending[int]()))
	}
	s.RunUntilIdle()
	fmt.Println("alive:", s.owned.Len())

	s.Shutdown(errors.New("runtime stopped"))
	fmt.Println("alive:", s.owned.Len())
	for _, jh := range handles {
		_, err := jh.BlockingJoin(context.Background())
		var je *task.JoinError
		errors.As(err, &je)
		fmt.Println(je.IsCancelled(), je.Cause())
	}

	// A task spawned after the close is cancelled at once.
	_, err := spawnOn(s, future.Ready(1)).BlockingJoin(context.Background())
	fmt.Println(errors.Is(err, task.ErrCancelled))
	// Output:
	// alive: 3
	// alive: 0
	// true runtime stopped
	// true runtime stopped
	// true runtime stopped
	// true
}

func ExampleUnownedTask() {
	s := newQueueSched() // a blocking task's scheduler only sees Release
	u, jh := task.NewUnowned(future.PollFunc(func(*future.Context) (string, bool) {
		return "computed on a pool goroutine", true
	}), s, task.Options{})
	u.Run(future.NewContext(future.Noop())) // what a blocking pool does
	fmt.Println(jh.BlockingJoin(context.Background()))
	// Output:
	// computed on a pool goroutine <nil>
}

func ExampleHooks() {
	s := newQueueSched()
	h := &task.Hooks{
		OnSpawn:     func(task.Meta) { fmt.Println("spawned") },
		BeforePoll:  func(task.Meta) { fmt.Println("poll") },
		OnTerminate: func(task.Meta) { fmt.Println("terminated") },
	}
	hooked := hookedSched{s, h}
	jh, n, _ := task.Bind(s.owned, countdown("t", 1), hooked, task.Options{})
	s.Schedule(n)
	s.RunUntilIdle()
	fmt.Println(jh.BlockingJoin(context.Background()))
	// Output:
	// spawned
	// poll
	// t 1
	// poll
	// terminated
	// t done <nil>
}

// hookedSched is queueSched with hooks.
type hookedSched struct {
	*queueSched
	hooks *task.Hooks
}

func (h hookedSched) Hooks() *task.Hooks { return h.hooks }

func ExampleSnapshot() {
	s := newQueueSched()
	jh, n, _ := task.Bind(s.owned, future.Ready(1), s, task.Options{})
	h := n.Header()
	fmt.Println(h.State())
	s.Schedule(n)
	s.RunUntilIdle()
	fmt.Println(h.State())
	jh.BlockingJoin(context.Background())
	fmt.Println(h.State())
	// Output:
	// NOTIFIED|JOIN_INTEREST refs=3
	// COMPLETE|JOIN_INTEREST refs=1
	// COMPLETE refs=0
}

func ExampleQueue() {
	s := newQueueSched()
	var q task.Queue // the zero Queue is empty and ready
	var ids []task.ID
	for i := range 3 {
		_, n, _ := task.Bind(s.owned, future.Ready(i), s, task.Options{})
		ids = append(ids, n.ID())
		q.Push(n)
	}
	fmt.Println("queued:", q.Len())
	first, _ := q.Pop()
	fmt.Println("first in, first out:", first.ID() == ids[0])

	s.Schedule(first)
	s.mu.Lock()
	s.queue.Append(&q) // move the rest behind it, without allocating
	s.mu.Unlock()
	fmt.Println("left:", q.Len(), "in the scheduler:", s.queue.Len())
	s.RunUntilIdle()
	// Output:
	// queued: 3
	// first in, first out: true
	// left: 0 in the scheduler: 3
}

// steps is a future with state: its Poll has a pointer receiver.
type steps struct {
	name string
	left int
}

func (s *steps) Poll(cx *future.Context) (string, bool) {
	if s.left == 0 {
		return s.name + " done", true
	}
	fmt.Println(s.name, s.left)
	s.left--
	cx.Waker().Wake()
	return "", false
}

func ExampleBindInline() {
	s := newQueueSched()
	// The task gets a copy of the steps value and polls it at its own
	// address; the caller's value is not used afterwards.
	jh, n, ok := task.BindInline(s.owned, &steps{name: "a", left: 2}, s, task.Options{})
	if ok {
		s.Schedule(n)
	}
	s.RunUntilIdle()
	fmt.Println(jh.BlockingJoin(context.Background()))
	// Output:
	// a 2
	// a 1
	// a done <nil>
}

func ExampleBindDetachedInline() {
	s := newQueueSched()
	n, ok := task.BindDetachedInline(s.owned, &steps{name: "b", left: 1}, s, task.Options{})
	if ok {
		s.Schedule(n)
	}
	s.RunUntilIdle()
	fmt.Println("tasks left:", s.owned.Len())
	// Output:
	// b 1
	// tasks left: 0
}

// droppedAloud never completes and says when it is dropped.
type droppedAloud struct{ name string }

func (d *droppedAloud) Poll(*future.Context) (struct{}, bool) { return struct{}{}, false }
func (d *droppedAloud) Drop()                                 { fmt.Println("dropped", d.name) }

func ExampleOwnedTasks_CloseAndShutdownAllInOrder() {
	s := newQueueSched()
	for _, name := range []string{"first", "second", "third", "fourth", "fifth"} {
		spawnOn(s, &droppedAloud{name: name}).Detach()
	}
	s.RunUntilIdle()
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	// Oldest first, whatever shards the tasks' IDs put them in.
	s.owned.CloseAndShutdownAllInOrder(errors.New("runtime stopped"))
	// Output:
	// dropped first
	// dropped second
	// dropped third
	// dropped fourth
	// dropped fifth
}

func ExampleNewPanicError() {
	// A runtime reports a panic of user code that ran outside any task (a
	// worker hook, say) as it reports a task's: here as a JoinError of no
	// task, ID 0.
	err := task.NewPanicError(0, errors.New("hook failed"), []byte("goroutine 7 [running]:\n..."))
	fmt.Println(err)
	fmt.Println(err.IsPanic(), errors.Is(err, task.ErrPanicked), errors.Unwrap(err))
	// Output:
	// task 0 panicked: hook failed
	// true true hook failed
}

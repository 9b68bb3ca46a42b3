package blocking_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/weftrt/weft/internal/blocking"
	"github.com/weftrt/weft/task"
)

// A blocking closure becomes an unowned task on the pool's Scheduler; the
// pool runs it on one of its goroutines, and its JoinHandle delivers the
// output.
func ExamplePool() {
	p := blocking.New(blocking.Config{MaxThreads: 4})
	defer p.Shutdown(-1)

	ut, jh := task.NewUnowned(closureFuture(func() string {
		// Stands for a read from disk, a cgo call, a long computation.
		return strings.ToUpper("read from disk")
	}), p.Scheduler(), task.Options{})
	if err := p.Spawn(ut); err != nil {
		fmt.Println("pool is shut down")
		return
	}
	out, err := jh.BlockingJoin(context.Background())
	fmt.Println(out, err)
	// Output: READ FROM DISK <nil>
}

// Shutdown cancels the tasks still queued, with the configured cause, and
// waits for the running closures.
func ExamplePool_Shutdown() {
	errStopped := errors.New("runtime stopped")
	p := blocking.New(blocking.Config{MaxThreads: 1, ShutdownCause: errStopped})

	started, release := make(chan struct{}), make(chan struct{})
	ut1, running := task.NewUnowned(closureFuture(func() int {
		close(started)
		<-release
		return 1
	}), p.Scheduler(), task.Options{})
	ut2, queued := task.NewUnowned(closureFuture(func() int { return 2 }), p.Scheduler(), task.Options{})
	_ = p.Spawn(ut1)
	_ = p.Spawn(ut2) // waits: the only goroutine is busy
	<-started

	fmt.Println("done within 0s:", p.Shutdown(0))
	close(release)
	fmt.Println("done:", p.Shutdown(-1))

	v, err := running.BlockingJoin(context.Background())
	fmt.Println("running:", v, err)
	_, err = queued.BlockingJoin(context.Background())
	fmt.Println("queued cancelled:", errors.Is(err, task.ErrCancelled), errors.Is(err, errStopped))

	ut3, late := task.NewUnowned(closureFuture(func() int { return 3 }), p.Scheduler(), task.Options{})
	fmt.Println("spawn after shutdown:", p.Spawn(ut3))
	_, err = late.BlockingJoin(context.Background())
	fmt.Println("late cancelled:", errors.Is(err, task.ErrCancelled))
	// Output:
	// done within 0s: false
	// done: true
	// running: 1 <nil>
	// queued cancelled: true true
	// spawn after shutdown: blocking: pool is shut down
	// late cancelled: true
}

// Metrics shows the pool's goroutines and queue; idle goroutines retire
// after the keep-alive.
func ExamplePool_Metrics() {
	p := blocking.New(blocking.Config{MaxThreads: 2, KeepAlive: time.Hour})
	defer p.Shutdown(-1)

	release := make(chan struct{})
	var jhs []*task.JoinHandle[int]
	for i := range 3 {
		ut, jh := task.NewUnowned(closureFuture(func() int { <-release; return i }), p.Scheduler(), task.Options{})
		_ = p.Spawn(ut)
		jhs = append(jhs, jh)
	}
	m := p.Metrics()
	fmt.Printf("threads %d, tasks queued or running %d, pool idle %v\n", m.NumThreads, m.QueueDepth+m.Running, p.Idle())
	close(release)
	for _, jh := range jhs {
		_, _ = jh.BlockingJoin(context.Background())
	}
	fmt.Println("spawned", p.Metrics().SpawnedTasks)
	// Output:
	// threads 2, tasks queued or running 3, pool idle false
	// spawned 3
}

package syncbench

import (
	"sync"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// The workloads of Tokio's benches/sync_semaphore.rs. One operation acquires
// and releases one permit six times: in a row inside BlockOn
// (uncontended_multi), in six spawned tasks that BlockOn awaits
// (concurrent_multi), or as six futures joined inside BlockOn on a
// current-thread runtime (concurrent_single). The semaphore has 10 permits
// (uncontended) or 5 (contended, so one acquire waits).
//
// Goroutine twin: a buffered channel as the semaphore (send acquires, receive
// releases) whose capacity is the number of permits. In a row: the
// benchmarking goroutine itself; concurrent: six goroutines and a
// sync.WaitGroup (GOMAXPROCS 1 for the current-thread version).

const semAcquires = 6

func semaphoreWorkloads() []Workload {
	mk := func(name, mirrors string, permits int, shape semShape) Workload {
		return Workload{
			Name: name, Items: semAcquires, Item: "acquire", Mirrors: mirrors,
			CurrentThread: shape == semJoined,
			setup: [2]func() *Case{
				Weft: func() *Case {
					return keptCase(shape == semJoined, &semRoot{s: weft.NewSemaphore(permits), shape: shape})
				},
				Goroutine: func() *Case {
					sem := make(chan struct{}, permits)
					return &Case{Op: func() { goSemaphore(sem, shape) }, Close: noClose}
				},
			},
		}
	}
	return []Workload{
		mk("semaphore_uncontended_multi", "sync_semaphore.rs uncontented/multi", 10, semInRow),
		mk("semaphore_uncontended_concurrent_multi", "sync_semaphore.rs uncontented/concurrent_multi", 10, semSpawned),
		mk("semaphore_uncontended_concurrent_single", "sync_semaphore.rs uncontented/concurrent_single", 10, semJoined),
		mk("semaphore_contended_concurrent_multi", "sync_semaphore.rs contention/concurrent_multi", 5, semSpawned),
		mk("semaphore_contended_concurrent_single", "sync_semaphore.rs contention/concurrent_single", 5, semJoined),
	}
}

// semShape says how the six acquires of an operation run.
type semShape int

const (
	semInRow   semShape = iota // one after the other in the root future
	semSpawned                 // six spawned tasks, awaited by the root
	semJoined                  // six futures joined in the root (current-thread)
)

// acquireRelease acquires one permit and releases it at once, through an
// acquire future kept by value. It is fused, like readOnce.
type acquireRelease struct {
	s     *weft.Semaphore
	acq   weft.SemaphoreAcquireFuture
	state stepState
}

// Poll acquires the permit and releases it.
func (a *acquireRelease) Poll(cx *future.Context) (struct{}, bool) {
	switch a.state {
	case stepDone:
		return struct{}{}, true
	case stepIdle:
		a.acq.Reset(a.s, 1)
		a.state = stepWaiting
	}
	r, ok := a.acq.Poll(cx)
	if !ok {
		return struct{}{}, false
	}
	if r.Err != nil {
		panic("syncbench: acquire: " + r.Err.Error())
	}
	r.Value.Release()
	a.state = stepDone
	return struct{}{}, true
}

// Drop abandons the acquire in progress.
func (a *acquireRelease) Drop() {
	if a.state == stepWaiting {
		a.acq.Drop()
	}
	a.state = stepDone
}

// semRoot is the root future of every semaphore workload, kept between
// operations (see keptRoot).
type semRoot struct {
	s     *weft.Semaphore
	shape semShape

	i     int                         // semInRow: acquires done
	steps [semAcquires]acquireRelease // semInRow: steps[0]; semJoined: the joined branches
	spawn spawnAndJoin                // semSpawned
}

func (r *semRoot) reset() {
	r.i = 0
	for i := range r.steps {
		r.steps[i] = acquireRelease{s: r.s}
	}
	if r.spawn.spawn == nil {
		r.spawn.spawn = r.spawnAcquire
	}
	r.spawn.reset(semAcquires)
}

func (r *semRoot) spawnAcquire(cx *future.Context) *task.JoinHandle[struct{}] {
	return weft.Spawn(cx, &acquireRelease{s: r.s})
}

// Poll runs the acquires of r's shape.
func (r *semRoot) Poll(cx *future.Context) (struct{}, bool) {
	switch r.shape {
	case semInRow:
		for r.i < semAcquires {
			if _, ok := r.steps[0].Poll(cx); !ok {
				return struct{}{}, false
			}
			r.steps[0].state = stepIdle
			r.i++
		}
		return struct{}{}, true
	case semSpawned:
		return r.spawn.Poll(cx)
	}
	// Joined, as Tokio's join!: poll every branch not done yet, in order.
	done := true
	for i := range r.steps {
		if _, ok := r.steps[i].Poll(cx); !ok {
			done = false
		}
	}
	return struct{}{}, done
}

// Drop abandons the acquires in progress.
func (r *semRoot) Drop() {
	for i := range r.steps {
		r.steps[i].Drop()
	}
}

func goSemaphore(sem chan struct{}, shape semShape) {
	if shape == semInRow {
		for range semAcquires {
			sem <- struct{}{}
			<-sem
		}
		return
	}
	var wg sync.WaitGroup
	for range semAcquires {
		wg.Go(func() {
			sem <- struct{}{}
			<-sem
		})
	}
	wg.Wait()
}

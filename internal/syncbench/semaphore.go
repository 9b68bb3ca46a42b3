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
					s := weft.NewSemaphore(permits)
					return runtimeCase(shape == semJoined, func() future.Future[struct{}] {
						return semRoot(s, shape)
					})
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

// semRoot returns the root future of one operation.
func semRoot(s *weft.Semaphore, shape semShape) future.Future[struct{}] {
	switch shape {
	case semInRow:
		return &semSequence{s: s}
	case semSpawned:
		return &spawnAndJoin{n: semAcquires, spawn: func(cx *future.Context) *task.JoinHandle[struct{}] {
			return weft.Spawn(cx, &acquireRelease{s: s})
		}}
	default:
		fs := make([]future.Future[struct{}], semAcquires)
		for i := range fs {
			fs[i] = &acquireRelease{s: s}
		}
		return future.Map(future.JoinAll(fs), func([]struct{}) struct{} { return struct{}{} })
	}
}

// acquireRelease acquires one permit and releases it at once.
type acquireRelease struct {
	s   *weft.Semaphore
	acq *weft.SemaphoreAcquireFuture // the acquire in progress, or nil
}

// Poll acquires the permit and releases it.
func (a *acquireRelease) Poll(cx *future.Context) (struct{}, bool) {
	if a.acq == nil {
		a.acq = a.s.Acquire(1)
	}
	r, ok := a.acq.Poll(cx)
	if !ok {
		return struct{}{}, false
	}
	if r.Err != nil {
		panic("syncbench: acquire: " + r.Err.Error())
	}
	r.Value.Release()
	return struct{}{}, true
}

// Drop abandons the acquire.
func (a *acquireRelease) Drop() {
	if a.acq != nil {
		a.acq.Drop()
		a.acq = nil
	}
}

// semSequence acquires and releases a permit six times in a row.
type semSequence struct {
	s    *weft.Semaphore
	i    int
	step acquireRelease
}

// Poll runs the acquires one after the other.
func (q *semSequence) Poll(cx *future.Context) (struct{}, bool) {
	for q.i < semAcquires {
		if q.step.s == nil {
			q.step = acquireRelease{s: q.s}
		}
		if _, ok := q.step.Poll(cx); !ok {
			return struct{}{}, false
		}
		q.step.Drop()
		q.step = acquireRelease{}
		q.i++
	}
	return struct{}{}, true
}

// Drop abandons the acquire in progress.
func (q *semSequence) Drop() { q.step.Drop() }

// spawnAndJoin spawns n tasks with spawn and then awaits them in order, as
// Tokio's try_join! over spawned tasks does.
type spawnAndJoin struct {
	n     int
	spawn func(cx *future.Context) *task.JoinHandle[struct{}]
	join  *joinAll[struct{}]
}

// Poll spawns on the first poll and then awaits the handles.
func (j *spawnAndJoin) Poll(cx *future.Context) (struct{}, bool) {
	if j.join == nil {
		hs := make([]*task.JoinHandle[struct{}], j.n)
		for i := range hs {
			hs[i] = j.spawn(cx)
		}
		j.join = &joinAll[struct{}]{hs: hs}
	}
	return j.join.Poll(cx)
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

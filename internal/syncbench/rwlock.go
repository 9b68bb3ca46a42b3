package syncbench

import (
	"sync"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// The workloads of Tokio's benches/sync_rwlock.rs, on an RwLock holding
// nothing. Uncontended: one operation takes and releases the read lock six
// times, in a row inside BlockOn (read), as six futures joined inside BlockOn
// on a current-thread runtime (read_concurrent), or in six spawned tasks
// (read_concurrent_multi). Contended: BlockOn first takes the write lock,
// then releases it together with five readers, joined (current-thread) or
// spawned.
//
// Goroutine twin: sync.RWMutex; the benchmarking goroutine for "in a row",
// goroutines and a sync.WaitGroup for the concurrent shapes (GOMAXPROCS 1 for
// the current-thread ones). Contended: Lock, start five readers, Unlock,
// wait for them.

const (
	rwReads          = 6
	rwContendedReads = 5
)

// rwShape says how the reads of an operation run.
type rwShape int

const (
	rwInRow         rwShape = iota // six reads in a row
	rwJoined                       // six reads joined (current-thread)
	rwSpawned                      // six spawned readers
	rwWriterJoined                 // write lock, then its release joined with five reads
	rwWriterSpawned                // write lock, five spawned readers, release
	rwShapesCount
)

func rwlockWorkloads() []Workload {
	names := [rwShapesCount][2]string{
		{"rwlock_uncontended_read", "sync_rwlock.rs uncontented/read"},
		{"rwlock_uncontended_read_concurrent", "sync_rwlock.rs uncontented/read_concurrent"},
		{"rwlock_uncontended_read_concurrent_multi", "sync_rwlock.rs uncontented/read_concurrent_multi"},
		{"rwlock_contended_read_concurrent", "sync_rwlock.rs contention/read_concurrent"},
		{"rwlock_contended_read_concurrent_multi", "sync_rwlock.rs contention/read_concurrent_multi"},
	}
	var ws []Workload
	for shape := range rwShapesCount {
		items := rwReads
		if shape >= rwWriterJoined {
			items = rwContendedReads
		}
		ct := shape == rwJoined || shape == rwWriterJoined
		ws = append(ws, Workload{
			Name: names[shape][0], Items: items, Item: "read", Mirrors: names[shape][1],
			CurrentThread: ct,
			setup: [2]func() *Case{
				Weft: func() *Case {
					return keptCase(ct, &rwRoot{l: weft.NewRwLock(struct{}{}), shape: shape})
				},
				Goroutine: func() *Case {
					var l sync.RWMutex
					return &Case{Op: func() { goRWLock(&l, shape) }, Close: noClose}
				},
			},
		})
	}
	return ws
}

// readOnce takes the read lock and releases it, through a read future kept
// by value. It is fused: polls after it completed report ready at once, as
// a branch of Tokio's join! is not polled again.
type readOnce struct {
	l     *weft.RwLock[struct{}]
	f     weft.RwLockReadFuture[struct{}]
	state stepState
}

// stepState is the progress of one kept step (readOnce, acquireRelease).
type stepState uint8

const (
	stepIdle    stepState = iota // not started: the next poll resets the kept future
	stepWaiting                  // the kept future was polled and is not done
	stepDone                     // done (or dropped)
)

// Poll takes the read lock and releases it.
func (r *readOnce) Poll(cx *future.Context) (struct{}, bool) {
	switch r.state {
	case stepDone:
		return struct{}{}, true
	case stepIdle:
		r.f.Reset(r.l)
		r.state = stepWaiting
	}
	g, ok := r.f.Poll(cx)
	if !ok {
		return struct{}{}, false
	}
	g.Unlock()
	r.state = stepDone
	return struct{}{}, true
}

// Drop abandons the read in progress.
func (r *readOnce) Drop() {
	if r.state == stepWaiting {
		r.f.Drop()
	}
	r.state = stepDone
}

// readJoin is Tokio's join! of a write guard's release (when release is
// set) and n reads: each poll polls every branch that has not completed, in
// order.
type readJoin struct {
	release *weft.RwLockWriteGuard[struct{}] // released by the first poll, or nil
	reads   [rwReads]readOnce
	n       int
}

// reset makes j the join of the release of g (nil: none) and n reads of l.
func (j *readJoin) reset(g *weft.RwLockWriteGuard[struct{}], l *weft.RwLock[struct{}], n int) {
	j.release, j.n = g, n
	for i := range n {
		j.reads[i] = readOnce{l: l}
	}
}

// Poll polls the branches until every read is done.
func (j *readJoin) Poll(cx *future.Context) (struct{}, bool) {
	if j.release != nil {
		j.release.Unlock()
		j.release = nil
	}
	done := true
	for i := range j.n {
		if _, ok := j.reads[i].Poll(cx); !ok {
			done = false
		}
	}
	return struct{}{}, done
}

// Drop abandons the reads in progress (and releases the write guard if the
// join was never polled).
func (j *readJoin) Drop() {
	if j.release != nil {
		j.release.Unlock()
		j.release = nil
	}
	for i := range j.n {
		j.reads[i].Drop()
	}
}

// rwRoot is the root future of every RwLock workload, kept between
// operations (see keptRoot).
type rwRoot struct {
	l     *weft.RwLock[struct{}]
	shape rwShape

	i       int                              // rwInRow: reads done
	step    readOnce                         // rwInRow: the read in progress
	join    readJoin                         // rwJoined, rwWriterJoined
	spawn   spawnAndJoin                     // rwSpawned, rwWriterSpawned
	write   weft.RwLockWriteFuture[struct{}] // the writer shapes
	writing bool                             // write is being polled
	locked  bool                             // the writer shapes: the write lock was taken
}

func (r *rwRoot) reset() {
	r.i, r.writing, r.locked = 0, false, false
	r.step = readOnce{l: r.l}
	switch r.shape {
	case rwJoined:
		r.join.reset(nil, r.l, rwReads)
	case rwSpawned:
		r.spawn.reset(rwReads)
	}
	if r.spawn.spawn == nil {
		r.spawn.spawn = r.spawnRead
	}
}

func (r *rwRoot) spawnRead(cx *future.Context) *task.JoinHandle[struct{}] {
	return weft.Spawn(cx, &readOnce{l: r.l})
}

// Poll runs the operation of r's shape.
func (r *rwRoot) Poll(cx *future.Context) (struct{}, bool) {
	switch r.shape {
	case rwInRow:
		for r.i < rwReads {
			if _, ok := r.step.Poll(cx); !ok {
				return struct{}{}, false
			}
			r.step.state = stepIdle
			r.i++
		}
		return struct{}{}, true
	case rwJoined:
		return r.join.Poll(cx)
	case rwSpawned:
		return r.spawn.Poll(cx)
	}
	// The writer shapes: take the write lock, then release it together with
	// five readers, joined or spawned (spawned before the release).
	if !r.locked {
		if !r.writing {
			r.write.Reset(r.l)
			r.writing = true
		}
		g, ok := r.write.Poll(cx)
		if !ok {
			return struct{}{}, false
		}
		r.writing, r.locked = false, true
		if r.shape == rwWriterSpawned {
			r.spawn.reset(rwContendedReads)
			r.spawn.spawnAll(cx)
			g.Unlock()
		} else {
			r.join.reset(g, r.l, rwContendedReads)
		}
	}
	if r.shape == rwWriterSpawned {
		return r.spawn.Poll(cx)
	}
	return r.join.Poll(cx)
}

// Drop abandons whatever is in progress.
func (r *rwRoot) Drop() {
	r.step.Drop()
	if r.writing {
		r.write.Drop()
		r.writing = false
	}
	r.join.Drop()
}

func goRWLock(l *sync.RWMutex, shape rwShape) {
	read := func() {
		l.RLock()
		//lint:ignore SA2001 an empty critical section is the workload (Tokio's black_box(guard))
		l.RUnlock()
	}
	switch shape {
	case rwInRow:
		for range rwReads {
			read()
		}
		return
	case rwJoined, rwSpawned:
		var wg sync.WaitGroup
		for range rwReads {
			wg.Go(read)
		}
		wg.Wait()
		return
	}
	l.Lock()
	var wg sync.WaitGroup
	for range rwContendedReads {
		wg.Go(read)
	}
	l.Unlock()
	wg.Wait()
}

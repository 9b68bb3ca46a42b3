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
					l := weft.NewRwLock(struct{}{})
					return runtimeCase(ct, func() future.Future[struct{}] { return rwRoot(l, shape) })
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

// rwRoot returns the root future of one operation.
func rwRoot(l *weft.RwLock[struct{}], shape rwShape) future.Future[struct{}] {
	switch shape {
	case rwInRow:
		return &readSequence{l: l}
	case rwJoined:
		return joinReads(nil, l, rwReads)
	case rwSpawned:
		return &spawnAndJoin{n: rwReads, spawn: func(cx *future.Context) *task.JoinHandle[struct{}] {
			return weft.Spawn(cx, &readOnce{l: l})
		}}
	default:
		return &writerThenReaders{l: l, spawned: shape == rwWriterSpawned}
	}
}

// readOnce takes the read lock and releases it.
type readOnce struct {
	l *weft.RwLock[struct{}]
	f *weft.RwLockReadFuture[struct{}] // the read in progress, or nil
}

// Poll takes the read lock and releases it.
func (r *readOnce) Poll(cx *future.Context) (struct{}, bool) {
	if r.f == nil {
		r.f = r.l.Read()
	}
	g, ok := r.f.Poll(cx)
	if !ok {
		return struct{}{}, false
	}
	g.Unlock()
	return struct{}{}, true
}

// Drop abandons the read.
func (r *readOnce) Drop() {
	if r.f != nil {
		r.f.Drop()
		r.f = nil
	}
}

// readSequence takes and releases the read lock six times in a row.
type readSequence struct {
	l    *weft.RwLock[struct{}]
	i    int
	step readOnce
}

// Poll runs the reads one after the other.
func (q *readSequence) Poll(cx *future.Context) (struct{}, bool) {
	for q.i < rwReads {
		if q.step.l == nil {
			q.step = readOnce{l: q.l}
		}
		if _, ok := q.step.Poll(cx); !ok {
			return struct{}{}, false
		}
		q.step.Drop()
		q.step = readOnce{}
		q.i++
	}
	return struct{}{}, true
}

// Drop abandons the read in progress.
func (q *readSequence) Drop() { q.step.Drop() }

// unlockWrite releases a write guard when polled: the first future of the
// contended join.
type unlockWrite struct {
	g *weft.RwLockWriteGuard[struct{}]
}

// Poll releases the guard.
func (u *unlockWrite) Poll(*future.Context) (struct{}, bool) {
	u.g.Unlock()
	return struct{}{}, true
}

// joinReads returns n reads joined, after the release of first when it is
// not nil.
func joinReads(first *weft.RwLockWriteGuard[struct{}], l *weft.RwLock[struct{}], n int) future.Future[struct{}] {
	var fs []future.Future[struct{}]
	if first != nil {
		fs = append(fs, &unlockWrite{g: first})
	}
	for range n {
		fs = append(fs, &readOnce{l: l})
	}
	return future.Map(future.JoinAll(fs), func([]struct{}) struct{} { return struct{}{} })
}

// writerThenReaders takes the write lock, then releases it together with
// five readers (joined, or spawned first and released after).
type writerThenReaders struct {
	l       *weft.RwLock[struct{}]
	spawned bool
	write   *weft.RwLockWriteFuture[struct{}]
	rest    future.Future[struct{}] // the join, once the write lock is held
}

// Poll takes the write lock and then runs the rest.
func (w *writerThenReaders) Poll(cx *future.Context) (struct{}, bool) {
	if w.rest == nil {
		if w.write == nil {
			w.write = w.l.Write()
		}
		g, ok := w.write.Poll(cx)
		if !ok {
			return struct{}{}, false
		}
		w.write.Drop()
		w.write = nil
		if w.spawned {
			hs := make([]*task.JoinHandle[struct{}], rwContendedReads)
			for i := range hs {
				hs[i] = weft.Spawn(cx, &readOnce{l: w.l})
			}
			g.Unlock()
			w.rest = &joinAll[struct{}]{hs: hs}
		} else {
			w.rest = joinReads(g, w.l, rwContendedReads)
		}
	}
	return w.rest.Poll(cx)
}

// Drop abandons whatever is in progress.
func (w *writerThenReaders) Drop() {
	if w.write != nil {
		w.write.Drop()
		w.write = nil
	}
	if w.rest != nil {
		future.Drop(w.rest)
		w.rest = nil
	}
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

package main

import (
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

//go:generate go run github.com/weftrt/weft/cmd/weftgen

// worker receives its queue's requests and runs each as a handler task in
// its JoinSet, at most cfg.inflight at a time; it joins them as they
// finish and counts their outcomes. It ends when its queue is closed and
// drained and its set is empty, with the number of requests it took.
//
// It is straight-line code marked for cmd/weftgen, which compiles it into
// workerFuture (demo_worker_weft.go): a state machine that keeps only the
// variables live across its awaits. The same function runs as a
// weft.Async body (the benchmarks do both); handWorker
// (demo_worker_hand.go) is the state machine it replaced, written by hand.
// Aborted (a runtime shutdown), it drops the await it waits in (the queue
// withdraws its waker) and its deferred Close aborts the handlers still in
// its set.
//
//weft:async
func worker(a *weft.A, s *service, idx int) uint64 {
	rx := s.rxs[idx]
	var js weft.JoinSet[outcome]
	defer js.Close()
	var taken uint64
	for open := true; open || !js.IsEmpty(); {
		if !open || js.Len() >= s.cfg.inflight {
			// Full, or the queue has ended: wait for a handler.
			s.joined(weft.Await(a, joinNext[outcome]{&js}))
			continue
		}
		var r future.Result[*request]
		if js.IsEmpty() {
			r = weft.Await(a, s.rxs[idx].Recv())
		} else {
			// A request or a finished handler, whichever comes first.
			e := weft.Await(a, future.Select2[future.Result[*request], weft.JoinResult[outcome]](rx.Recv(), joinNext[outcome]{&js}))
			if e.Which == 1 {
				s.joined(e.B)
				continue
			}
			r = e.A
		}
		if r.Err != nil { // every producer has finished
			open = false
			continue
		}
		taken++
		h := &handler{s: s, req: r.Value, cancelled: r.Value.token.Cancelled()}
		s.c.tasksSpawned.Add(1)
		ah := weft.SpawnInto(&js, a.Context(), h)
		s.inflight[idx].add(ah, time.Now())
	}
	return taken
}

// joinNext waits for the next task of a JoinSet to finish (its
// PollJoinNext as a future); on an empty set it is ready at once with
// weft.ErrJoinSetEmpty.
type joinNext[T any] struct{ js *weft.JoinSet[T] }

// Poll waits for the next task of the set.
func (j joinNext[T]) Poll(cx *future.Context) (weft.JoinResult[T], bool) {
	return j.js.PollJoinNext(cx)
}

// String describes the future for task dumps.
func (j joinNext[T]) String() string { return "JoinSet.JoinNext" }

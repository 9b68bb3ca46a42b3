package main

import (
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpsc"
)

// handWorker is the demo's worker written by hand as a state machine, as it
// was before demo_worker.go's worker was written as a marked function; the
// benchmarks compare the two (and an Async run of the marked one). It
// receives its queue's requests and runs each as a task in its
// JoinSet, at most cfg.inflight at a time; it joins them as they finish and
// counts their outcomes. It ends when its queue is closed and drained and
// its set is empty, with the number of requests it took.
type handWorker struct {
	s     *service
	idx   int
	rx    *mpsc.Receiver[*request]
	js    weft.JoinSet[outcome]
	open  bool
	taken uint64
}

// Poll joins finished handlers and takes new requests until neither makes
// progress; see handWorker.
func (w *handWorker) Poll(cx *future.Context) (uint64, bool) {
	for {
		progress := false
		// Join what has finished. A pending PollJoinNext has registered
		// cx's waker: the next completion wakes this task.
		for {
			r, ok := w.js.PollJoinNext(cx)
			if !ok || r.Err == weft.ErrJoinSetEmpty {
				break
			}
			w.s.joined(r)
			progress = true
		}
		// Take new requests while there is room. A pending Recv has
		// registered cx's waker: the next send wakes this task.
		for w.open && w.js.Len() < w.s.cfg.inflight {
			r, ok := w.rx.Recv().Poll(cx)
			if !ok {
				break
			}
			if r.Err != nil { // every producer has finished
				w.open = false
				w.rx.Recv().Drop()
				break
			}
			w.taken++
			h := &handler{s: w.s, req: r.Value, cancelled: r.Value.token.Cancelled()}
			w.s.c.tasksSpawned.Add(1)
			ah := weft.SpawnInto(&w.js, cx, h)
			w.s.inflight[w.idx].add(ah, time.Now())
			progress = true
		}
		if !w.open && w.js.IsEmpty() {
			return w.taken, true
		}
		if !progress {
			return 0, false
		}
	}
}

// Drop runs after the worker's last poll, and when a runtime shutdown
// cancels it: it withdraws its waker from the queue and aborts the handlers
// still in its set (none, after a normal end).
func (w *handWorker) Drop() {
	w.rx.Recv().Drop()
	w.js.Close()
}

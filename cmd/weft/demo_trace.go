package main

import (
	"strconv"

	"github.com/weftrt/weft/future"
)

// The demo's futures describe where they wait (future.Tracer), so that the
// live page's task dump says what each task waits on, next to where it was
// spawned. Trace only reads the fields Poll keeps; a dump calls it while it
// holds the task, never during a poll.

// Trace names the handler's step and the futures it waits in: the step's
// own and the client's cancellation.
func (h *handler) Trace(t *future.Trace) {
	label := "handler(order " + strconv.FormatUint(h.req.id, 10) + ": "
	var waits any
	switch {
	case h.step == stepAcquire:
		label += "waiting for a downstream permit)"
		waits = &h.acq
	case h.step == stepCall && h.call != nil:
		label += "downstream call, try " + strconv.Itoa(h.attempt+1) + ")" // attempt counts from 0
		waits = h.call
	case h.step == stepBackoff && h.backoff != nil:
		label += "backing off before try " + strconv.Itoa(h.attempt+1) + ")" // a failed try counted
		waits = h.backoff
	default:
		t.Leaf(label + "not started)")
		return
	}
	t.Push(label)
	t.Future(waits)
	if h.cancelled != nil {
		t.Future(h.cancelled)
	}
	t.Pop()
}

// Trace says whether the producer waits for room in a queue or for its
// next tick.
func (p *producer) Trace(t *future.Trace) {
	label := "producer " + strconv.Itoa(p.idx)
	switch {
	case p.finished:
		t.Leaf(label + " (finished)")
	case p.send != nil:
		t.Node(label+": queue "+strconv.Itoa(p.sendTo)+" is full", p.send)
	case p.stopped != nil:
		t.Node(label+": waiting for its next tick", p.tick.Tick(), p.stopped)
	default:
		t.Node(label+": waiting for its next tick", p.tick.Tick())
	}
}

package main

/*
The demo's workload: an order-intake service built the way a Tokio service
is, from hand-written futures (state machines) and one Async task.

	producers ──TrySend/Send──▶ bounded mpsc queue per worker ──▶ worker
	   (Interval, rate)             (back-pressure: Send waits)      │ SpawnInto its JoinSet,
	                                                                 ▼ one task per request
	handler: validate ─▶ Semaphore.Acquire ─▶ Timeout(call) ─▶ retry with Sleep backoff
	         call = Sleep (async I/O) or SpawnBlocking (blocking I/O), sometimes no timeout
	         the request's CancellationToken (child of its session) is watched throughout

	watchdog  Interval; aborts handlers older than the straggler deadline (AbortHandle.Abort)
	chaos     Async body; cancels a random client session every so often (the token tree)
	batcher   Interval; fans out thousands of short tasks into a JoinSet and sums them

Who joins what, so that every spawned task is counted once: the orchestrator
(demo.go) joins the top-level tasks with JoinHandle.BlockingJoin; each worker
joins its handlers and the batcher its batch tasks through their JoinSets.

Shutdown is graceful: the stop token stops the producers (they close their
senders), the workers drain their queues and in-flight handlers and end when
their channel reports ErrClosed and their set is empty; then the watchdog is
stopped. Each future's Drop releases what it holds, so a task aborted at any
await point (by the watchdog, or by the runtime's shutdown if the drain runs
out of time) leaves no permit, waiter or timer behind.
*/

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpsc"
	"github.com/weftrt/weft/task"
)

// service is the state shared by the demo's tasks. Its fields are set before
// the first task is spawned and not changed after, except where noted.
type service struct {
	cfg   *demoConfig
	start time.Time
	c     *demoCounters
	lat   *histogram // latency of requests that succeeded
	batch *histogram // duration of a fan-out batch

	downstream *weft.Semaphore // limits concurrent downstream calls
	rxs        []*mpsc.Receiver[*request]
	inflight   []*stragglerList // per worker, for the watchdog

	stop     *weft.CancellationToken // stops producers, chaos and batcher
	stopDogs *weft.CancellationToken // stops the watchdog, after the drain
	root     *weft.CancellationToken // parent of every session
	sessions *sessionTable
}

// A request is one order. Its fate (how slow the downstream is, whether it
// panics, hangs or fails) is drawn from the seed and its ID, so the same seed
// gives the same requests.
type request struct {
	id      uint64
	created time.Time
	token   *weft.CancellationToken // a child of its session's token
	fate    requestFate
}

// requestFate is what will happen to a request, decided when it is made.
type requestFate struct {
	panics    bool // the handler hits a (simulated) bug
	straggles bool // the first call goes to a legacy backend with no timeout
	seed      uint64
}

// fateOf draws the fate of request id.
func fateOf(cfg *demoConfig, id uint64) requestFate {
	r := rand.New(rand.NewPCG(cfg.seed, id))
	return requestFate{
		panics:    r.Float64() < cfg.panicRate,
		straggles: r.Float64() < cfg.stragglerRate,
		seed:      r.Uint64(),
	}
}

// callPlan is how one attempt of the downstream call behaves.
type callPlan struct {
	latency   time.Duration
	blocking  bool // made with SpawnBlocking (simulated blocking I/O)
	transient bool // fails fast after its latency ("503")
}

// planOf draws attempt n (from 0) of a request's call.
func planOf(cfg *demoConfig, f requestFate, attempt int) callPlan {
	r := rand.New(rand.NewPCG(f.seed, uint64(attempt)))
	var p callPlan
	switch u := r.Float64(); {
	case u < 0.90: // the usual: a few milliseconds
		p.latency = time.Millisecond + time.Duration(r.Int64N(int64(5*time.Millisecond)))
	case u < 0.97: // slow but in time
		p.latency = 6*time.Millisecond + time.Duration(r.Int64N(int64(14*time.Millisecond)))
	default: // too slow: the timeout fires
		p.latency = 2*cfg.callTimeout + time.Duration(r.Int64N(int64(cfg.callTimeout)))
	}
	p.blocking = r.Float64() < cfg.blockingRate
	p.transient = r.Float64() < 0.02
	return p
}

// sessionTable holds the open client sessions: each is a child token of
// root, and each request's token is a child of a session. Cancelling a
// session (the client went away) cancels all its requests at once.
type sessionTable struct {
	mu     sync.Mutex
	tokens []*weft.CancellationToken // guarded by mu
}

// session returns open session i, opening a new one in its place when the
// old one was cancelled.
func (s *service) session(i int) *weft.CancellationToken {
	t := s.sessions
	t.mu.Lock()
	defer t.mu.Unlock()
	tok := t.tokens[i]
	if tok == nil || tok.IsCancelled() {
		tok = s.root.Child()
		t.tokens[i] = tok
		s.c.sessionsOpened.Add(1)
	}
	return tok
}

// cancelSession cancels session i if it is open.
func (s *service) cancelSession(i int) bool {
	t := s.sessions
	t.mu.Lock()
	tok := t.tokens[i]
	t.mu.Unlock()
	if tok == nil || tok.IsCancelled() {
		return false
	}
	tok.Cancel()
	s.c.sessionsCancelled.Add(1)
	return true
}

// stragglerList is the watchdog's view of one worker's in-flight handlers.
type stragglerList struct {
	mu      sync.Mutex
	entries []straggler // guarded by mu
}

type straggler struct {
	h       task.AbortHandle
	started time.Time
}

func (l *stragglerList) add(h task.AbortHandle, now time.Time) {
	l.mu.Lock()
	l.entries = append(l.entries, straggler{h, now})
	l.mu.Unlock()
}

// sweep forgets finished handlers and aborts those started before cutoff.
func (l *stragglerList) sweep(cutoff time.Time, c *demoCounters) {
	l.mu.Lock()
	defer l.mu.Unlock()
	kept := l.entries[:0]
	for _, e := range l.entries {
		switch {
		case e.h.IsFinished():
		case e.started.Before(cutoff):
			e.h.Abort()
			c.abortsSent.Add(1)
		default:
			kept = append(kept, e)
		}
	}
	clear(l.entries[len(kept):])
	l.entries = kept
}

// ---------------------------------------------------------------------------
// Producer

// producer makes requests at its share of the configured rate and sends
// each to its worker's bounded queue. When a queue is full it waits in Send:
// that is the back-pressure, and it slows the producer down.
type producer struct {
	s        *service
	idx      int
	txs      []*mpsc.Sender[*request]
	tick     *weft.IntervalTimer
	stopped  *weft.CancelledFuture
	rng      *rand.Rand
	nextID   uint64
	sent     uint64                     // requests in the queues
	due      uint64                     // requests due so far: made, owed, or skipped after a stall
	owed     uint64                     // requests due but not made yet
	send     *mpsc.SendFuture[*request] // a send waiting for room; nil if none
	sendTo   int
	finished bool
}

func newProducer(s *service, idx int, txs []*mpsc.Sender[*request]) *producer {
	return &producer{
		s:       s,
		idx:     idx,
		txs:     txs,
		tick:    weft.Interval(5 * time.Millisecond),
		stopped: s.stop.Cancelled(),
		rng:     rand.New(rand.NewPCG(s.cfg.seed, uint64(idx)+1<<32)),
		nextID:  uint64(idx) + 1,
	}
}

// perPoll bounds the requests made in one poll, so that a producer that has
// fallen behind lets other tasks of its worker run.
const perPoll = 64

// Poll makes the requests that are due; it ends when the stop token is
// cancelled, with the number of requests it sent.
func (p *producer) Poll(cx *future.Context) (uint64, bool) {
	if _, ok := p.stopped.Poll(cx); ok {
		p.finish()
		return p.sent, true
	}
	n := 0 // requests made in this poll
	for {
		if p.send != nil {
			err, ok := p.send.Poll(cx)
			if !ok {
				return 0, false // the queue is full: wait for the worker
			}
			p.send.Drop()
			p.send = nil
			if err != nil {
				panic(fmt.Sprintf("demo: queue %d closed under its producer", p.sendTo))
			}
			p.sent++
			p.s.c.produced.Add(1)
			continue
		}
		if p.owed == 0 {
			if _, ok := p.tick.PollTick(cx); !ok {
				return 0, false
			}
			due := uint64(p.s.cfg.due(time.Since(p.s.start)) / float64(p.s.cfg.producers))
			if due > p.due {
				p.owed = min(due-p.due, 10*perPoll) // after a stall, catch up a little only
				p.due = due
			}
			continue
		}
		if n == perPoll {
			cx.Waker().Wake() // yield; the next poll goes on
			return 0, false
		}
		n++
		p.owed--
		req := p.newRequest()
		w := int(req.id % uint64(len(p.txs)))
		switch err := p.txs[w].TrySend(req); {
		case err == nil:
			p.sent++
			p.s.c.produced.Add(1)
		case errors.Is(err, mpsc.ErrFull):
			p.s.c.backpressure.Add(1)
			p.send, p.sendTo = p.txs[w].Send(req), w
		default:
			panic(fmt.Sprintf("demo: queue %d closed under its producer: %v", w, err))
		}
	}
}

func (p *producer) newRequest() *request {
	id := p.nextID
	p.nextID += uint64(p.s.cfg.producers)
	sess := p.idx*sessionsPerProducer + p.rng.IntN(sessionsPerProducer)
	return &request{
		id:      id,
		created: time.Now(),
		token:   p.s.session(sess).Child(),
		fate:    fateOf(p.s.cfg, id),
	}
}

// finish closes the producer's senders (the workers see the end of their
// queues once every producer has finished) and releases its timer.
func (p *producer) finish() {
	if p.finished {
		return
	}
	p.finished = true
	if p.send != nil {
		p.send.Drop() // the request is not sent
		p.send = nil
		p.s.c.droppedAtStop.Add(1)
	}
	for _, tx := range p.txs {
		tx.Close()
	}
	p.tick.Close()
	p.stopped.Drop()
}

// Drop runs after the producer's last poll, and when a runtime shutdown
// cancels it: either way its queues must see their end.
func (p *producer) Drop() { p.finish() }

// ---------------------------------------------------------------------------
// Worker: see demo_worker.go

// joined counts the result of one handler task.
func (s *service) joined(r weft.JoinResult[outcome]) {
	s.c.classify(r.Err)
	if r.Err == nil {
		switch r.Value {
		case outcomeOK:
			s.c.ok.Add(1)
		case outcomeFailed:
			s.c.failed.Add(1)
		case outcomeClientCancelled:
			s.c.clientCancelled.Add(1)
		}
		return
	}
	if errors.Is(r.Err, task.ErrPanicked) {
		s.c.panicked.Add(1)
	} else {
		s.c.aborted.Add(1)
	}
}

// ---------------------------------------------------------------------------
// Handler

// outcome is how a handler task ended when it returned (rather than being
// aborted or panicking).
type outcome uint8

const (
	outcomeOK              outcome = iota // the downstream call succeeded
	outcomeFailed                         // every attempt failed
	outcomeClientCancelled                // the request's token was cancelled
)

// maxAttempts bounds the tries of one downstream call.
const maxAttempts = 3

// handler serves one request. Steps:
//
//	validate → acquire a downstream permit → call (with a timeout) →
//	  ok: done;  timeout or failure: release, back off (Sleep), acquire again
//
// At every poll it first checks the request's token; a cancelled request
// gives back whatever it holds and ends as outcomeClientCancelled.
type handler struct {
	s         *service
	req       *request
	cancelled *weft.CancelledFuture

	step    handlerStep
	sum     uint32 // the order's checksum, from validation
	attempt int
	acq     weft.SemaphoreAcquireFuture // reused for every attempt
	permit  *weft.SemaphorePermit       // held during a call
	call    future.Future[future.Result[struct{}]]
	plan    callPlan
	backoff *weft.SleepFuture
}

type handlerStep uint8

const (
	stepValidate handlerStep = iota
	stepAcquire
	stepCall
	stepBackoff
)

// Poll runs the handler's steps until one waits; see handler.
func (h *handler) Poll(cx *future.Context) (outcome, bool) {
	// Whatever the handler holds when it returns is released by Drop,
	// which the runtime calls after the last poll.
	if _, ok := h.cancelled.Poll(cx); ok {
		return outcomeClientCancelled, true
	}
	for {
		switch h.step {
		case stepValidate:
			h.sum = checksum(h.req.id)
			if h.req.fate.panics {
				// A simulated bug: the runtime captures the panic in the
				// task's JoinError, calls Drop (which gives back the
				// token waiter), and the worker counts it.
				panic(fmt.Sprintf("order %d: negative quantity (simulated bug)", h.req.id))
			}
			h.acq.Reset(h.s.downstream, 1)
			h.step = stepAcquire
		case stepAcquire:
			r, ok := h.acq.Poll(cx)
			if !ok {
				return 0, false
			}
			h.acq.Drop()
			h.permit = r.Value
			h.startCall(cx)
			h.step = stepCall
		case stepCall:
			r, ok := h.call.Poll(cx)
			if !ok {
				return 0, false
			}
			future.Drop(h.call)
			h.call = nil
			h.permit.Release()
			h.permit = nil
			switch {
			case errors.Is(r.Err, weft.ErrElapsed):
				h.s.c.timeouts.Add(1)
			case h.plan.transient:
				h.s.c.transient.Add(1)
			default:
				h.s.lat.record(h.req.id, time.Since(h.req.created))
				return outcomeOK, true
			}
			h.attempt++
			if h.attempt == maxAttempts {
				return outcomeFailed, true
			}
			h.s.c.retries.Add(1)
			// Exponential backoff with jitter: 2, 4, 8 ms, plus up to 1 ms.
			jitter := time.Duration(h.req.fate.seed>>(8*h.attempt)) % time.Millisecond
			h.backoff = weft.Sleep(time.Millisecond<<h.attempt + jitter)
			h.step = stepBackoff
		case stepBackoff:
			if _, ok := h.backoff.Poll(cx); !ok {
				return 0, false
			}
			h.backoff.Drop()
			h.backoff = nil
			h.acq.Reset(h.s.downstream, 1)
			h.step = stepAcquire
		}
	}
}

// startCall builds the future of this attempt's downstream call.
func (h *handler) startCall(cx *future.Context) {
	h.s.c.calls.Add(1)
	h.plan = planOf(h.s.cfg, h.req.fate, h.attempt)
	if h.attempt == 0 && h.req.fate.straggles {
		// A legacy backend that hangs, called without a timeout: only the
		// watchdog's Abort ends this request.
		h.call = future.Map(weft.Sleep(time.Hour), func(struct{}) future.Result[struct{}] {
			return future.Result[struct{}]{}
		})
		return
	}
	var io future.Future[struct{}]
	if h.plan.blocking {
		h.s.c.blockingCalls.Add(1)
		lat := h.plan.latency
		io = &blockingCall{c: h.s.c, h: weft.SpawnBlocking(cx, func() struct{} {
			time.Sleep(lat) // a blocking read, on the blocking pool
			return struct{}{}
		})}
	} else {
		io = weft.Sleep(h.plan.latency)
	}
	h.call = weft.Timeout(h.s.cfg.callTimeout, io)
}

// release gives back what the handler holds at the point it stopped.
func (h *handler) release() {
	h.acq.Drop() // leaves the semaphore's queue if waiting there
	if h.permit != nil {
		h.permit.Release()
		h.permit = nil
	}
	if h.call != nil {
		future.Drop(h.call) // deregisters the timer, detaches a blocking call
		h.call = nil
	}
	if h.backoff != nil {
		h.backoff.Drop()
		h.backoff = nil
	}
	h.cancelled.Drop()
}

// Drop runs after the handler's last poll: when it returned, panicked, or
// was aborted (by the watchdog or a shutdown) while waiting. Without it an
// aborted request would keep its permit, and its semaphore place or timer,
// forever.
func (h *handler) Drop() { h.release() }

// checksum stands in for validating an order: a little CPU work.
func checksum(id uint64) uint32 {
	var b [64]byte
	for i := range b {
		b[i] = byte(id >> (i % 8 * 8))
	}
	f := fnv.New32a()
	for range 4 {
		f.Write(b[:])
	}
	return f.Sum32() | 1
}

// blockingCall awaits a SpawnBlocking call. Dropped before the call ends (its
// Timeout fired), it aborts the call if it has not started and detaches it,
// so its task memory is reused once it ends.
type blockingCall struct {
	c    *demoCounters
	h    *task.JoinHandle[struct{}]
	done bool
}

// Poll waits for the blocking call to return.
func (b *blockingCall) Poll(cx *future.Context) (struct{}, bool) {
	if _, ok := b.h.Poll(cx); !ok {
		return struct{}{}, false
	}
	b.done = true
	return struct{}{}, true
}

// Drop abandons a call that has not returned: see blockingCall.
func (b *blockingCall) Drop() {
	if !b.done {
		b.done = true
		b.c.blockingDropped.Add(1)
		b.h.Abort()
		b.h.Detach()
	}
}

// ---------------------------------------------------------------------------
// Watchdog

// watchdog aborts handlers that have run longer than the straggler
// deadline, every few milliseconds, until stopDogs is cancelled.
type watchdog struct {
	s       *service
	tick    *weft.IntervalTimer
	stopped *weft.CancelledFuture
}

func newWatchdog(s *service) *watchdog {
	return &watchdog{s: s, tick: weft.Interval(10 * time.Millisecond), stopped: s.stopDogs.Cancelled()}
}

// Poll sweeps the in-flight lists at every tick; it ends when stopDogs is
// cancelled, with the number of aborts sent.
func (d *watchdog) Poll(cx *future.Context) (uint64, bool) {
	if _, ok := d.stopped.Poll(cx); ok {
		d.Drop()
		return d.s.c.abortsSent.Load(), true
	}
	for {
		if _, ok := d.tick.PollTick(cx); !ok {
			return 0, false
		}
		cutoff := time.Now().Add(-d.s.cfg.stragglerAfter)
		for _, l := range d.s.inflight {
			l.sweep(cutoff, d.s.c)
		}
	}
}

// Drop releases the watchdog's timer and token waiter.
func (d *watchdog) Drop() {
	d.tick.Close()
	d.stopped.Drop()
}

// ---------------------------------------------------------------------------
// Batcher

// batcher runs a fan-out/fan-in job on a schedule: it spawns cfg.fanout
// short tasks into a JoinSet, each summing one slice of a table, joins them
// all and checks the total. When stop is cancelled it ends, after finishing
// the batch in progress.
type batcher struct {
	s       *service
	tick    *weft.IntervalTimer
	stopped *weft.CancelledFuture
	js      weft.JoinSet[uint64]
	table   []uint32
	want    uint64
	sum     uint64
	started time.Time
	running bool
}

// chunkLen is the number of table entries one batch task sums.
const chunkLen = 64

func newBatcher(s *service) *batcher {
	b := &batcher{
		s:       s,
		tick:    weft.Interval(s.cfg.batchEvery),
		stopped: s.stop.Cancelled(),
		table:   make([]uint32, s.cfg.fanout*chunkLen),
	}
	r := rand.New(rand.NewPCG(s.cfg.seed, 7))
	for i := range b.table {
		b.table[i] = r.Uint32()
		b.want += uint64(b.table[i])
	}
	return b
}

// Poll joins the batch in progress, or starts one at the next tick; once
// stop is cancelled and no batch runs, it ends with the number of batches.
func (b *batcher) Poll(cx *future.Context) (uint64, bool) {
	for {
		if b.running {
			r, ok := b.js.PollJoinNext(cx)
			if !ok {
				return 0, false
			}
			if r.Err != weft.ErrJoinSetEmpty {
				b.s.c.classify(r.Err)
				b.sum += r.Value
				continue
			}
			b.running = false
			b.s.batch.record(b.s.c.batches.Add(1), time.Since(b.started))
			if b.sum != b.want {
				b.s.c.batchMismatches.Add(1)
			}
		}
		if _, ok := b.stopped.Poll(cx); ok {
			b.Drop()
			return b.s.c.batches.Load(), true
		}
		if _, ok := b.tick.PollTick(cx); !ok {
			return 0, false
		}
		b.started, b.sum, b.running = time.Now(), 0, true
		for i := range b.s.cfg.fanout {
			b.s.c.tasksSpawned.Add(1)
			weft.SpawnInto(&b.js, cx, chunkSum(b.table[i*chunkLen:(i+1)*chunkLen]))
		}
		b.s.c.batchTasks.Add(uint64(b.s.cfg.fanout))
	}
}

// Drop releases the batcher's timer and token waiter, and aborts the tasks
// of a batch in progress (none, after a normal end).
func (b *batcher) Drop() {
	b.tick.Close()
	b.stopped.Drop()
	b.js.Close()
}

// chunkSum is one batch task: it sums its slice in one poll. Being a slice
// (not a pointer to a struct), it is stored inline in the task.
type chunkSum []uint32

// Poll sums the slice.
func (c chunkSum) Poll(*future.Context) (uint64, bool) {
	var s uint64
	for _, v := range c {
		s += uint64(v)
	}
	return s, true
}

// ---------------------------------------------------------------------------
// Chaos

// chaos returns the Async task that plays the clients: every so often one of
// them goes away, and its session's token is cancelled, which cancels every
// request of the session wherever it waits. Straight-line code reads best
// here, so it is an Async body; it outputs the sessions it cancelled.
func chaos(s *service) *weft.AsyncFuture[uint64] {
	return weft.Async(func(a *weft.A) uint64 {
		r := rand.New(rand.NewPCG(s.cfg.seed, 99))
		var n uint64
		for {
			pause := s.cfg.chaosEvery/2 + time.Duration(r.Int64N(int64(s.cfg.chaosEvery)))
			e := weft.Await(a, future.Select2[struct{}, struct{}](weft.Sleep(pause), s.stop.Cancelled()))
			if e.Which == 1 {
				return n
			}
			if s.cancelSession(r.IntN(s.cfg.producers * sessionsPerProducer)) {
				n++
			}
		}
	})
}

// sessionsPerProducer is the number of client sessions each producer's
// requests are spread over.
const sessionsPerProducer = 4

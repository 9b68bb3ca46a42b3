package benchwork

// The weft side of the workloads, each mirroring the function of the same
// name in bench/tokio-rt/src/main.rs (itself tokio's benches/rt_multi_threaded.rs
// and benches/rt_current_thread.rs). The futures are hand-written state
// machines. A future with no state of its own is a value type: it is stored
// inline in the task cell, and with a recycled cell SpawnDetached of it does
// not allocate. A future with state has a Poll with a pointer receiver and is
// spawned with SpawnInline or SpawnDetachedInline, which store it in the task
// by value, as Tokio stores an async block in its task: no allocation of its
// own either.

import (
	"context"
	"sync/atomic"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/oneshot"
	"github.com/weftrt/weft/task"
)

// unit is the output of every task here (Tokio's ()).
type unit = struct{}

func newMultiThread(workers int) (*weft.Runtime, error) {
	return weft.New(weft.WithWorkers(workers))
}

// newCurrentThread mirrors tokio-bench's rt_ct: no drivers to enable in weft,
// the timer is always there but unused.
func newCurrentThread() (*weft.Runtime, error) {
	return weft.New(weft.WithCurrentThread())
}

// weftInstance wraps a runtime; its Close closes the runtime.
func weftInstance(rt *weft.Runtime, op func() error, stopBusy func()) *Instance {
	return &Instance{op: op, stopBusy: stopBusy, close: rt.Close}
}

// noop is Tokio's `async {}`.
type noop struct{}

func (noop) Poll(*future.Context) (unit, bool) { return unit{}, true }

// joinAll awaits its handles in order (Tokio: `for handle in
// handles.drain(..) { handle.await.unwrap() }`). It is reused across ops:
// reset it by truncating hs and zeroing i.
type joinAll struct {
	hs  []*task.JoinHandle[unit]
	i   int
	err error
}

func (j *joinAll) Poll(cx *future.Context) (unit, bool) {
	for j.i < len(j.hs) {
		r, ok := j.hs[j.i].Poll(cx)
		if !ok {
			return unit{}, false
		}
		if r.Err != nil && j.err == nil {
			j.err = r.Err
		}
		j.hs[j.i] = nil
		j.i++
	}
	return unit{}, true
}

// Drop detaches the handles not awaited yet (BlockOn gave up early).
func (j *joinAll) Drop() {
	for _, h := range j.hs[j.i:] {
		if h != nil {
			h.Detach()
		}
	}
}

// reset prepares j for the next op.
func (j *joinAll) reset() {
	clear(j.hs)
	j.hs, j.i, j.err = j.hs[:0], 0, nil
}

// blockOnJoin runs f, a future that ends by awaiting the handles in j, in
// BlockOn and resets j for the next op. With f == j it is
// `rt.block_on(async { for handle in handles.drain(..) {
// handle.await.unwrap() } })`.
func blockOnJoin[F future.Future[unit]](rt *weft.Runtime, f F, j *joinAll) error {
	_, err := weft.BlockOn(context.Background(), rt, f)
	if err == nil {
		err = j.err
	}
	j.reset()
	return err
}

// remoteSpawnAndJoin is the op of every spawn_many_remote_* workload: n
// spawns of `async {}` from outside the runtime, then block_on awaiting
// them.
func remoteSpawnAndJoin(rt *weft.Runtime, n int) func() error {
	j := &joinAll{hs: make([]*task.JoinHandle[unit], 0, n)}
	h := rt.Handle()
	return func() error {
		for range n {
			j.hs = append(j.hs, weft.Spawn(h, noop{}))
		}
		return blockOnJoin(rt, j, j)
	}
}

// ---------------------------------------------------------------------------
// rt_multi_threaded.rs
// ---------------------------------------------------------------------------

// countDown is a spawn_many_local task: `if 1 == rem.fetch_sub(1) {
// tx.send(()) }`.
type countDown struct {
	rem  *atomic.Int64
	done chan<- unit
}

func (c countDown) Poll(*future.Context) (unit, bool) {
	if c.rem.Add(-1) == 0 {
		c.done <- unit{}
	}
	return unit{}, true
}

// spawnManyLocalMain is spawn_many_local's block_on future: it spawns the
// tasks through its Context (from the BlockOn goroutine, which is not a
// worker: they go to the inject queue, as in Tokio) and then blocks on the
// channel, as Tokio's `rx.recv()` blocks the block_on thread.
type spawnManyLocalMain struct {
	rem  *atomic.Int64
	done chan unit
}

func (m spawnManyLocalMain) Poll(cx *future.Context) (unit, bool) {
	for range NumSpawn {
		weft.SpawnDetached(cx, countDown{rem: m.rem, done: m.done})
	}
	<-m.done
	return unit{}, true
}

func weftSpawnManyLocal(workers int) (*Instance, error) {
	rt, err := newMultiThread(workers)
	if err != nil {
		return nil, err
	}
	m := spawnManyLocalMain{rem: new(atomic.Int64), done: make(chan unit, 1000)}
	return weftInstance(rt, func() error {
		m.rem.Store(NumSpawn)
		_, err := weft.BlockOn(context.Background(), rt, m)
		return err
	}, nil), nil
}

func weftSpawnManyRemoteIdle(workers int) (*Instance, error) {
	rt, err := newMultiThread(workers)
	if err != nil {
		return nil, err
	}
	return weftInstance(rt, remoteSpawnAndJoin(rt, NumSpawn), nil), nil
}

// busyYielder is a spawn_many_remote_busy1 background task:
// `while flag { yield_now().await; stall(); }`.
type busyYielder struct {
	flag    *atomic.Bool
	resumed bool // the last poll returned from a yield
}

func (b *busyYielder) Poll(cx *future.Context) (unit, bool) {
	if b.resumed {
		Stall()
	}
	if !b.flag.Load() {
		return unit{}, true
	}
	b.resumed = true
	cx.Waker().Wake()
	return unit{}, false
}

func weftSpawnManyRemoteBusy1(workers int) (*Instance, error) {
	rt, err := newMultiThread(workers)
	if err != nil {
		return nil, err
	}
	flag := new(atomic.Bool)
	flag.Store(true)
	for range 2 * workers {
		weft.SpawnDetachedInline(rt, &busyYielder{flag: flag})
	}
	return weftInstance(rt, remoteSpawnAndJoin(rt, NumSpawn), func() { flag.Store(false) }), nil
}

// busyChain is one link of a spawn_many_remote_busy2 background chain:
// `if flag { stall(); iter(flag) }`, where iter spawns the next link.
type busyChain struct{ flag *atomic.Bool }

func (c busyChain) Poll(cx *future.Context) (unit, bool) {
	if c.flag.Load() {
		Stall()
		weft.SpawnDetached(cx, busyChain(c))
	}
	return unit{}, true
}

// busyChainStart is `rt.spawn(async { iter(flag) })`: it spawns the first
// link from inside the runtime.
type busyChainStart struct{ flag *atomic.Bool }

func (s busyChainStart) Poll(cx *future.Context) (unit, bool) {
	weft.SpawnDetached(cx, busyChain(s))
	return unit{}, true
}

func weftSpawnManyRemoteBusy2(workers int) (*Instance, error) {
	rt, err := newMultiThread(workers)
	if err != nil {
		return nil, err
	}
	flag := new(atomic.Bool)
	flag.Store(true)
	for range workers {
		weft.SpawnDetached(rt, busyChainStart{flag: flag})
	}
	return weftInstance(rt, remoteSpawnAndJoin(rt, Busy2Spawn), func() { flag.Store(false) }), nil
}

// pingPongMain is ping_pong's block_on future: spawn the outer task, then
// block on the done channel.
type pingPongMain struct {
	rem  *atomic.Int64
	done chan unit
}

func (m pingPongMain) Poll(cx *future.Context) (unit, bool) {
	weft.SpawnDetached(cx, pingPongOuter(m))
	<-m.done
	return unit{}, true
}

// pingPongOuter spawns the NumPings pingers from inside the runtime.
type pingPongOuter struct {
	rem  *atomic.Int64
	done chan unit
}

func (o pingPongOuter) Poll(cx *future.Context) (unit, bool) {
	for range NumPings {
		weft.SpawnDetachedInline(cx, &pinger{rem: o.rem, done: o.done})
	}
	return unit{}, true
}

// pinger makes two oneshots, spawns the responder, sends on the first,
// awaits the second and counts down.
type pinger struct {
	rem  *atomic.Int64
	done chan unit
	rx2  *oneshot.Receiver[unit] // nil before the first poll
}

func (p *pinger) Poll(cx *future.Context) (unit, bool) {
	if p.rx2 == nil {
		tx1, rx1 := oneshot.New[unit]()
		tx2, rx2 := oneshot.New[unit]()
		weft.SpawnDetached(cx, responder{rx1: rx1, tx2: tx2})
		if err := tx1.Send(unit{}); err != nil {
			panic(err)
		}
		p.rx2 = rx2
	}
	r, ok := p.rx2.Poll(cx)
	if !ok {
		return unit{}, false
	}
	if r.Err != nil {
		panic(r.Err)
	}
	if p.rem.Add(-1) == 0 {
		p.done <- unit{}
	}
	return unit{}, true
}

// Drop releases the receiver when the pinger is cancelled while waiting.
func (p *pinger) Drop() {
	if p.rx2 != nil {
		p.rx2.Drop()
	}
}

// responder is `{ rx1.await.unwrap(); tx2.send(()).unwrap() }`. Its only
// state is in the channels, so it is a value type.
type responder struct {
	rx1 *oneshot.Receiver[unit]
	tx2 *oneshot.Sender[unit]
}

func (r responder) Poll(cx *future.Context) (unit, bool) {
	v, ok := r.rx1.Poll(cx)
	if !ok {
		return unit{}, false
	}
	if v.Err != nil {
		panic(v.Err)
	}
	if err := r.tx2.Send(unit{}); err != nil {
		panic(err)
	}
	return unit{}, true
}

// Drop releases the receiver and the sender when the responder is cancelled.
func (r responder) Drop() {
	r.rx1.Drop()
	r.tx2.Close()
}

func weftPingPong(workers int) (*Instance, error) {
	rt, err := newMultiThread(workers)
	if err != nil {
		return nil, err
	}
	m := pingPongMain{rem: new(atomic.Int64), done: make(chan unit, 1000)}
	return weftInstance(rt, func() error {
		m.rem.Store(NumPings)
		_, err := weft.BlockOn(context.Background(), rt, m)
		return err
	}, nil), nil
}

// yieldTask yields NumYield times, then signals done (mt) or just finishes
// (ct, where the main future awaits its JoinHandle).
type yieldTask struct {
	left int
	done chan<- unit // nil: no signal
}

func (y *yieldTask) Poll(cx *future.Context) (unit, bool) {
	if y.left > 0 {
		y.left--
		cx.Waker().Wake()
		return unit{}, false
	}
	if y.done != nil {
		y.done <- unit{}
	}
	return unit{}, true
}

// weftYieldMany spawns from the bench goroutine (rt.spawn) and receives on a
// channel, without block_on, as Tokio's yield_many does.
func weftYieldMany(workers int) (*Instance, error) {
	rt, err := newMultiThread(workers)
	if err != nil {
		return nil, err
	}
	done := make(chan unit, YieldTasks)
	h := rt.Handle()
	return weftInstance(rt, func() error {
		for range YieldTasks {
			weft.SpawnDetachedInline(h, &yieldTask{left: NumYield, done: done})
		}
		for range YieldTasks {
			<-done
		}
		return nil
	}, nil), nil
}

// chainLink is `iter(done_tx, n)`: n == 0 sends, else it spawns the next
// link. done is a channel (mt) or a oneshot sender (ct).
type chainLink struct {
	n    int
	done chan<- unit
	tx   *oneshot.Sender[unit]
}

func (c chainLink) Poll(cx *future.Context) (unit, bool) {
	switch {
	case c.n > 0:
		weft.SpawnDetached(cx, chainLink{n: c.n - 1, done: c.done, tx: c.tx})
	case c.tx != nil:
		if err := c.tx.Send(unit{}); err != nil {
			panic(err)
		}
	default:
		c.done <- unit{}
	}
	return unit{}, true
}

// chainMain is mt chained_spawn's block_on future:
// `spawn(async { iter(done_tx, CHAIN_ITER) }); done_rx.recv()`.
type chainMain struct{ done chan unit }

func (m chainMain) Poll(cx *future.Context) (unit, bool) {
	weft.SpawnDetached(cx, chainLink{n: ChainIter, done: m.done})
	<-m.done
	return unit{}, true
}

func weftChainedSpawn(workers int) (*Instance, error) {
	rt, err := newMultiThread(workers)
	if err != nil {
		return nil, err
	}
	m := chainMain{done: make(chan unit, 1000)}
	return weftInstance(rt, func() error {
		_, err := weft.BlockOn(context.Background(), rt, m)
		return err
	}, nil), nil
}

// ---------------------------------------------------------------------------
// rt_current_thread.rs, and current-thread versions of yield_many and
// chained_spawn.
// ---------------------------------------------------------------------------

// spawnThenJoin is a block_on future that first spawns (through its
// Context, so onto the local queue) and then awaits the handles. It is reused
// across ops.
type spawnThenJoin struct {
	joinAll
	spawn   func(cx *future.Context, hs []*task.JoinHandle[unit]) []*task.JoinHandle[unit]
	spawned bool
}

func (s *spawnThenJoin) Poll(cx *future.Context) (unit, bool) {
	if !s.spawned {
		s.spawned = true
		s.hs = s.spawn(cx, s.hs)
	}
	return s.joinAll.Poll(cx)
}

func (s *spawnThenJoin) run(rt *weft.Runtime) error {
	err := blockOnJoin(rt, s, &s.joinAll)
	s.spawned = false
	return err
}

func weftCTSpawnManyLocal(int) (*Instance, error) {
	rt, err := newCurrentThread()
	if err != nil {
		return nil, err
	}
	m := &spawnThenJoin{
		joinAll: joinAll{hs: make([]*task.JoinHandle[unit], 0, CTNumSpawn)},
		spawn: func(cx *future.Context, hs []*task.JoinHandle[unit]) []*task.JoinHandle[unit] {
			for range CTNumSpawn {
				hs = append(hs, weft.Spawn(cx, noop{}))
			}
			return hs
		},
	}
	return weftInstance(rt, func() error { return m.run(rt) }, nil), nil
}

func weftCTSpawnManyRemoteIdle(int) (*Instance, error) {
	rt, err := newCurrentThread()
	if err != nil {
		return nil, err
	}
	return weftInstance(rt, remoteSpawnAndJoin(rt, CTNumSpawn), nil), nil
}

// endless is `fn iter() { spawn(async { iter() }) }`: every link spawns the
// next, forever (it runs only while the runtime is driven).
type endless struct{}

func (endless) Poll(cx *future.Context) (unit, bool) {
	weft.SpawnDetached(cx, endless{})
	return unit{}, true
}

func weftCTSpawnManyRemoteBusy(int) (*Instance, error) {
	rt, err := newCurrentThread()
	if err != nil {
		return nil, err
	}
	weft.SpawnDetached(rt, endless{})
	return weftInstance(rt, remoteSpawnAndJoin(rt, CTNumSpawn), nil), nil
}

func weftCTYieldMany(int) (*Instance, error) {
	rt, err := newCurrentThread()
	if err != nil {
		return nil, err
	}
	m := &spawnThenJoin{
		joinAll: joinAll{hs: make([]*task.JoinHandle[unit], 0, YieldTasks)},
		spawn: func(cx *future.Context, hs []*task.JoinHandle[unit]) []*task.JoinHandle[unit] {
			for range YieldTasks {
				hs = append(hs, weft.SpawnInline(cx, &yieldTask{left: NumYield}))
			}
			return hs
		},
	}
	return weftInstance(rt, func() error { return m.run(rt) }, nil), nil
}

// ctChainMain is ct chained_spawn's block_on future: make a oneshot, spawn
// the chain's head, await the oneshot (blocking inside block_on would
// deadlock a current-thread runtime). Reused across ops.
type ctChainMain struct {
	rx *oneshot.Receiver[unit] // nil before the first poll of an op
}

func (m *ctChainMain) Poll(cx *future.Context) (unit, bool) {
	if m.rx == nil {
		tx, rx := oneshot.New[unit]()
		weft.SpawnDetached(cx, chainLink{n: ChainIter, tx: tx})
		m.rx = rx
	}
	r, ok := m.rx.Poll(cx)
	if !ok {
		return unit{}, false
	}
	m.rx = nil
	if r.Err != nil {
		panic(r.Err)
	}
	return unit{}, true
}

// Drop releases a receiver still waiting (BlockOn gave up early).
func (m *ctChainMain) Drop() {
	if m.rx != nil {
		m.rx.Drop()
		m.rx = nil
	}
}

func weftCTChainedSpawn(int) (*Instance, error) {
	rt, err := newCurrentThread()
	if err != nil {
		return nil, err
	}
	m := &ctChainMain{}
	return weftInstance(rt, func() error {
		_, err := weft.BlockOn(context.Background(), rt, m)
		return err
	}, nil), nil
}

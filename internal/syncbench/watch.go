package syncbench

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/watch"
)

// The workloads of Tokio's benches/sync_watch.rs (contention_resubscribe): N
// tasks each await every change of one watch channel, read the value, do a
// little work (format ten random floats and sum the bytes) and count down a
// shared counter; the one that reaches zero notifies the sender. One
// operation spawns a task that sends 100 values, each after the previous
// round was counted down, and awaits it.
//
// Goroutine twin: the watch channel is a value and a version under a
// sync.RWMutex plus a channel that the sender closes (and replaces) on each
// send; a receiver waits on the channel it saw when the version was still
// its own. The counter's notification is a channel of capacity 1 with a
// non-blocking send (Notify's stored permit).

const watchIters = 100

func watchWorkloads() []Workload {
	var ws []Workload
	for _, n := range []int{10, 100, 500, 1000} {
		ws = append(ws, Workload{
			Name: "watch_contention_resubscribe_" + strconv.Itoa(n), Items: watchIters, Item: "send",
			Mirrors: "sync_watch.rs contention_resubscribe/" + strconv.Itoa(n),
			setup: [2]func() *Case{
				Weft:      func() *Case { return weftWatch(n) },
				Goroutine: func() *Case { return goWatch(n) },
			},
		})
	}
	return ws
}

// splitMix is SplitMix64, the generator bench/tokio-sync uses too, so that
// the three columns format the same numbers.
type splitMix uint64

func (s *splitMix) float64() float64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11) * (1.0 / (1 << 53))
}

// workSink keeps doWork's results alive, as Tokio's black_box does.
var workSink atomic.Uint32

// doWork is the per-change work of a receiver: format " i=<float>" for i in
// 1..10 into a new buffer (shortest representation, no exponent, as Rust's
// Display prints an f64) and sum its bytes.
func doWork(rng *splitMix) uint32 {
	var msg []byte
	for i := 1; i <= 10; i++ {
		msg = append(msg, ' ')
		msg = strconv.AppendInt(msg, int64(i), 10)
		msg = append(msg, '=')
		msg = strconv.AppendFloat(msg, rng.float64(), 'f', -1, 64)
	}
	var sum uint32
	for _, c := range msg {
		sum += uint32(c)
	}
	return sum
}

// watchCounter is Tokio's "wg": the count of receivers still to see the
// current value, and the Notify the last one wakes the sender with.
type watchCounter struct {
	left atomic.Int64
	n    *weft.Notify
}

func weftWatch(tasks int) *Case {
	rt := newMultiThread(NumWorkers)
	tx, rx0 := watch.New(0)
	wg := &watchCounter{n: weft.NewNotify()}
	for i := range tasks {
		weft.SpawnDetached(rt, &watchReceiver{rx: tx.Subscribe(), wg: wg, rng: splitMix(i)})
	}
	rx0.Close() // Tokio drops the first receiver
	return &Case{
		Op: func() {
			r := blockOn(rt, weft.Spawn(rt, &watchSender{tx: tx, wg: wg, tasks: tasks}))
			if r.Err != nil {
				panic("syncbench: watch sender: " + r.Err.Error())
			}
		},
		Close: func() { tx.Close(); closeRuntime(rt) },
	}
}

// watchReceiver is one of the N tasks.
type watchReceiver struct {
	rx  *watch.Receiver[int]
	wg  *watchCounter
	rng splitMix
}

// Poll handles every change there is and waits for the next.
func (r *watchReceiver) Poll(cx *future.Context) (struct{}, bool) {
	for {
		err, ok := r.rx.Changed().Poll(cx)
		if !ok {
			return struct{}{}, false
		}
		if err != nil {
			return struct{}{}, true // the sender closed
		}
		_ = r.rx.Borrow()
		workSink.Store(doWork(&r.rng))
		if r.wg.left.Add(-1) == 0 {
			r.wg.n.NotifyOne()
		}
	}
}

// Drop leaves the channel.
func (r *watchReceiver) Drop() {
	r.rx.Changed().Drop()
	r.rx.Close()
}

// watchSender is the task of one operation: 100 rounds of "set the counter,
// send, await the counter reaching zero".
type watchSender struct {
	tx    *watch.Sender[int]
	wg    *watchCounter
	tasks int
	i     int
	sent  bool                 // round i was sent
	wait  *weft.NotifiedFuture // the wait in progress, or nil
}

// Poll runs the rounds.
func (s *watchSender) Poll(cx *future.Context) (struct{}, bool) {
	for s.i < watchIters {
		if !s.sent {
			if prev := s.wg.left.Add(int64(s.tasks)) - int64(s.tasks); prev != 0 {
				panic("syncbench: watch counter was " + strconv.FormatInt(prev, 10))
			}
			if err := s.tx.Send(42); err != nil {
				panic("syncbench: watch send: " + err.Error())
			}
			s.sent = true
		}
		for {
			if s.wait == nil {
				if s.wg.left.Load() <= 0 {
					break
				}
				s.wait = s.wg.n.Notified()
			}
			if _, ok := s.wait.Poll(cx); !ok {
				return struct{}{}, false
			}
			s.wait.Drop()
			s.wait = nil
		}
		s.sent = false
		s.i++
	}
	return struct{}{}, true
}

// Drop abandons the wait in progress.
func (s *watchSender) Drop() {
	if s.wait != nil {
		s.wait.Drop()
		s.wait = nil
	}
}

// goWatchChan is the goroutine twin of a watch channel.
type goWatchChan struct {
	mu      sync.RWMutex
	value   int
	version uint64
	changed chan struct{} // closed and replaced by each send
	closed  bool
}

func (c *goWatchChan) send(v int) {
	c.mu.Lock()
	c.value = v
	c.version++
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

func (c *goWatchChan) close() {
	c.mu.Lock()
	c.closed = true
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

// wait blocks until the version differs from *seen, records it, and reports
// false once the channel is closed.
func (c *goWatchChan) wait(seen *uint64) bool {
	for {
		c.mu.RLock()
		if c.closed {
			c.mu.RUnlock()
			return false
		}
		if c.version != *seen {
			*seen = c.version
			c.mu.RUnlock()
			return true
		}
		ch := c.changed
		c.mu.RUnlock()
		<-ch
	}
}

func (c *goWatchChan) borrow() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.value
}

func goWatch(tasks int) *Case {
	c := &goWatchChan{changed: make(chan struct{})}
	var left atomic.Int64
	notify := make(chan struct{}, 1)
	var wg sync.WaitGroup
	for i := range tasks {
		rng := splitMix(i)
		wg.Go(func() {
			var seen uint64
			for c.wait(&seen) {
				_ = c.borrow()
				workSink.Store(doWork(&rng))
				if left.Add(-1) == 0 {
					select {
					case notify <- struct{}{}:
					default:
					}
				}
			}
		})
	}
	return &Case{
		Op: func() {
			done := make(chan struct{})
			go func() {
				for range watchIters {
					if prev := left.Add(int64(tasks)) - int64(tasks); prev != 0 {
						panic("syncbench: watch counter was " + strconv.FormatInt(prev, 10))
					}
					c.send(42)
					for left.Load() > 0 {
						<-notify
					}
				}
				close(done)
			}()
			<-done
		},
		Close: func() { c.close(); wg.Wait() },
	}
}

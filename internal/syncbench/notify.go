package syncbench

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
)

// The workloads of Tokio's benches/sync_notify.rs: N tasks loop awaiting one
// Notify and count their wake-ups; one operation resets the count and then,
// from the benchmarking goroutine (outside the runtime), calls NotifyOne (or
// NotifyWaiters) in a busy loop until 500 wake-ups were counted.
//
// Goroutine twins. NotifyOne: a channel of capacity 1 with a non-blocking
// send, which is exactly Notify's one stored permit; the waiters receive
// from it. NotifyWaiters: sync.Cond.Broadcast, which, like NotifyWaiters,
// wakes the goroutines waiting now and stores nothing.

const notifyIters = 500

func notifyWorkloads() []Workload {
	var ws []Workload
	for _, all := range []bool{false, true} {
		for _, n := range []int{10, 50, 100, 200, 500} {
			name, mirrors := "notify_one_", "sync_notify.rs notify_one/"
			if all {
				name, mirrors = "notify_waiters_", "sync_notify.rs notify_waiters/"
			}
			ws = append(ws, Workload{
				Name: name + strconv.Itoa(n), Items: notifyIters, Item: "wake",
				Mirrors: mirrors + strconv.Itoa(n),
				setup: [2]func() *Case{
					Weft:      func() *Case { return weftNotify(n, all) },
					Goroutine: func() *Case { return goNotify(n, all) },
				},
			})
		}
	}
	return ws
}

func weftNotify(waiters int, all bool) *Case {
	rt := newMultiThread(NumWorkers)
	n := weft.NewNotify()
	var counter atomic.Int64
	for range waiters {
		weft.SpawnDetached(rt, &notifyWaiter{n: n, counter: &counter})
	}
	return &Case{
		Op: func() {
			counter.Store(0)
			for {
				if all {
					n.NotifyWaiters()
				} else {
					n.NotifyOne()
				}
				if counter.Load() >= notifyIters {
					return
				}
			}
		},
		Close: func() { closeRuntime(rt) },
	}
}

// notifyWaiter is a task that awaits n forever, counting its wake-ups, with
// one Notified future kept by value (see keptRoot).
type notifyWaiter struct {
	n       *weft.Notify
	counter *atomic.Int64
	wait    weft.NotifiedFuture
	waiting bool // wait was reset and has not completed
}

// Poll counts every notification there is and waits for the next.
func (w *notifyWaiter) Poll(cx *future.Context) (struct{}, bool) {
	for {
		if !w.waiting {
			w.wait.Reset(w.n)
			w.waiting = true
		}
		if _, ok := w.wait.Poll(cx); !ok {
			return struct{}{}, false
		}
		w.waiting = false
		w.counter.Add(1)
	}
}

// Drop leaves the Notify's queue.
func (w *notifyWaiter) Drop() {
	if w.waiting {
		w.wait.Drop()
		w.waiting = false
	}
}

func goNotify(waiters int, all bool) *Case {
	var counter atomic.Int64
	var wg sync.WaitGroup
	if !all {
		permit := make(chan struct{}, 1)
		for range waiters {
			wg.Go(func() {
				for range permit {
					counter.Add(1)
				}
			})
		}
		return &Case{
			Op: func() {
				counter.Store(0)
				for {
					select {
					case permit <- struct{}{}:
					default:
					}
					if counter.Load() >= notifyIters {
						return
					}
				}
			},
			Close: func() { close(permit); wg.Wait() },
		}
	}
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	stop := false // guarded by mu
	for range waiters {
		wg.Go(func() {
			for {
				mu.Lock()
				if stop {
					mu.Unlock()
					return
				}
				cond.Wait()
				mu.Unlock()
				counter.Add(1)
			}
		})
	}
	return &Case{
		Op: func() {
			counter.Store(0)
			for {
				cond.Broadcast()
				if counter.Load() >= notifyIters {
					return
				}
			}
		},
		Close: func() {
			mu.Lock()
			stop = true
			cond.Broadcast()
			mu.Unlock()
			wg.Wait()
		},
	}
}

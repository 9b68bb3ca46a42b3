package weft_test

// Abort-while-waiting tests on a real runtime for every waiting future of
// the root package: tasks park on the primitive, are aborted (JoinHandle.Abort)
// and the primitive must be exactly as before: no queued waiter, no permit
// lost or kept, no timer, no waker, no notification swallowed. The runner
// (internal/rttest.RunAbortCases) also checks the JoinHandles and the Drops,
// runs each case inside an Async body, and races the aborts against a
// release of the primitive.

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/task"
)

const integAbortTasks = 8

// TestIntegrationAbortSyncWaitersLeaksNothing covers Notify, Mutex, RwLock,
// Semaphore and Barrier.
func TestIntegrationAbortSyncWaitersLeaksNothing(t *testing.T) {
	rttest.RunAbortCases(t, []rttest.Case{
		{Name: "Notify.Notified", Setup: integNotifyCase},
		{Name: "Notify.Notified/NotifyWaiters", Setup: integNotifyWaitersCase},
		{Name: "Mutex.Lock", Setup: integMutexCase},
		{Name: "RwLock.Read", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			return integRwLockCase(t, func(int) bool { return false })
		}},
		{Name: "RwLock.Write", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			return integRwLockCase(t, func(int) bool { return true })
		}},
		{Name: "RwLock.mixed", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			return integRwLockCase(t, func(i int) bool { return i%3 == 0 })
		}},
		{Name: "Semaphore.Acquire", Setup: integSemaphoreCase},
		{Name: "Barrier.Wait", Setup: integBarrierCase},
	})
}

// TestIntegrationAbortTimersLeaksNothing covers Sleep, Timeout and Interval
// ticks: the timer wheel must be empty afterwards.
func TestIntegrationAbortTimersLeaksNothing(t *testing.T) {
	rttest.RunAbortCases(t, []rttest.Case{
		{Name: "Sleep", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			d := weft.TimerDriverOf(rt)
			return &rttest.Env{
				N:       integAbortTasks,
				Wait:    func(int) future.Future[struct{}] { return weft.Sleep(time.Hour) },
				Waiters: d.Len,
				Check: func(t testing.TB, o rttest.Outcome) {
					if n := d.Len(); n != 0 {
						t.Fatalf("%d timers left in the driver", n)
					}
				},
			}
		}},
		{Name: "SleepUntil", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			d := weft.TimerDriverOf(rt)
			at := rt.Now().Add(time.Hour)
			return &rttest.Env{
				N:       integAbortTasks,
				Wait:    func(int) future.Future[struct{}] { return weft.SleepUntil(at) },
				Waiters: d.Len,
				Check: func(t testing.TB, o rttest.Outcome) {
					if n := d.Len(); n != 0 {
						t.Fatalf("%d timers left in the driver", n)
					}
				},
			}
		}},
		{Name: "Timeout", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			// A timeout registers twice: its timer and the inner future's
			// waiter. Both must go.
			d := weft.TimerDriverOf(rt)
			n := weft.NewNotify()
			return &rttest.Env{
				N: integAbortTasks,
				Wait: func(int) future.Future[struct{}] {
					return rttest.Unit(weft.Timeout(time.Hour, n.Notified()), nil)
				},
				Waiters: func() int {
					if d.Len() != n.Waiters() {
						return -1
					}
					return d.Len()
				},
				Release: n.NotifyWaiters,
				Check: func(t testing.TB, o rttest.Outcome) {
					if d.Len() != 0 || n.Waiters() != 0 {
						t.Fatalf("%d timers and %d Notify waiters left", d.Len(), n.Waiters())
					}
				},
			}
		}},
		{Name: "Interval.Tick", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			d := weft.TimerDriverOf(rt)
			return &rttest.Env{
				N: integAbortTasks,
				Wait: func(int) future.Future[struct{}] {
					// The first tick is immediate; the task waits for the
					// second.
					iv := weft.Interval(time.Hour)
					second := future.Then(iv.Tick(), func(time.Time) future.Future[time.Time] { return iv.Tick() })
					return rttest.Unit(second, nil)
				},
				Waiters: d.Len,
				Check: func(t testing.TB, o rttest.Outcome) {
					if n := d.Len(); n != 0 {
						t.Fatalf("%d timers left in the driver", n)
					}
				},
			}
		}},
	})
}

// TestIntegrationAbortJoinSetWaitersLeaksNothing covers JoinNext, Shutdown
// and JoinAll: the set must hold no consumer waker and keep every task it
// had not reported.
func TestIntegrationAbortJoinSetWaitersLeaksNothing(t *testing.T) {
	rttest.RunAbortCases(t, []rttest.Case{
		{Name: "JoinSet.JoinNext", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			return integJoinSetCase(t, rt, func(js *weft.JoinSet[int], bad *atomic.Int64) future.Future[struct{}] {
				return rttest.Unit(js.JoinNext(), func(r weft.JoinResult[int]) {
					if r.Err != nil {
						bad.Add(1)
					}
				})
			}, 1)
		}},
		{Name: "JoinSet.JoinAll", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			return integJoinSetCase(t, rt, func(js *weft.JoinSet[int], bad *atomic.Int64) future.Future[struct{}] {
				return rttest.Unit(js.JoinAll(), func(r future.Result[[]int]) {
					if r.Err != nil || len(r.Value) != integJoinSetTasks {
						bad.Add(1)
					}
				})
			}, integJoinSetTasks)
		}},
		{Name: "JoinSet.Shutdown", Setup: integJoinSetShutdownCase},
	})
}

// TestIntegrationAbortJoinHandleWaitersDetach covers a task awaiting another
// task's JoinHandle: aborting the waiter drops the handle, which detaches the
// awaited task (as dropping a Tokio JoinHandle does) without cancelling it:
// that task runs on to its end.
func TestIntegrationAbortJoinHandleWaitersDetach(t *testing.T) {
	rttest.RunAbortCases(t, []rttest.Case{
		{Name: "JoinHandle", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			gates := make([]*gate, integAbortTasks)
			hs := make([]*task.JoinHandle[int], integAbortTasks)
			for i := range gates {
				gates[i] = &gate{}
				hs[i] = weft.Spawn(rt, integGateValue{gates[i], i})
			}
			built := make([]atomic.Bool, integAbortTasks)
			joined := make([]atomic.Bool, integAbortTasks)
			var bad atomic.Int64
			var once sync.Once
			open := func() {
				once.Do(func() {
					for _, g := range gates {
						g.Open()
					}
				})
			}
			return &rttest.Env{
				N: integAbortTasks,
				Wait: func(i int) future.Future[struct{}] {
					built[i].Store(true)
					return rttest.Unit(hs[i], func(r future.Result[int]) {
						if r.Err != nil || r.Value != i {
							bad.Add(1)
						}
						joined[i].Store(true)
					})
				},
				Release: open,
				Check: func(t testing.TB, o rttest.Outcome) {
					if bad.Load() != 0 {
						t.Fatal("a JoinHandle completed with the wrong output")
					}
					for i, g := range gates {
						if d := g.Dropped(); !o.Released && d != 0 {
							t.Fatalf("awaited task %d was cancelled by its waiter's abort", i)
						}
					}
					open()
					for i, h := range hs {
						switch {
						case joined[i].Load():
						case built[i].Load():
							// Detached by the waiter's drop: it still runs
							// to its end, and nobody gets its output.
							rttest.Until(t, rt, "the detached task to finish", h.IsFinished)
							if _, err := h.BlockingJoin(context.Background()); !errors.Is(err, task.ErrDetached) {
								t.Fatalf("task %d: Join after its waiter was dropped: %v", i, err)
							}
							if d := gates[i].Dropped(); d != 1 {
								t.Fatalf("detached task %d: future dropped %d times", i, d)
							}
						default:
							// Its waiter never started (an Async body aborted
							// at spawn): the handle is still ours.
							if r := rttest.MustSucceed(t, rt, []*task.JoinHandle[int]{h}); r[0] != i {
								t.Fatalf("task %d: output %d", i, r[0])
							}
						}
					}
				},
			}
		}},
	})
}

// TestIntegrationAbortCancellationWaitersLeaksNothing covers
// CancellationToken.Cancelled and Done.
func TestIntegrationAbortCancellationWaitersLeaksNothing(t *testing.T) {
	rttest.RunAbortCases(t, []rttest.Case{
		{Name: "CancellationToken.Cancelled", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			root := weft.NewCancellationToken()
			child := root.Child()
			toks := []*weft.CancellationToken{root, child, child.Child()}
			waiters := func() int {
				n := 0
				for _, tok := range toks {
					n += weft.CancellationTokenWaitersForTest(tok)
				}
				return n
			}
			return &rttest.Env{
				N:       integAbortTasks,
				Wait:    func(i int) future.Future[struct{}] { return toks[i%len(toks)].Cancelled() },
				Waiters: waiters,
				Release: root.Cancel,
				Check: func(t testing.TB, o rttest.Outcome) {
					if n := waiters(); n != 0 {
						t.Fatalf("%d Cancelled waiters left", n)
					}
					if root.IsCancelled() != o.Released {
						t.Fatalf("root cancelled %v after release %v", root.IsCancelled(), o.Released)
					}
					root.Cancel()
					for i, tok := range toks {
						if !tok.IsCancelled() {
							t.Fatalf("token %d not cancelled with its root", i)
						}
					}
				},
			}
		}},
		{Name: "Done", Setup: func(t testing.TB, rt *weft.Runtime) *rttest.Env {
			base, cancel := context.WithCancel(context.Background())
			t.Cleanup(cancel)
			ctx := &integCountingCtx{Context: base}
			return &rttest.Env{
				N:       integAbortTasks,
				Wait:    func(int) future.Future[struct{}] { return rttest.Unit(weft.Done(ctx), nil) },
				Release: cancel,
				Check: func(t testing.TB, o rttest.Outcome) {
					if !o.Released {
						// Nothing fired: every Drop must have stopped its
						// AfterFunc by now.
						if n := ctx.live.Load(); n != 0 {
							t.Fatalf("%d AfterFunc registrations left by dropped Done futures", n)
						}
						return
					}
					// Fired callbacks run on goroutines of their own.
					rttest.Until(t, rt, "every AfterFunc to be stopped or run", func() bool { return ctx.live.Load() == 0 })
				},
			}
		}},
	})
}

func integNotifyCase(t testing.TB, rt *weft.Runtime) *rttest.Env {
	n := weft.NewNotify()
	return &rttest.Env{
		N:       integAbortTasks,
		Wait:    func(int) future.Future[struct{}] { return n.Notified() },
		Waiters: n.Waiters,
		Release: func() {
			for range integAbortTasks {
				n.NotifyOne()
			}
		},
		Check: func(t testing.TB, o rttest.Outcome) {
			if w := n.Waiters(); w != 0 {
				t.Fatalf("%d Notified left queued", w)
			}
			sent := 0
			if o.Released {
				sent = integAbortTasks
			}
			// A notification picked for a task that was aborted before it
			// saw it is passed on, and ends stored if nobody takes it: so a
			// permit is stored exactly when fewer tasks completed than
			// notifications were sent.
			f := n.Notified()
			stored := f.Enable()
			f.Drop()
			if want := o.Completed < sent; stored != want {
				t.Fatalf("permit stored %v, want %v (%d of %d notifications taken)", stored, want, o.Completed, sent)
			}
			// No dead entry is left in the queue to swallow the next one.
			n.NotifyOne()
			f = n.Notified()
			stored = f.Enable()
			f.Drop()
			if !stored {
				t.Fatal("NotifyOne after the aborts was not stored: it went to a dropped waiter")
			}
		},
	}
}

func integNotifyWaitersCase(t testing.TB, rt *weft.Runtime) *rttest.Env {
	n := weft.NewNotify()
	return &rttest.Env{
		N:       integAbortTasks,
		Wait:    func(int) future.Future[struct{}] { return n.Notified() },
		Waiters: n.Waiters,
		Release: n.NotifyWaiters,
		Check: func(t testing.TB, o rttest.Outcome) {
			if w := n.Waiters(); w != 0 {
				t.Fatalf("%d Notified left queued", w)
			}
			// NotifyWaiters stores no permit, whoever it reached.
			f := n.Notified()
			stored := f.Enable()
			f.Drop()
			if stored {
				t.Fatal("a permit is stored after NotifyWaiters and aborts")
			}
		},
	}
}

func integMutexCase(t testing.TB, rt *weft.Runtime) *rttest.Env {
	m := weft.NewMutex(0)
	holder, ok := m.TryLock()
	if !ok {
		t.Fatal("TryLock of a new Mutex failed")
	}
	var once sync.Once
	unlock := func() { once.Do(holder.Unlock) }
	return &rttest.Env{
		N: integAbortTasks,
		Wait: func(int) future.Future[struct{}] {
			return rttest.Unit(m.Lock(), func(g *weft.MutexGuard[int]) {
				*g.Ptr()++
				g.Unlock()
			})
		},
		Waiters: func() int { return weft.MutexWaitersForTest(m) },
		Release: unlock,
		Check: func(t testing.TB, o rttest.Outcome) {
			if w := weft.MutexWaitersForTest(m); w != 0 {
				t.Fatalf("%d Lock futures left queued", w)
			}
			unlock()
			g, ok := m.TryLock()
			if !ok {
				t.Fatal("Mutex still locked after every task ended: the lock went to an aborted waiter")
			}
			if v := g.Get(); v != o.Completed {
				t.Fatalf("counter %d, want %d (one per completed task)", v, o.Completed)
			}
			g.Unlock()
		},
	}
}

func integRwLockCase(t testing.TB, write func(i int) bool) *rttest.Env {
	l := weft.NewRwLock(0)
	holder, ok := l.TryWrite()
	if !ok {
		t.Fatal("TryWrite of a new RwLock failed")
	}
	var once sync.Once
	unlock := func() { once.Do(holder.Unlock) }
	var writes atomic.Int64
	return &rttest.Env{
		N: integAbortTasks,
		Wait: func(i int) future.Future[struct{}] {
			if write(i) {
				return rttest.Unit(l.Write(), func(g *weft.RwLockWriteGuard[int]) {
					*g.Ptr()++
					writes.Add(1)
					g.Unlock()
				})
			}
			return rttest.Unit(l.Read(), func(g *weft.RwLockReadGuard[int]) { g.Unlock() })
		},
		Waiters: func() int { return weft.RwLockWaitersForTest(l) },
		Release: unlock,
		Check: func(t testing.TB, o rttest.Outcome) {
			if w := weft.RwLockWaitersForTest(l); w != 0 {
				t.Fatalf("%d Read/Write futures left queued", w)
			}
			unlock()
			g, ok := l.TryWrite()
			if !ok {
				t.Fatal("RwLock still held after every task ended: permits went to aborted waiters")
			}
			if v := g.Get(); int64(v) != writes.Load() {
				t.Fatalf("value %d, want %d writes", v, writes.Load())
			}
			g.Unlock()
		},
	}
}

func integSemaphoreCase(t testing.TB, rt *weft.Runtime) *rttest.Env {
	// Two permits, requests of three: the oldest request is given the two
	// (partly granted) while it waits, and must give them back when it is
	// dropped.
	s := weft.NewSemaphore(2)
	var bad atomic.Int64
	return &rttest.Env{
		N: integAbortTasks,
		Wait: func(int) future.Future[struct{}] {
			return rttest.Unit(s.Acquire(3), func(r future.Result[*weft.SemaphorePermit]) {
				if r.Err != nil || r.Value.Num() != 3 {
					bad.Add(1)
					return
				}
				r.Value.Release()
			})
		},
		Waiters: func() int { return weft.SemaphoreWaitersForTest(s) },
		Release: func() { s.AddPermits(1) },
		Check: func(t testing.TB, o rttest.Outcome) {
			if w := weft.SemaphoreWaitersForTest(s); w != 0 {
				t.Fatalf("%d Acquire futures left queued", w)
			}
			want := 2
			if o.Released {
				want = 3
			}
			if a := s.Available(); a != want {
				t.Fatalf("%d permits available, want %d", a, want)
			}
			if b := bad.Load(); b != 0 {
				t.Fatalf("%d acquires completed without their 3 permits", b)
			}
		},
	}
}

func integBarrierCase(t testing.TB, rt *weft.Runtime) *rttest.Env {
	b := weft.NewBarrier(integAbortTasks + 1)
	var leaders, badRelease atomic.Int64
	return &rttest.Env{
		N: integAbortTasks,
		Wait: func(int) future.Future[struct{}] {
			return rttest.Unit(b.Wait(), func(r weft.BarrierWaitResult) {
				if r.IsLeader() {
					leaders.Add(1)
				}
			})
		},
		Waiters: func() int { q, _ := weft.BarrierWaitersForTest(b); return q },
		Release: func() {
			// The last arrival: it completes the generation at once.
			r, err := future.Block(context.Background(), b.Wait())
			if err != nil || !r.IsLeader() {
				badRelease.Add(1)
			}
		},
		Check: func(t testing.TB, o rttest.Outcome) {
			q, arrived := weft.BarrierWaitersForTest(b)
			if q != 0 {
				t.Fatalf("%d Wait futures left queued", q)
			}
			if badRelease.Load() != 0 {
				t.Fatal("the last arrival at the barrier was not its leader")
			}
			if leaders.Load() != 0 {
				t.Fatal("a task was the leader, but the releasing arrival came last")
			}
			if o.Released {
				if arrived != 0 {
					t.Fatalf("%d arrivals in the next generation, want 0", arrived)
				}
				return
			}
			// Aborted waits still count as arrivals (Tokio's semantics).
			if arrived != o.Polled {
				t.Fatalf("%d arrivals, want %d (one per polled Wait)", arrived, o.Polled)
			}
		},
	}
}

const integJoinSetTasks = 4

// integJoinSetCase makes a JoinSet of tasks that wait for gates, and one task
// (n = 1) that consumes it with the future wait makes.
func integJoinSetCase(t testing.TB, rt *weft.Runtime, wait func(js *weft.JoinSet[int], bad *atomic.Int64) future.Future[struct{}], takesAll int) *rttest.Env {
	js := weft.NewJoinSet[int]()
	gates := make([]*gate, integJoinSetTasks)
	for i := range gates {
		gates[i] = &gate{}
		weft.SpawnInto(js, rt, integGateValue{gates[i], i})
	}
	var once sync.Once
	open := func() {
		once.Do(func() {
			for _, g := range gates {
				g.Open()
			}
		})
	}
	var bad atomic.Int64
	waker := func() int {
		if weft.JoinSetHasWakerForTest(js) {
			return 1
		}
		return 0
	}
	return &rttest.Env{
		N:       1,
		Wait:    func(int) future.Future[struct{}] { return wait(js, &bad) },
		Waiters: waker,
		Release: open,
		Check: func(t testing.TB, o rttest.Outcome) {
			// A consumer that completed may leave its waker behind (as in
			// Tokio, a ready poll does not unregister it); a dropped one
			// must not.
			if o.Completed == 0 && waker() != 0 {
				t.Fatal("the dropped consumer's waker is still registered in the set")
			}
			if b := bad.Load(); b != 0 {
				t.Fatal("a consumer completed with an error")
			}
			if !o.Released && js.Len() != integJoinSetTasks {
				t.Fatalf("set holds %d tasks after an aborted wait, want %d", js.Len(), integJoinSetTasks)
			}
			open()
			left := js.Len()
			r, err := weft.BlockOn(context.Background(), rt, js.JoinAll())
			if err != nil || r.Err != nil || len(r.Value) != left {
				t.Fatalf("draining the set: %d values of %d, %v %v", len(r.Value), left, err, r.Err)
			}
			if o.Completed == 1 && takesAll == integJoinSetTasks && left != 0 {
				t.Fatalf("JoinAll completed but left %d tasks", left)
			}
			if js.Len() != 0 {
				t.Fatalf("%d tasks left after JoinAll", js.Len())
			}
		},
	}
}

func integJoinSetShutdownCase(t testing.TB, rt *weft.Runtime) *rttest.Env {
	// Blocking tasks that have started run to the end whatever the abort,
	// so Shutdown waits for them: that is the wait the test aborts.
	js := weft.NewJoinSet[int]()
	hold := make(chan struct{})
	var started atomic.Int64
	for i := range integJoinSetTasks {
		js.Insert(weft.SpawnBlocking(rt, func() int {
			started.Add(1)
			<-hold
			return i
		}))
	}
	rttest.Until(t, rt, "every blocking task to start", func() bool { return started.Load() == integJoinSetTasks })
	var once sync.Once
	release := func() { once.Do(func() { close(hold) }) }
	t.Cleanup(release)
	waker := func() int {
		if weft.JoinSetHasWakerForTest(js) {
			return 1
		}
		return 0
	}
	return &rttest.Env{
		N:       1,
		Wait:    func(int) future.Future[struct{}] { return js.Shutdown() },
		Waiters: waker,
		Release: release,
		Check: func(t testing.TB, o rttest.Outcome) {
			if o.Completed == 0 && waker() != 0 {
				t.Fatal("the dropped Shutdown's waker is still registered in the set")
			}
			if !o.Released && js.Len() != integJoinSetTasks {
				t.Fatalf("set holds %d tasks after an aborted Shutdown, want %d", js.Len(), integJoinSetTasks)
			}
			release()
			if _, err := weft.BlockOn(context.Background(), rt, js.Shutdown()); err != nil {
				t.Fatal(err)
			}
			if js.Len() != 0 {
				t.Fatalf("%d tasks left after Shutdown", js.Len())
			}
		},
	}
}

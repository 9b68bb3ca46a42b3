package task_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/task"
)

// The stress test races every operation of the task module against every
// other, on the test scheduler with several worker goroutines: wakes through
// task Wakers captured from polls, aborts through AbortHandles, Joins with
// expired and short-lived contexts, Detaches, completions (value or panic),
// and a final CloseAndShutdownAll from two goroutines at once while tasks are
// still being spawned, woken and run. Afterwards it accounts for every task.
//
// The futures keep their bookkeeping in plain (non-atomic) fields: the
// harness promises that polls, the future's Drop and the output's Drop are
// ordered with each other and with Join, so under -race a missing
// happens-before edge in the task module shows up as a data race here.

// stressKind is what a stress task's future does.
type stressKind uint8

const (
	stressCompletes stressKind = iota // returns its output after a few polls
	stressPanics                      // panics after a few polls
	stressForever                     // never completes: only an abort or the shutdown ends it
)

// stressRec is one task's record. Fields without a comment are written only
// by whoever holds the task (poller, canceller) and read after the test's
// goroutines have finished.
type stressRec struct {
	kind     stressKind
	target   int // the poll that completes or panics
	polls    int
	drops    int  // future Drops
	outMade  bool // the future returned its output
	panicked bool
	outDrops int // output Drops (by the completer or by Detach)
	// hdr is the task's header, published by its first poll for the
	// wakers.
	hdr atomic.Pointer[task.Header]
	// header is the task's header, kept by its joiner at spawn.
	header *task.Header
	// ah is the task's AbortHandle, published at spawn for the aborters.
	ah atomic.Pointer[task.AbortHandle]
}

type stressOut struct {
	index int
	rec   *stressRec
}

func (o *stressOut) Drop() { o.rec.outDrops++ }

// stressFuture is a stress task's future.
type stressFuture struct {
	index int
	rec   *stressRec
	rng   *rand.PCG
}

func (f *stressFuture) Poll(cx *future.Context) (*stressOut, bool) {
	r := f.rec
	r.polls++
	if r.polls == 1 {
		r.hdr.Store(futurecx.WakerTarget(cx.Waker()).(*task.Header))
	}
	if r.kind != stressForever && r.polls >= r.target {
		if r.kind == stressPanics {
			r.panicked = true
			panic(fmt.Sprintf("stress task %d", f.index))
		}
		r.outMade = true
		return &stressOut{index: f.index, rec: r}, true
	}
	if f.rng.Uint64()%3 == 0 {
		cx.Waker().Wake() // yield
	}
	return nil, false
}

func (f *stressFuture) Drop() { f.rec.drops++ }

// stressConfig sizes one run.
type stressConfig struct {
	runners, joiners, wakers, aborters int
	tasksPerJoiner                     int
	joinOpsPerJoiner                   int // Join/Detach/Abort operations per joiner after spawning
	wakesPerWaker, abortsPerAborter    int
}

func TestStress(t *testing.T) {
	cfg := stressConfig{
		runners: 4, joiners: 4, wakers: 4, aborters: 2,
		tasksPerJoiner:   6000,
		joinOpsPerJoiner: 60000,
		wakesPerWaker:    250000,
		abortsPerAborter: 6000,
	}
	minOps := int64(1_000_000)
	if testing.Short() {
		cfg.tasksPerJoiner /= 10
		cfg.joinOpsPerJoiner /= 10
		cfg.wakesPerWaker /= 10
		cfg.abortsPerAborter /= 10
		minOps /= 10
	}
	ops := runStress(t, cfg, 1)
	t.Logf("%d racing operations", ops)
	if ops < minOps {
		t.Errorf("only %d racing operations, want at least %d", ops, minOps)
	}
}

// runStress runs one stress configuration and returns the number of
// operations performed.
func runStress(t *testing.T, cfg stressConfig, seed uint64) int64 {
	s := newTestSched(t, cfg.runners).withCancelCause()
	cause := errors.New("stress: shutdown")
	nTasks := cfg.joiners * cfg.tasksPerJoiner
	recs := make([]*stressRec, nTasks)
	for i := range recs {
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		r := &stressRec{target: 1 + rng.IntN(6)}
		switch p := rng.IntN(100); {
		case p < 10:
			r.kind = stressPanics
		case p < 20:
			r.kind = stressForever
		}
		recs[i] = r
	}

	// Wakers and aborters start once every task is spawned (before that
	// most would find no task to act on). The close happens once the wakers
	// are half done, racing with everything else; wakes, aborts and joins go
	// on after it.
	var spawning sync.WaitGroup
	spawning.Add(cfg.joiners)
	spawned := make(chan struct{})
	go func() { spawning.Wait(); close(spawned) }()
	closeNow := make(chan struct{})
	var closeOnce sync.Once
	closeAt := int64(cfg.wakers*cfg.wakesPerWaker) / 2
	var wakesDone atomic.Int64

	var (
		ops, wakes, joinOps atomic.Int64
		runners             sync.WaitGroup
		others              sync.WaitGroup
	)
	for range cfg.runners {
		runners.Go(s.RunWorker)
	}

	// Joiners: each spawns its share of tasks and owns their JoinHandles.
	type outcome struct {
		value, cancelled, panicked, detached bool
		err                                  error
	}
	outcomes := make([]outcome, nTasks)
	for j := range cfg.joiners {
		others.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(1000+j)))
			base := j * cfg.tasksPerJoiner
			handles := make([]*task.JoinHandle[*stressOut], cfg.tasksPerJoiner)
			done := make([]bool, cfg.tasksPerJoiner)
			dead, cancelDead := context.WithCancel(context.Background())
			cancelDead()
			n := int64(0)
			finish := func(k int, v *stressOut, err error) {
				i := base + k
				done[k] = true
				o := &outcomes[i]
				var je *task.JoinError
				switch {
				case err == nil:
					o.value = true
					if v == nil || v.index != i {
						t.Errorf("task %d: output %v", i, v)
					}
				case errors.As(err, &je) && je.IsCancelled():
					o.cancelled = true
				case errors.As(err, &je) && je.IsPanic():
					o.panicked = true
				default:
					o.err = err
				}
			}
			op := func() {
				k := rng.IntN(len(handles))
				jh := handles[k]
				if jh == nil || done[k] {
					return
				}
				n++
				switch p := rng.IntN(100); {
				case p < 70:
					if v, err := jh.BlockingJoin(dead); err != context.Canceled {
						finish(k, v, err)
					}
				case p < 75:
					ctx, cancel := context.WithTimeout(context.Background(), 20*time.Microsecond)
					v, err := jh.BlockingJoin(ctx)
					cancel()
					if err != context.DeadlineExceeded {
						finish(k, v, err)
					}
				case p < 85:
					jh.Detach()
					done[k] = true
					outcomes[base+k].detached = true
				case p < 90:
					jh.Abort()
				default:
					jh.IsFinished()
				}
			}
			for k := range cfg.tasksPerJoiner {
				i := base + k
				f := &stressFuture{index: i, rec: recs[i], rng: rand.NewPCG(seed, uint64(i)+1<<32)}
				jh := spawn(s, f)
				ah := jh.AbortHandle()
				recs[i].ah.Store(&ah)
				recs[i].header = task.HeaderOf(jh)
				handles[k] = jh
				n++
				op()
			}
			spawning.Done()
			for range cfg.joinOpsPerJoiner {
				op()
			}
			// Every task completes once the shutdown has happened.
			for k, jh := range handles {
				if !done[k] {
					v, err := jh.BlockingJoin(context.Background())
					n++
					finish(k, v, err)
				}
			}
			ops.Add(n)
			joinOps.Add(n)
		})
	}

	// Wakers: wake tasks through the headers their first polls published.
	for w := range cfg.wakers {
		others.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(2000+w)))
			n := int64(0)
			<-spawned
			for range cfg.wakesPerWaker {
				if h := recs[rng.IntN(nTasks)].hdr.Load(); h != nil {
					h.Wake(0)
					n++
				}
				if wakesDone.Add(1) == closeAt {
					closeOnce.Do(func() { close(closeNow) })
				}
			}
			ops.Add(n)
			wakes.Add(n)
		})
	}

	// Aborters.
	for a := range cfg.aborters {
		others.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(3000+a)))
			n := int64(0)
			<-spawned
			for range cfg.abortsPerAborter {
				if ah := recs[rng.IntN(nTasks)].ah.Load(); ah != nil {
					ah.Abort()
					ah.IsFinished()
					n++
				}
			}
			ops.Add(n)
		})
	}

	// A latecomer keeps spawning small tasks, and runs them itself, until it
	// has seen the list closed a hundred times, so that Binds race the close.
	others.Go(func() {
		cx := future.NewContext(future.Noop())
		<-spawned
		var late []*task.JoinHandle[int]
		for refused := 0; refused < 100; {
			jh, n, ok := task.Bind(s.owned, future.Ready(len(late)), s.self, task.Options{})
			late = append(late, jh)
			if ok {
				s.owned.AssertOwner(n).Run(cx)
			} else {
				refused++
			}
		}
		for k, jh := range late {
			v, err := jh.BlockingJoin(context.Background())
			var je *task.JoinError
			switch {
			case err == nil && v == k:
			case errors.As(err, &je) && je.IsCancelled() && je.Cause() == cause:
			default:
				t.Errorf("latecomer task %d: Join = (%d, %v)", k, v, err)
			}
			if refs(jh) != 0 {
				t.Errorf("latecomer task %d: refs %d", k, refs(jh))
			}
		}
		ops.Add(2 * int64(len(late)))
	})

	// Two closers, from different shards, at once.
	for c := range 2 {
		others.Go(func() {
			<-closeNow
			s.Shutdown(c*7, cause)
			ops.Add(1)
		})
	}

	others.Wait()
	s.Stop()
	runners.Wait()

	// Accounting.
	if !s.owned.IsEmpty() || s.QueueLen() != 0 {
		t.Errorf("after the run: %d tasks in the list, %d queued", s.owned.Len(), s.QueueLen())
	}
	var values, cancels, panics, detached, polls int64
	for i, r := range recs {
		o := outcomes[i]
		polls += int64(r.polls)
		if r.drops != 1 {
			t.Errorf("task %d: future dropped %d times", i, r.drops)
		}
		if o.err != nil {
			t.Errorf("task %d: Join error %v", i, o.err)
		}
		switch {
		case o.value:
			values++
			if !r.outMade || r.kind != stressCompletes || r.outDrops != 0 {
				t.Errorf("task %d: value but kind %d outMade %v outDrops %d", i, r.kind, r.outMade, r.outDrops)
			}
		case o.panicked:
			panics++
			if !r.panicked || r.kind != stressPanics {
				t.Errorf("task %d: panic error but kind %d panicked %v", i, r.kind, r.panicked)
			}
		case o.cancelled:
			cancels++
			if r.outMade || r.panicked {
				t.Errorf("task %d: cancelled after it completed (outMade %v, panicked %v)", i, r.outMade, r.panicked)
			}
		case o.detached:
			detached++
			if want := map[bool]int{true: 1}[r.outMade]; r.outDrops != want {
				t.Errorf("task %d: detached, outMade %v, output dropped %d times", i, r.outMade, r.outDrops)
			}
		default:
			t.Errorf("task %d: no outcome", i)
		}
		if h := r.hdr.Load(); h != nil && h != r.header {
			t.Errorf("task %d: polled with another task's waker", i)
		}
		if st := r.header.State(); st.RefCount() != 0 || !st.IsComplete() {
			t.Errorf("task %d: final state %v, want COMPLETE with refs=0", i, st)
		}
		if ah := r.ah.Load(); ah != nil && !ah.IsFinished() {
			t.Errorf("task %d: not finished", i)
		}
	}
	if got := values + cancels + panics + detached; got != int64(nTasks) {
		t.Errorf("accounted for %d of %d tasks", got, nTasks)
	}
	var panicked int
	for _, r := range recs {
		if r.panicked {
			panicked++
		}
	}
	if got := len(s.Panics()); got != panicked {
		t.Errorf("UnhandledPanic called %d times, %d futures panicked", got, panicked)
	}
	t.Logf("tasks %d: %d values, %d cancelled, %d panicked, %d detached", nTasks, values, cancels, panics, detached)
	t.Logf("operations: %d joiner ops, %d wakes, %d polls; caused %d schedules, %d yields, %d late drops",
		joinOps.Load(), wakes.Load(), polls, s.schedules.Load(), s.yields.Load(), s.lateDrops.Load())
	// Operations: spawns, Joins, Detaches, Aborts and IsFinished calls of
	// the joiners, effective wakes, AbortHandle aborts, the two closes, and
	// the polls (each a run of a Notified). The Schedule, Yield and Release
	// calls they cause are not counted.
	return ops.Load() + polls
}

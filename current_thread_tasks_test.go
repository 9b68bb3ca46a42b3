package weft_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// A current-thread runtime's task list has no lock (ARCHITECTURE.md item
// 34): a task spawned from outside the runtime is linked by the driver when
// it takes it. These tests cover the paths that protocol adds.

// wantDoneOrShutdown joins jh and checks that the task either completed or
// was cancelled by the runtime's shutdown: a spawn that raced with the
// shutdown must never leave its handle waiting.
func wantDoneOrShutdown(t *testing.T, jh *task.JoinHandle[int]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := jh.BlockingJoin(ctx)
	var je *task.JoinError
	switch {
	case err == nil:
	case errors.As(err, &je) && je.IsCancelled() && errors.Is(je.Cause(), weft.ErrRuntimeShutdown):
	default:
		t.Fatalf("join: %v, want the output or a cancellation by the shutdown", err)
	}
}

func TestCurrentThreadRemoteSpawnsRacingShutdownAllEnd(t *testing.T) {
	for _, driven := range []bool{true, false} {
		for range 20 {
			rt, err := weft.New(weft.WithCurrentThread())
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			if driven {
				go func() {
					defer close(done)
					// Returns once the runtime shuts down.
					_, _ = weft.BlockOn(context.Background(), rt, future.Pending[int]())
				}()
			} else {
				close(done)
			}
			const spawners, each = 3, 50
			handles := make([][]*task.JoinHandle[int], spawners)
			var wg sync.WaitGroup
			for i := range spawners {
				wg.Go(func() {
					for j := range each {
						// Half complete at once, half wait for the shutdown.
						var f future.Future[int] = future.Ready(j)
						if j%2 == 1 {
							f = future.Pending[int]()
						}
						handles[i] = append(handles[i], weft.Spawn(rt, f))
					}
				})
			}
			wg.Go(func() { _ = rt.Close() })
			wg.Wait()
			<-done
			for _, hs := range handles {
				for _, jh := range hs {
					wantDoneOrShutdown(t, jh)
				}
			}
			if m := rt.Metrics(); m.AliveTasks != 0 {
				t.Fatalf("driven %v: %d tasks alive after the shutdown", driven, m.AliveTasks)
			}
		}
	}
}

// Dumps and metrics read from other goroutines while tasks are spawned from
// outside and run: every dump succeeds and lists only tasks that were
// spawned, the counters never exceed what was spawned, and at the end
// nothing is alive.
func TestCurrentThreadDumpAndMetricsWhileSpawningRemotely(t *testing.T) {
	rt := startRuntime(t, weft.WithCurrentThread())
	const spawners, each = 2, 200
	var (
		mu  sync.Mutex
		ids = map[task.ID]bool{}
	)
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() {
		repeatUntil(stop, func() bool {
			d, err := rt.Dump(context.Background(), weft.DumpStacks(false))
			if err != nil {
				t.Errorf("Dump: %v", err)
				return false
			}
			mu.Lock()
			defer mu.Unlock()
			for _, td := range d.Tasks {
				if !ids[td.ID] {
					t.Errorf("dump lists task %v, never spawned", td.ID)
				}
			}
			return true
		})
	})
	readers.Go(func() {
		repeatUntil(stop, func() bool {
			if m := rt.Metrics(); m.AliveTasks > spawners*each || m.SpawnedTasks > spawners*each || uint64(m.AliveTasks) > m.SpawnedTasks {
				t.Errorf("alive %d spawned %d, at most %d spawns", m.AliveTasks, m.SpawnedTasks, spawners*each)
				return false
			}
			return true
		})
	})
	var spawnersWG sync.WaitGroup
	for range spawners {
		spawnersWG.Go(func() {
			for j := range each {
				// Register the ID before the task can show up in a
				// dump: the dump reads IDs through the map's lock.
				mu.Lock()
				jh := weft.Spawn(rt, fn[int](func(cx *future.Context) int { return j }))
				ids[jh.ID()] = true
				mu.Unlock()
				if _, err := jh.BlockingJoin(context.Background()); err != nil {
					t.Errorf("join: %v", err)
				}
			}
		})
	}
	spawnersWG.Wait()
	close(stop)
	readers.Wait()
	if m := rt.Metrics(); m.AliveTasks != 0 || m.SpawnedTasks != spawners*each {
		t.Fatalf("alive %d spawned %d, want 0 and %d", m.AliveTasks, m.SpawnedTasks, spawners*each)
	}
}

// repeatUntil calls f until stop is closed or f reports false.
func repeatUntil(stop <-chan struct{}, f func() bool) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		if !f() {
			return
		}
	}
}

// A remote spawn is counted by the metrics at once, before the driver has
// taken it, and listed as queued by a dump taken while the runtime is
// driven.
func TestCurrentThreadRemoteSpawnCountedAndDumpedBeforeTheDriverTakesIt(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread())
	jh := weft.Spawn(rt, future.Pending[int]())
	defer jh.Abort()
	if m := rt.Metrics(); m.AliveTasks != 1 || m.SpawnedTasks != 1 {
		t.Fatalf("alive %d spawned %d after one remote spawn, want 1 1", m.AliveTasks, m.SpawnedTasks)
	}
	// From the main future of a BlockOn, polled on the driver before it
	// takes any task.
	d, err := weft.BlockOn(context.Background(), rt, fn[*weft.Dump](func(cx *future.Context) *weft.Dump {
		d, err := cx.Executor().(*weft.Handle).Dump(context.Background(), weft.DumpStacks(false))
		if err != nil {
			panic(err)
		}
		return d
	}))
	if err != nil {
		t.Fatal(err)
	}
	if td := find(d, jh.ID()); td == nil || td.Status != weft.TaskQueued {
		t.Fatalf("remote task in a dump from the driver: %+v, want queued", td)
	}
}

// A dump waits for a driver stuck in a poll until its context ends, and
// then names the runtime's tasks as left out.
func TestDumpOfACurrentThreadRuntimeStuckInAPollIsIncomplete(t *testing.T) {
	rt := startRuntime(t, weft.WithCurrentThread())
	inPoll, release := make(chan struct{}), make(chan struct{})
	jh := weft.Spawn(rt, fn[int](func(*future.Context) int {
		close(inPoll)
		<-release // blocks the driver: bad practice, which a dump cannot see into
		return 0
	}))
	<-inPoll
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	d, err := rt.Dump(ctx)
	close(release)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Dump: %v, want the context's deadline", err)
	}
	if len(d.Incomplete) != 1 || !strings.HasPrefix(d.Incomplete[0], "tasks: ") {
		t.Fatalf("Incomplete %q, want the runtime's tasks named", d.Incomplete)
	}
	if _, err := jh.BlockingJoin(context.Background()); err != nil {
		t.Fatal(err)
	}
}

package weft_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/mpsc"
	"github.com/weftrt/weft/task"
)

// driveCurrentThread keeps a current-thread runtime running (inside BlockOn
// on its own goroutine) until the test ends, so that a dump taken from the
// test goroutine sees its tasks run and go idle, as it would in a program
// whose main goroutine sits in BlockOn.
func driveCurrentThread(t *testing.T, rt *weft.Runtime) {
	t.Helper()
	stop := &gate{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = weft.BlockOn(context.Background(), rt, stop)
	}()
	t.Cleanup(func() {
		stop.Open()
		<-done
	})
}

// startRuntime returns a runtime of the flavor the options select, running.
func startRuntime(t *testing.T, opts ...weft.Option) *weft.Runtime {
	t.Helper()
	rt := newRuntime(t, opts...)
	if rt.Handle().Flavor() == weft.CurrentThread {
		driveCurrentThread(t, rt)
	}
	return rt
}

// dumpUntil dumps rt until ok accepts the dump, and returns that dump. It
// fails the test if that takes more than ten seconds (it should take a few
// scheduler rounds).
func dumpUntil(t *testing.T, rt *weft.Runtime, ok func(*weft.Dump) bool) *weft.Dump {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := rt.Dump(context.Background())
		if err != nil {
			t.Fatalf("Dump: %v", err)
		}
		if ok(d) {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dump never reached the expected state; last dump:\n%s", d)
		}
		runtime.Gosched()
	}
}

// find returns the task with the given ID in d, or nil.
func find(d *weft.Dump, id task.ID) *weft.TaskDump {
	for i := range d.Tasks {
		if d.Tasks[i].ID == id {
			return &d.Tasks[i]
		}
	}
	return nil
}

func idleIn(id task.ID) func(*weft.Dump) bool {
	return func(d *weft.Dump) bool {
		td := find(d, id)
		return td != nil && td.Status == weft.TaskIdle
	}
}

func TestDumpShowsWhereAnIdleTaskWaits(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := startRuntime(t, append(opts, weft.WithSpawnSites(true), weft.WithTaskStats(true))...)
		tx, rx := mpsc.New[int](1)
		defer tx.Close()
		_, _, spawnLine, _ := runtime.Caller(0)
		jh := weft.Spawn(rt, future.Select2(weft.Sleep(time.Hour), rx.Recv()))
		defer jh.Abort()
		d := dumpUntil(t, rt, idleIn(jh.ID()))
		td := find(d, jh.ID())
		line := td.Trace.String()
		if !regexp.MustCompile(`^Select\{Sleep\((59m[0-9.]+s|1h0m0s) left\), mpsc\.Recv\}$`).MatchString(line) {
			t.Errorf("trace = %q, want Select{Sleep(59m…s left), mpsc.Recv}", line)
		}
		if want := rt.Handle().Flavor().String(); td.Scheduler != want {
			t.Errorf("scheduler = %q, want %q", td.Scheduler, want)
		}
		if td.State.IsRunning() || td.State.IsComplete() || td.State.IsNotified() || !td.State.IsJoinInterested() {
			t.Errorf("state %v for an idle task with a live handle", td.State)
		}
		if !strings.HasSuffix(td.SpawnFile, "dump_test.go") || td.SpawnLine != spawnLine+1 ||
			!strings.HasSuffix(td.SpawnFunc, "TestDumpShowsWhereAnIdleTaskWaits.func1") {
			t.Errorf("spawn site %s %s:%d, want this test at line %d", td.SpawnFunc, td.SpawnFile, td.SpawnLine, spawnLine+1)
		}
		if !td.HasStats || td.Polls < 1 || td.Age <= 0 || td.SinceLastPoll < 0 || td.SinceLastPoll > td.Age {
			t.Errorf("stats: has %v, polls %d, age %v, since last poll %v", td.HasStats, td.Polls, td.Age, td.SinceLastPoll)
		}
	})
}

func TestDumpLeavesOutWhatTheRuntimeDoesNotKeep(t *testing.T) {
	rt := startRuntime(t, weft.WithWorkers(1))
	jh := weft.Spawn(rt, future.Pending[int]())
	defer jh.Abort()
	d := dumpUntil(t, rt, idleIn(jh.ID()))
	td := find(d, jh.ID())
	if td.HasStats || td.Polls != 0 || td.Age != 0 || td.SpawnFunc != "" || td.SpawnLine != 0 {
		t.Errorf("a runtime without stats or spawn sites dumped %+v", *td)
	}
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"polls"`, `"spawn"`, `"age_ns"`, `"since_last_poll_ns"`} {
		if bytes.Contains(b, []byte(field)) {
			t.Errorf("JSON has %s without stats: %s", field, b)
		}
	}
	if td.Trace.String() != "Pending (never completes)" {
		t.Errorf("trace %q", td.Trace)
	}
}

// asyncDumpWaiter is a named function in an Async body, so that the dump's
// stack of the body can be recognised.
func asyncDumpWaiter(a *weft.A, n *weft.Notify) int {
	weft.Await(a, n.Notified())
	return 1
}

func TestDumpOfAnAsyncTaskHasTheBodysStack(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := startRuntime(t, opts...)
		n := weft.NewNotify()
		jh := weft.Spawn(rt, weft.Async(func(a *weft.A) int { return asyncDumpWaiter(a, n) }))
		d := dumpUntil(t, rt, func(d *weft.Dump) bool {
			td := find(d, jh.ID())
			return td != nil && td.Status == weft.TaskIdle && td.Trace.Label == "Async"
		})
		checkAsyncNode(t, find(d, jh.ID()).Trace)

		d, err := rt.Dump(context.Background(), weft.DumpStacks(false))
		if err != nil {
			t.Fatal(err)
		}
		if tr := find(d, jh.ID()).Trace; tr.Goroutine == 0 || tr.Stack != "" {
			t.Errorf("DumpStacks(false): goroutine %d, stack %q; want the ID and no stack", tr.Goroutine, tr.Stack)
		}
		n.NotifyOne()
		if v, err := jh.BlockingJoin(context.Background()); v != 1 || err != nil {
			t.Fatalf("Join = %v, %v: the dump disturbed the body", v, err)
		}
	})
}

func checkAsyncNode(t *testing.T, tr *future.TraceNode) {
	t.Helper()
	if len(tr.Children) != 1 || !strings.HasPrefix(tr.Children[0].Label, "Notify.Notified (waiting") {
		t.Errorf("Async node %q, want one child Notify.Notified (waiting…)", tr)
	}
	if tr.Goroutine == 0 {
		t.Fatal("the Async node names no goroutine")
	}
	head := fmt.Sprintf("goroutine %d [coroutine]", tr.Goroutine)
	if !strings.HasPrefix(tr.Stack, head) || !strings.Contains(tr.Stack, "asyncDumpWaiter") || !strings.Contains(tr.Stack, "weft.Await") {
		t.Errorf("stack of the body:\n%s\nwant %q with asyncDumpWaiter and weft.Await", tr.Stack, head)
	}
}

func TestDumpReportsARunningTaskWithoutTrace(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(2))
	inPoll, release := make(chan struct{}), make(chan struct{})
	jh := weft.Spawn(rt, fn[int](func(*future.Context) int {
		close(inPoll)
		<-release // a poll that blocks its worker: bad practice, visible in dumps
		return 0
	}))
	<-inPoll
	d, err := rt.Dump(context.Background())
	close(release)
	if err != nil {
		t.Fatal(err)
	}
	td := find(d, jh.ID())
	if td == nil || td.Status != weft.TaskRunning || td.Trace != nil || !td.State.IsRunning() {
		t.Fatalf("blocked task in the dump: %+v", td)
	}
	if _, err := jh.BlockingJoin(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestDumpFromInsideATaskShowsThatTaskRunning(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := startRuntime(t, opts...)
		other := weft.Spawn(rt, future.Pending[int]())
		defer other.Abort()
		dumpUntil(t, rt, idleIn(other.ID()))
		jh := weft.Spawn(rt, fn[*weft.Dump](func(cx *future.Context) *weft.Dump {
			d, err := cx.Executor().(*weft.Handle).Dump(context.Background())
			if err != nil {
				panic(err)
			}
			return d
		}))
		d, err := jh.BlockingJoin(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if td := find(d, jh.ID()); td == nil || td.Status != weft.TaskRunning {
			t.Errorf("the dumping task: %+v, want running", td)
		}
		if td := find(d, other.ID()); td == nil || td.Status != weft.TaskIdle {
			t.Errorf("the other task: %+v, want idle", td)
		}
	})
}

func TestDumpOfAnUndrivenCurrentThreadRuntimeShowsQueuedTasks(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread())
	jh := weft.Spawn(rt, future.Pending[int]())
	defer jh.Detach()
	d, err := rt.Dump(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if td := find(d, jh.ID()); td == nil || td.Status != weft.TaskQueued || td.Trace != nil {
		t.Fatalf("task spawned on a runtime nobody drives: %+v, want queued", td)
	}
}

func TestDumpIncludesLocalSetTasks(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(1), weft.WithTaskStats(true))
	ls := weft.NewLocalSet(rt)
	defer ls.Close()
	n := weft.NewNotify()
	started := make(chan struct{})
	// An Async body: its stack must be found on the set's thread.
	idle := weft.SpawnLocal(ls, weft.Async(func(a *weft.A) int {
		close(started)
		return asyncDumpWaiter(a, n)
	}))
	<-started
	// Spawned from here: bound by the set's goroutine, then idle.
	other := weft.SpawnLocal(ls, future.Pending[int]())
	d := dumpUntil(t, rt, func(d *weft.Dump) bool {
		a, p := find(d, idle.ID()), find(d, other.ID())
		return a != nil && a.Status == weft.TaskIdle && a.Trace.Label == "Async" && p != nil && p.Status == weft.TaskIdle
	})
	a := find(d, idle.ID())
	if a == nil || !strings.HasPrefix(a.Scheduler, "local-set ") || !a.HasStats || a.Polls == 0 {
		t.Fatalf("local task in the dump: %+v", a)
	}
	checkAsyncNode(t, a.Trace)
	if p := find(d, other.ID()); p == nil || p.Scheduler != a.Scheduler {
		t.Fatalf("the other local task: %+v", p)
	}
	n.NotifyOne()
	other.Abort()
	if v, err := idle.BlockingJoin(context.Background()); v != 1 || err != nil {
		t.Fatalf("Join = %v, %v", v, err)
	}
	if _, err := other.BlockingJoin(context.Background()); err == nil {
		t.Fatal("aborted task completed")
	}
}

func TestDumpNamesALocalSetWhoseDriverDoesNotAnswer(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(1))
	ls := weft.NewLocalSet(rt)
	defer ls.Close()
	inPoll, release := make(chan struct{}), make(chan struct{})
	weft.SpawnLocal(ls, fn[int](func(*future.Context) int {
		close(inPoll)
		<-release // blocks the set's goroutine
		return 0
	})).Detach()
	<-inPoll
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	d, err := rt.Dump(ctx)
	close(release)
	if !errors.Is(err, context.DeadlineExceeded) || d == nil {
		t.Fatalf("Dump = %v, %v; want the partial dump and the deadline", d, err)
	}
	if len(d.Incomplete) != 1 || !strings.HasPrefix(d.Incomplete[0], "local-set ") || !strings.Contains(d.Incomplete[0], "deadline") {
		t.Fatalf("Incomplete = %q", d.Incomplete)
	}
	if !strings.Contains(d.String(), "incomplete: local-set") {
		t.Errorf("text form does not say the dump is incomplete:\n%s", d)
	}
	// The driver answers the abandoned request and carries on.
	d = dumpUntil(t, rt, func(d *weft.Dump) bool { return len(d.Incomplete) == 0 })
	if len(d.Tasks) != 0 {
		t.Errorf("tasks left: %s", d)
	}
}

func TestDumpWithADoneContext(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if d, err := rt.Dump(ctx); d != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("Dump = %v, %v", d, err)
	}
}

func TestDumpTextAndJSON(t *testing.T) {
	rt := startRuntime(t, weft.WithWorkers(1), weft.WithSpawnSites(true), weft.WithTaskStats(true))
	n := weft.NewNotify()
	jh := weft.Spawn(rt, weft.Timeout(time.Hour, weft.Async(func(a *weft.A) int { return asyncDumpWaiter(a, n) })))
	defer jh.Abort()
	d := dumpUntil(t, rt, func(d *weft.Dump) bool {
		td := find(d, jh.ID())
		return td != nil && td.Status == weft.TaskIdle && strings.Contains(td.Trace.String(), "Async{")
	})
	text := d.String()
	for _, want := range []string{
		"weft task dump: 1 tasks, multi-thread runtime, at ",
		"\ntask " + jh.ID().String() + " [idle, ",
		" poll",
		"] multi-thread:\nstate JOIN_INTEREST",
		"\nTimeout(",
		"\n    Async\n      | goroutine ",
		"asyncDumpWaiter",
		"\n        Notify.Notified (waiting, 0 ahead)\n",
		"\nspawned by github.com/weftrt/weft_test.TestDumpTextAndJSON\n    ",
		"dump_test.go:",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text dump lacks %q:\n%s", want, text)
		}
	}

	var buf bytes.Buffer
	if err := d.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Time   time.Time `json:"time"`
		Flavor string    `json:"flavor"`
		Tasks  []struct {
			ID        uint64 `json:"id"`
			Scheduler string `json:"scheduler"`
			Status    string `json:"status"`
			State     string `json:"state"`
			Refs      uint64 `json:"refs"`
			Spawn     *struct {
				Function string `json:"function"`
				File     string `json:"file"`
				Line     int    `json:"line"`
			} `json:"spawn"`
			Polls     *uint64           `json:"polls"`
			AgeNs     *int64            `json:"age_ns"`
			Trace     *future.TraceNode `json:"trace"`
			TraceLine string            `json:"trace_line"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, buf.Bytes())
	}
	if got.Flavor != "multi-thread" || len(got.Tasks) != 1 || !got.Time.Equal(d.Time) {
		t.Fatalf("JSON dump: %+v", got)
	}
	tj := got.Tasks[0]
	if tj.ID != uint64(jh.ID()) || tj.Status != "idle" || tj.Scheduler != "multi-thread" || !strings.HasPrefix(tj.State, "JOIN_INTEREST") ||
		tj.Refs == 0 || tj.Spawn == nil || tj.Spawn.Line == 0 || tj.Polls == nil || *tj.Polls == 0 || tj.AgeNs == nil {
		t.Errorf("JSON task: %+v", tj)
	}
	if tj.Trace == nil || !strings.HasPrefix(tj.Trace.Label, "Timeout(") || tj.TraceLine != find(d, jh.ID()).Trace.String() {
		t.Errorf("JSON trace %+v, line %q", tj.Trace, tj.TraceLine)
	}
	if s := tj.Trace.Children[0]; s.Goroutine == 0 || !strings.Contains(s.Stack, "asyncDumpWaiter") {
		t.Errorf("JSON Async node has goroutine %d and stack %q", s.Goroutine, s.Stack)
	}
}

func TestTaskStatusNames(t *testing.T) {
	for s, want := range map[weft.TaskStatus]string{
		weft.TaskIdle: "idle", weft.TaskQueued: "queued", weft.TaskRunning: "running",
		weft.TaskFinished: "finished", weft.TaskStatus(9): "TaskStatus(9)",
	} {
		if s.String() != want {
			t.Errorf("%d.String() = %q, want %q", s, s, want)
		}
	}
}

// TestDumpRacingShutdown takes dumps while the runtime and its LocalSets shut
// down: no dump may hang, each returns a list of live tasks, every task ends
// with its output or a cancellation, and dumps after the shutdown are empty.
func TestDumpRacingShutdown(t *testing.T) {
	rounds := 20
	if testing.Short() {
		rounds = 5
	}
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		for range rounds {
			rt, err := weft.New(append(opts, weft.WithTaskStats(true))...)
			if err != nil {
				t.Fatal(err)
			}
			ct := rt.Handle().Flavor() == weft.CurrentThread
			var driving sync.WaitGroup
			stopDrive := &gate{}
			if ct {
				driving.Go(func() { _, _ = weft.BlockOn(context.Background(), rt, stopDrive) })
			}
			ls := weft.NewLocalSet(rt)
			var hs []*task.JoinHandle[int]
			for i := range 30 {
				switch i % 3 {
				case 0:
					hs = append(hs, weft.Spawn(rt, future.Pending[int]()))
				case 1:
					hs = append(hs, weft.Spawn(rt, &yielder{n: 50, v: 1}))
				default:
					hs = append(hs, weft.SpawnLocal(ls, future.Pending[int]()))
				}
			}
			var dumps sync.WaitGroup
			var afterClose atomic.Bool
			for range 2 {
				dumps.Go(func() {
					for {
						closed := afterClose.Load()
						d, err := rt.Dump(context.Background())
						if err != nil {
							t.Errorf("Dump: %v", err)
							return
						}
						if closed {
							if len(d.Tasks) != 0 {
								t.Errorf("dump after shutdown has %d tasks:\n%s", len(d.Tasks), d)
							}
							return
						}
					}
				})
			}
			if err := rt.Close(); err != nil {
				t.Fatal(err)
			}
			afterClose.Store(true)
			dumps.Wait()
			stopDrive.Open()
			driving.Wait()
			for i, h := range hs {
				v, err := h.BlockingJoin(context.Background())
				var je *task.JoinError
				if !(err == nil && v == 1) && !(errors.As(err, &je) && je.IsCancelled()) {
					t.Fatalf("task %d: Join = %v, %v", i, v, err)
				}
			}
		}
	})
}

// TestDumpDoesNotTear dumps repeatedly while tasks are spawned, woken,
// aborted and finished on every side. Every task a dump lists was spawned,
// no task is listed twice, and the tasks that live throughout appear in every
// dump, never as finished.
func TestDumpDoesNotTear(t *testing.T) {
	spawners, perSpawner := 4, 300
	if testing.Short() {
		perSpawner = 60
	}
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := startRuntime(t, append(opts, weft.WithTaskStats(true))...)
		ls := weft.NewLocalSet(rt)
		defer ls.Close()

		// Long-lived tasks, one of each kind, spawned before any dump.
		n := weft.NewNotify()
		longLived := []*task.JoinHandle[int]{
			weft.Spawn(rt, weft.Async(func(a *weft.A) int { return asyncDumpWaiter(a, n) })),
			weft.SpawnLocal(ls, future.Pending[int]()),
		}
		if rt.Handle().Flavor() == weft.MultiThread {
			// Always queued or running. (On a current-thread runtime it
			// would keep the driving goroutine busy, and Go's scheduler
			// would let the goroutines it wakes wait for a preemption,
			// ~10 ms each.)
			longLived = append(longLived, weft.Spawn(rt, &yielder{n: 1 << 30}))
		}
		var spawnedMu sync.Mutex
		spawned := map[task.ID]bool{}
		for _, h := range longLived {
			spawned[h.ID()] = true
		}

		var stop atomic.Bool
		var dumps atomic.Int64
		var dumper sync.WaitGroup
		var seenByDumps sync.Map // task.ID -> struct{}
		dumper.Go(func() {
			for !stop.Load() || dumps.Load() < 3 {
				d, err := rt.Dump(context.Background(), weft.DumpStacks(dumps.Load()%8 == 0))
				if err != nil {
					t.Errorf("Dump: %v", err)
					return
				}
				dumps.Add(1)
				ids := map[task.ID]bool{}
				for _, td := range d.Tasks {
					if ids[td.ID] {
						t.Errorf("task %v listed twice", td.ID)
					}
					ids[td.ID] = true
					seenByDumps.Store(td.ID, struct{}{})
					if td.Status == weft.TaskIdle && td.Trace == nil && !strings.HasPrefix(td.Scheduler, "local-set") {
						t.Errorf("idle task %v without a trace", td.ID)
					}
					if td.Status != weft.TaskFinished && td.State.IsComplete() {
						t.Errorf("task %v is %v with state %v", td.ID, td.Status, td.State)
					}
				}
				for _, h := range longLived {
					td := find(d, h.ID())
					if td == nil {
						t.Errorf("long-lived task %v missing from a dump", h.ID())
						continue
					}
					if td.Status == weft.TaskFinished || td.State.IsComplete() || td.State.IsCancelled() {
						t.Errorf("long-lived task %v dumped as %v, %v", h.ID(), td.Status, td.State)
					}
				}
			}
		})

		var wg sync.WaitGroup
		for s := range spawners {
			wg.Go(func() {
				for i := range perSpawner {
					var jh *task.JoinHandle[int]
					switch i % 4 {
					case 0:
						jh = weft.Spawn(rt, &yielder{n: i % 7, v: 1})
					case 1:
						jh = weft.Spawn(rt, weft.Async(func(a *weft.A) int {
							weft.Await(a, weft.YieldNow())
							return 1
						}))
					case 2:
						jh = weft.SpawnLocal(ls, &yielder{n: 2, v: 1})
					default:
						jh = weft.Spawn(rt, future.Pending[int]())
						jh.Abort()
					}
					spawnedMu.Lock()
					spawned[jh.ID()] = true
					spawnedMu.Unlock()
					v, err := jh.BlockingJoin(context.Background())
					var je *task.JoinError
					if !(err == nil && v == 1) && !(errors.As(err, &je) && je.IsCancelled()) {
						t.Errorf("spawner %d task %d: Join = %v, %v", s, i, v, err)
					}
				}
			})
		}
		wg.Wait()
		stop.Store(true)
		dumper.Wait()
		seenByDumps.Range(func(k, _ any) bool {
			if !spawned[k.(task.ID)] {
				t.Errorf("dumped task %v was never spawned", k)
			}
			return true
		})
		n.NotifyOne()
		for _, h := range longLived {
			h.Abort()
		}
		t.Logf("%d dumps", dumps.Load())
	})
}

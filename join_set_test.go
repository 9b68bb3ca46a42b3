package weft_test

// Tests of JoinSet. The cases of tokio's tests/task_join_set.rs are ported
// without real time: where tokio sleeps i seconds to order completions, these
// tests open gates in a chosen order.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/mocktask"
	"github.com/weftrt/weft/task"
)

// gated outputs v once its gate opens; its Drop is counted by the gate.
type gated struct {
	g *gate
	v int
}

func (f *gated) Poll(cx *future.Context) (int, bool) {
	if _, ok := f.g.Poll(cx); !ok {
		return 0, false
	}
	return f.v, true
}

func (f *gated) Drop() { f.g.Drop() }

// until is a future that yields until cond holds. On a current-thread
// runtime, awaiting it lets every other ready task run.
func until(cond func() bool) future.Future[struct{}] {
	return future.PollFunc(func(cx *future.Context) (struct{}, bool) {
		if cond() {
			return struct{}{}, true
		}
		cx.Waker().Wake()
		return struct{}{}, false
	})
}

// finished waits until n results of js are waiting to be joined.
func finished[T any](js *weft.JoinSet[T], n int) func() bool {
	return func() bool { return weft.JoinSetFinishedForTest(js) >= n }
}

// testCtx bounds a blocking wait so that a bug fails the test instead of
// hanging it.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// drainBlocking joins every task left in js from the test goroutine; the
// runtime must run the tasks by itself (multi-thread, or shut down).
func drainBlocking[T any](t *testing.T, js *weft.JoinSet[T]) []weft.JoinResult[T] {
	t.Helper()
	ctx := testCtx(t)
	var out []weft.JoinResult[T]
	for {
		id, v, err := js.BlockingJoinNext(ctx)
		if err == weft.ErrJoinSetEmpty {
			return out
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("BlockingJoinNext timed out with %d tasks left", js.Len())
		}
		out = append(out, weft.JoinResult[T]{ID: id, Value: v, Err: err})
	}
}

// drain joins every task left in js with BlockOn, which also drives a
// current-thread runtime.
func drain[T any](t *testing.T, rt *weft.Runtime, js *weft.JoinSet[T]) []weft.JoinResult[T] {
	t.Helper()
	var out []weft.JoinResult[T]
	for {
		r := blockJoinNext(t, rt, js)
		if r.Err == weft.ErrJoinSetEmpty {
			return out
		}
		out = append(out, r)
	}
}

// blockJoinNext awaits one JoinNext with BlockOn, which also drives a
// current-thread runtime.
func blockJoinNext[T any](t *testing.T, rt *weft.Runtime, js *weft.JoinSet[T]) weft.JoinResult[T] {
	t.Helper()
	r, err := weft.BlockOn(testCtx(t), rt, js.JoinNext())
	if err != nil {
		t.Fatalf("BlockOn(JoinNext): %v", err)
	}
	return r
}

// Reference: tokio tests/task_join_set.rs test_with_sleep (gates instead of
// sleeps). Len counts spawns, DetachAll empties the set, an empty set reports
// ErrJoinSetEmpty, and a set can be filled and drained again and again.
func TestJoinSetSpawnDetachAllAndRefill(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		var js weft.JoinSet[int] // the zero value is usable
		defer js.Close()
		for i := range 10 {
			weft.SpawnInto(&js, rt, future.Ready(i))
			if js.Len() != i+1 {
				t.Fatalf("Len %d after %d spawns", js.Len(), i+1)
			}
		}
		js.DetachAll()
		if js.Len() != 0 || !js.IsEmpty() {
			t.Fatalf("Len %d after DetachAll", js.Len())
		}
		if r := blockJoinNext(t, rt, &js); r.Err != weft.ErrJoinSetEmpty || r.ID != 0 {
			t.Fatalf("JoinNext on an empty set: %+v", r)
		}
		for round := range 2 {
			gates := make([]*gate, 10)
			for i := range gates {
				gates[i] = &gate{}
				weft.SpawnInto(&js, rt, &gated{g: gates[i], v: i})
			}
			for _, i := range []int{3, 9, 0, 4, 1, 8, 2, 7, 6, 5} {
				gates[i].Open()
			}
			seen := make([]int, 10)
			for range 10 {
				r := blockJoinNext(t, rt, &js)
				if r.Err != nil {
					t.Fatalf("round %d: %v", round, r.Err)
				}
				seen[r.Value]++
			}
			for i, n := range seen {
				if n != 1 {
					t.Fatalf("round %d: task %d reported %d times", round, i, n)
				}
			}
			if r := blockJoinNext(t, rt, &js); r.Err != weft.ErrJoinSetEmpty {
				t.Fatalf("round %d: JoinNext after draining: %+v", round, r)
			}
		}
	})
}

// On a current-thread runtime the order of completions is deterministic, and
// JoinNext must report exactly that order (a JoinSet is a completion queue,
// not a spawn-order queue).
func TestJoinSetJoinOrderIsCompletionOrder(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread())
	perm := []int{7, 2, 9, 0, 5, 3, 8, 1, 6, 4}
	js := weft.NewJoinSet[int]()
	defer js.Close()
	gates := make([]*gate, len(perm))
	step := 0
	var order []int
	var next *weft.JoinNextFuture[int]
	driver := future.PollFunc(func(cx *future.Context) ([]int, bool) {
		switch step {
		case 0:
			for i := range gates {
				gates[i] = &gate{}
				weft.SpawnInto(js, cx, &gated{g: gates[i], v: i})
			}
			step = 1
			cx.Waker().Wake() // let every task reach its gate first
			return nil, false
		case 1:
			// Completion order is the order the gates open in: the tasks
			// are queued in wake order and run one after the other.
			for _, i := range perm {
				gates[i].Open()
			}
			step = 2
			next = js.JoinNext()
		}
		for {
			r, ok := next.Poll(cx)
			if !ok {
				return nil, false
			}
			if r.Err == weft.ErrJoinSetEmpty {
				return order, true
			}
			if r.Err != nil {
				t.Errorf("task failed: %v", r.Err)
			}
			order = append(order, r.Value)
			next.Reset(js)
		}
	})
	got, err := weft.BlockOn(testCtx(t), rt, weft.Spawn(rt, driver))
	if err != nil || got.Err != nil {
		t.Fatal(err, got.Err)
	}
	if !slices.Equal(got.Value, perm) {
		t.Fatalf("join order %v, completion order %v", got.Value, perm)
	}
}

// Reference: tokio tests/task_join_set.rs alternating.
func TestJoinSetAlternatingSpawnAndJoin(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		js := weft.NewJoinSet[int]()
		defer js.Close()
		weft.SpawnInto(js, rt, future.Ready(0))
		weft.SpawnInto(js, rt, future.Ready(0))
		for i := range 16 {
			if r := blockJoinNext(t, rt, js); r.Err != nil {
				t.Fatalf("round %d: %v", i, r.Err)
			}
			if js.Len() != 1 {
				t.Fatalf("round %d: Len %d after join, want 1", i, js.Len())
			}
			weft.SpawnInto(js, rt, future.Ready(0))
			if js.Len() != 2 {
				t.Fatalf("round %d: Len %d after spawn, want 2", i, js.Len())
			}
		}
	})
}

// Reference: tokio tests/task_join_set.rs abort_tasks. Aborting through the
// AbortHandle that SpawnInto returns makes exactly those tasks report a
// cancellation; the others report their output.
func TestJoinSetAbortHandlesCancelOnlyTheirTasks(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		js := weft.NewJoinSet[int]()
		defer js.Close()
		gates := make([]*gate, 16)
		ids := map[task.ID]int{}
		for i := range gates {
			gates[i] = &gate{}
			ah := weft.SpawnInto(js, rt, &gated{g: gates[i], v: i})
			ids[ah.ID()] = i
			if i%2 != 0 {
				ah.Abort()
			} else {
				gates[i].Open()
			}
		}
		var completed, cancelled int
		for _, r := range drain(t, rt, js) {
			i, ok := ids[r.ID]
			if !ok {
				t.Fatalf("result for unknown task %v", r.ID)
			}
			switch {
			case r.Err == nil:
				completed++
				if r.Value != i || i%2 != 0 {
					t.Fatalf("task %d output %d", i, r.Value)
				}
			case errors.Is(r.Err, task.ErrCancelled):
				cancelled++
				if i%2 == 0 {
					t.Fatalf("task %d cancelled, it was not aborted", i)
				}
			default:
				t.Fatalf("task %d: %v", i, r.Err)
			}
		}
		if completed != 8 || cancelled != 8 {
			t.Fatalf("%d completed, %d cancelled; want 8 and 8", completed, cancelled)
		}
	})
}

// Reference: tokio tests/task_join_set.rs runtime_gone. The tasks of a
// runtime that shut down are reported as cancelled by a JoinNext driven on
// another runtime.
func TestJoinSetJoinNextAfterRuntimeGoneReportsCancelled(t *testing.T) {
	js := weft.NewJoinSet[int]()
	defer js.Close()
	rt1 := newRuntime(t, weft.WithCurrentThread())
	weft.SpawnInto(js, rt1, future.Ready(1))
	if err := rt1.Close(); err != nil {
		t.Fatal(err)
	}
	rt2 := newRuntime(t, weft.WithCurrentThread())
	r := blockJoinNext(t, rt2, js)
	if !errors.Is(r.Err, task.ErrCancelled) || !errors.Is(r.Err, weft.ErrRuntimeShutdown) {
		t.Fatalf("got %+v, want a cancellation caused by the shutdown", r)
	}
	var je *task.JoinError
	if !errors.As(r.Err, &je) || je.ID() != r.ID {
		t.Fatalf("JoinError %v does not carry the task's ID %v", r.Err, r.ID)
	}
}

// Shutting the runtime down makes every remaining entry report a
// cancellation (their futures dropped), and the set then reports empty.
func TestJoinSetRuntimeShutdownCancelsRemainingEntries(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		js := weft.NewJoinSet[int]()
		defer js.Close()
		gates := make([]*gate, 50)
		for i := range gates {
			gates[i] = &gate{}
			weft.SpawnInto(js, rt, &gated{g: gates[i], v: i})
		}
		if err := rt.Close(); err != nil {
			t.Fatal(err)
		}
		rs := drainBlocking(t, js)
		if len(rs) != len(gates) {
			t.Fatalf("%d results, want %d", len(rs), len(gates))
		}
		for _, r := range rs {
			if !errors.Is(r.Err, task.ErrCancelled) || !errors.Is(r.Err, weft.ErrRuntimeShutdown) {
				t.Fatalf("task %v: %v, want a cancellation by the shutdown", r.ID, r.Err)
			}
		}
		for i, g := range gates {
			if g.Dropped() != 1 {
				t.Fatalf("task %d: future dropped %d times", i, g.Dropped())
			}
		}
	})
}

// Reference: tokio tests/task_join_set.rs join_all. Outputs come in
// completion order.
func TestJoinSetJoinAllReturnsOutputsInCompletionOrder(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		js := weft.NewJoinSet[int]()
		defer js.Close()
		for i := range 5 {
			weft.SpawnInto(js, rt, future.Ready(i))
		}
		r, err := weft.BlockOn(testCtx(t), rt, js.JoinAll())
		if err != nil || r.Err != nil {
			t.Fatal(err, r.Err)
		}
		got := slices.Clone(r.Value)
		if rt.Handle().Flavor() == weft.CurrentThread && !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
			// Current-thread runs the tasks in spawn order, so they
			// complete in that order.
			t.Fatalf("outputs %v, want spawn order on a current-thread runtime", got)
		}
		slices.Sort(got)
		if !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
			t.Fatalf("outputs %v", r.Value)
		}
		if !js.IsEmpty() {
			t.Fatalf("Len %d after JoinAll", js.Len())
		}
		// An empty set joins to nothing.
		r, err = weft.BlockOn(testCtx(t), rt, js.JoinAll())
		if err != nil || r.Err != nil || len(r.Value) != 0 {
			t.Fatalf("JoinAll of an empty set: %+v %v", r, err)
		}
	})
}

// Reference: tokio tests/task_join_set.rs task_panics, with weft's error
// policy: the first failure aborts the rest, JoinAll waits for them, and the
// panic comes back as an error instead of being re-raised.
func TestJoinSetJoinAllStopsAtFirstFailureAndAbortsTheRest(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		js := weft.NewJoinSet[int]()
		defer js.Close()
		done := weft.SpawnInto(js, rt, future.Ready(7))
		// The panicking task waits for the first one to finish, so the
		// outputs collected before the failure are known.
		weft.SpawnInto(js, rt, future.PollFunc(func(cx *future.Context) (int, bool) {
			if !done.IsFinished() {
				cx.Waker().Wake()
				return 0, false
			}
			panic("boom")
		}))
		slow := make([]*gate, 3)
		for i := range slow {
			slow[i] = &gate{}
			weft.SpawnInto(js, rt, &gated{g: slow[i], v: 100 + i})
		}
		r, err := weft.BlockOn(testCtx(t), rt, js.JoinAll())
		if err != nil {
			t.Fatal(err)
		}
		var je *task.JoinError
		if !errors.As(r.Err, &je) || !je.IsPanic() || je.PanicValue() != "boom" {
			t.Fatalf("err %v, want the task's panic", r.Err)
		}
		if !slices.Equal(r.Value, []int{7}) {
			t.Fatalf("outputs %v, want [7]", r.Value)
		}
		if !js.IsEmpty() {
			t.Fatalf("Len %d after JoinAll", js.Len())
		}
		for i, g := range slow {
			if g.Dropped() != 1 {
				t.Fatalf("slow task %d: future dropped %d times, want aborted before JoinAll returns", i, g.Dropped())
			}
		}
	})
}

// Reference: tokio tests/task_join_set.rs abort_all. Aborted tasks stay in
// the set until joined; finished tasks report their output, the others a
// cancellation.
func TestJoinSetAbortAllKeepsTasksUntilJoined(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		js := weft.NewJoinSet[int]()
		defer js.Close()
		pending := make([]*gate, 5)
		for i := range pending {
			pending[i] = &gate{}
			weft.SpawnInto(js, rt, &gated{g: pending[i], v: i})
		}
		var ready []task.AbortHandle
		for i := range 5 {
			ready = append(ready, weft.SpawnInto(js, rt, future.Ready(10+i)))
		}
		// Let the five ready tasks finish (a current-thread runtime runs
		// them only inside BlockOn).
		weft.BlockOn(testCtx(t), rt, until(func() bool {
			for _, ah := range ready {
				if !ah.IsFinished() {
					return false
				}
			}
			return true
		}))
		js.AbortAll()
		if js.Len() != 10 {
			t.Fatalf("Len %d after AbortAll, want 10", js.Len())
		}
		var outputs, cancelled int
		for {
			r := blockJoinNext(t, rt, js)
			if r.Err == weft.ErrJoinSetEmpty {
				break
			}
			switch {
			case r.Err == nil:
				outputs++
				if r.Value < 10 {
					t.Fatalf("a pending task returned %d", r.Value)
				}
			case errors.Is(r.Err, task.ErrCancelled):
				cancelled++
			default:
				t.Fatal(r.Err)
			}
		}
		if outputs != 5 || cancelled != 5 {
			t.Fatalf("%d outputs, %d cancelled; want 5 and 5", outputs, cancelled)
		}
		if !js.IsEmpty() {
			t.Fatalf("Len %d", js.Len())
		}
		for i, g := range pending {
			if g.Dropped() != 1 {
				t.Fatalf("pending task %d dropped %d times", i, g.Dropped())
			}
		}
	})
}

// Reference: tokio tests/task_join_set.rs join_set_coop. JoinNext spends one
// unit of coop budget per result: with more finished tasks than a poll's
// budget, a JoinNext polled once must at some point report pending (and wake
// its task, so that the loop goes on after a yield), and no result is lost.
func TestJoinSetJoinNextYieldsWhenCoopBudgetIsSpent(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread())
	const n = 1000
	js := weft.NewJoinSet[int]()
	defer js.Close()
	var finished atomic.Int32
	for range n {
		weft.SpawnInto(js, rt, fn[int](func(*future.Context) int { finished.Add(1); return 1 }))
	}
	if _, err := weft.BlockOn(testCtx(t), rt, until(func() bool { return finished.Load() == n })); err != nil {
		t.Fatal(err)
	}
	var count, coop int
	yielded := false
	driver := future.PollFunc(func(cx *future.Context) (int, bool) {
		for {
			// now_or_never: poll a fresh JoinNext once.
			f := js.JoinNext()
			r, ok := f.Poll(cx)
			if !ok {
				f.Drop()
				if yielded {
					t.Errorf("JoinNext still pending after a yield")
				}
				coop++
				yielded = true
				return 0, false // JoinNext woke us: we run again after a yield
			}
			yielded = false
			if r.Err == weft.ErrJoinSetEmpty {
				return count, true
			}
			if r.Err != nil {
				t.Errorf("task failed: %v", r.Err)
			}
			count++
		}
	})
	got, err := weft.BlockOn(testCtx(t), rt, weft.Spawn(rt, driver))
	if err != nil || got.Err != nil {
		t.Fatal(err, got.Err)
	}
	if got.Value != n {
		t.Fatalf("joined %d tasks, want %d", got.Value, n)
	}
	if coop < n/future.DefaultBudget-1 {
		t.Fatalf("JoinNext yielded %d times for %d results; the budget was not consumed", coop, n)
	}
}

// The budget check in isolation: with the budget spent and a result waiting,
// PollJoinNext reports pending, wakes the task, counts a forced yield, and
// leaves the result in place for the next poll.
func TestJoinSetPollJoinNextWithSpentBudgetWakesAndKeepsResult(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(1))
	js := weft.NewJoinSet[int]()
	defer js.Close()
	ah := weft.SpawnInto(js, rt, future.Ready(5))
	weft.BlockOn(testCtx(t), rt, until(finished(js, 1)))
	mt := mocktask.Spawn(future.PollFunc(js.PollJoinNext))
	mt.SetBudget(0)
	if _, ok := mt.Poll(); ok {
		t.Fatal("PollJoinNext ready with a spent budget")
	}
	if !mt.IsWoken() || mt.Context().ForcedYields() != 1 {
		t.Fatalf("woken %v, forced yields %d; want a self-wake", mt.IsWoken(), mt.Context().ForcedYields())
	}
	if js.Len() != 1 || !strings.Contains(js.String(), "1 finished") {
		t.Fatalf("set after the forced yield: %s", js)
	}
	mt.SetBudget(1)
	r, ok := mt.Poll()
	if !ok || r.Err != nil || r.Value != 5 || r.ID != ah.ID() {
		t.Fatalf("got %+v %v", r, ok)
	}
	if b, _ := mt.Context().Budget(); b != 0 {
		t.Fatalf("budget %d after a result, want 0", b)
	}
}

// bcast is a gate that wakes every waiter (tokio's watch channel in the
// try_join_next test).
type bcast struct {
	mu     sync.Mutex
	open   bool
	wakers []future.Waker
}

func (b *bcast) wait() future.Future[int] {
	return future.PollFunc(func(cx *future.Context) (int, bool) {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.open {
			return 1, true
		}
		b.wakers = append(b.wakers, cx.Waker())
		return 0, false
	})
}

func (b *bcast) Open() {
	b.mu.Lock()
	b.open = true
	ws := b.wakers
	b.wakers = nil
	b.mu.Unlock()
	for _, w := range ws {
		w.Wake()
	}
}

// Reference: tokio tests/task_join_set.rs try_join_next and
// try_join_next_with_id. TryJoinNext finds nothing while every task waits,
// then returns every finished task exactly once, with the IDs SpawnInto
// handed out, even when the calling task's coop budget is spent.
func TestJoinSetTryJoinNextReturnsEveryFinishedTaskEvenWithoutBudget(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread())
	const n = 1000
	js := weft.NewJoinSet[int]()
	defer js.Close()
	b := &bcast{}
	spawned := map[task.ID]bool{}
	var handles []task.AbortHandle
	for range n {
		ah := weft.SpawnInto(js, rt, b.wait())
		spawned[ah.ID()] = true
		handles = append(handles, ah)
	}
	step := 0
	driver := future.PollFunc(func(cx *future.Context) (map[task.ID]bool, bool) {
		switch step {
		case 0:
			step = 1
			cx.Waker().Wake() // let every task start waiting
			return nil, false
		case 1:
			if _, _, err := js.TryJoinNext(); err != weft.ErrJoinSetNoneFinished {
				t.Errorf("TryJoinNext before any task finished = %v, want ErrJoinSetNoneFinished", err)
			}
			b.Open()
			step = 2
			fallthrough
		case 2:
			for _, ah := range handles {
				if !ah.IsFinished() {
					cx.Waker().Wake()
					return nil, false
				}
			}
		}
		// Spend this poll's budget: TryJoinNext must not care.
		for cx.HasBudget() {
			cx.ConsumeBudget()
		}
		joined := map[task.ID]bool{}
		for {
			id, v, err := js.TryJoinNext()
			if err == weft.ErrJoinSetEmpty || err == weft.ErrJoinSetNoneFinished {
				break
			}
			if err != nil || v != 1 || joined[id] {
				t.Errorf("bad result %v %v %v (joined before: %v)", id, v, err, joined[id])
			}
			joined[id] = true
		}
		return joined, true
	})
	got, err := weft.BlockOn(testCtx(t), rt, weft.Spawn(rt, driver))
	if err != nil || got.Err != nil {
		t.Fatal(err, got.Err)
	}
	if len(got.Value) != n {
		t.Fatalf("TryJoinNext returned %d tasks, want %d", len(got.Value), n)
	}
	for id := range got.Value {
		if !spawned[id] {
			t.Fatalf("unknown ID %v", id)
		}
	}
	if !js.IsEmpty() {
		t.Fatalf("Len %d", js.Len())
	}
}

// Insert adopts a task spawned elsewhere (tokio#5924): running, already
// finished, or (misuse) already detached.
func TestJoinSetInsertAdoptsSpawnedHandles(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		js := weft.NewJoinSet[int]()
		defer js.Close()

		g := &gate{}
		running := weft.Spawn(rt, &gated{g: g, v: 1})
		runningID := js.Insert(running).ID()
		if runningID != running.ID() {
			t.Fatalf("Insert returned the AbortHandle of task %v, want %v", runningID, running.ID())
		}

		finished := weft.Spawn(rt, future.Ready(2))
		weft.BlockOn(testCtx(t), rt, until(finished.IsFinished))
		js.Insert(finished)

		detached := weft.Spawn(rt, future.Ready(3))
		detached.Detach()
		js.Insert(detached)

		if js.Len() != 3 {
			t.Fatalf("Len %d, want 3", js.Len())
		}
		g.Open()
		got := map[task.ID]weft.JoinResult[int]{}
		for _, r := range drain(t, rt, js) {
			got[r.ID] = r
		}
		if r := got[running.ID()]; r.Err != nil || r.Value != 1 {
			t.Fatalf("running task: %+v", r)
		}
		if r := got[finished.ID()]; r.Err != nil || r.Value != 2 {
			t.Fatalf("finished task: %+v", r)
		}
		if r := got[detached.ID()]; !errors.Is(r.Err, task.ErrDetached) {
			t.Fatalf("detached handle: %+v, want ErrDetached", r)
		}
	})
}

func TestJoinSetNilArgumentsPanic(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread())
	for name, f := range map[string]func(){
		"SpawnInto with a nil *JoinSet": func() { weft.SpawnInto[future.ReadyFuture[int]](nil, rt, future.Ready(1)) },
		"Insert with a nil *JoinSet":    func() { (*weft.JoinSet[int])(nil).Insert(weft.Spawn(rt, future.Ready(1))) },
		"JoinSet.Insert of a nil":       func() { weft.NewJoinSet[int]().Insert(nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "weft: "+name) {
					t.Fatalf("recovered %v, want a panic starting with %q", r, "weft: "+name)
				}
			}()
			f()
		})
	}
}

// Reference: tokio tests/task_join_set.rs test_with_sleep's detach_all.
// Detached tasks run on to completion and are never reported.
func TestJoinSetDetachAllLetsTasksRunOn(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		js := weft.NewJoinSet[int]()
		defer js.Close()
		gates := make([]*gate, 8)
		var ran atomic.Int32
		for i := range gates {
			gates[i] = &gate{}
			g := gates[i]
			weft.SpawnInto(js, rt, future.Then[struct{}, int](g, func(struct{}) future.Future[int] {
				ran.Add(1)
				return future.Ready(0)
			}))
		}
		js.DetachAll()
		if !js.IsEmpty() {
			t.Fatalf("Len %d after DetachAll", js.Len())
		}
		for _, g := range gates {
			g.Open()
		}
		weft.BlockOn(testCtx(t), rt, until(func() bool { return ran.Load() == int32(len(gates)) }))
		if r := blockJoinNext(t, rt, js); r.Err != weft.ErrJoinSetEmpty {
			t.Fatalf("JoinNext after DetachAll: %+v", r)
		}
		for i, g := range gates {
			if g.Dropped() != 1 {
				t.Fatalf("task %d dropped %d times", i, g.Dropped())
			}
		}
	})
}

// Dropping a JoinNext that waits leaves the set usable: the dropped
// future's waker is forgotten (a later completion does not wake it), and a
// new JoinNext gets the result.
func TestJoinSetDroppingPendingJoinNextLeavesSetUsable(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		js := weft.NewJoinSet[int]()
		defer js.Close()
		g := &gate{}
		ah := weft.SpawnInto(js, rt, &gated{g: g, v: 42})

		mt := mocktask.Spawn[weft.JoinResult[int]](js.JoinNext())
		if _, ok := mt.Poll(); ok {
			t.Fatal("JoinNext ready before the task finished")
		}
		mt.Drop()
		if js.Len() != 1 {
			t.Fatalf("Len %d after dropping JoinNext", js.Len())
		}
		g.Open()
		r := blockJoinNext(t, rt, js)
		if r.Err != nil || r.Value != 42 || r.ID != ah.ID() {
			t.Fatalf("got %+v", r)
		}
		if mt.WakeCount() != 0 {
			t.Fatalf("the dropped JoinNext was woken %d times", mt.WakeCount())
		}
	})
}

// Close aborts every task (their futures' Drop runs), empties the set, and
// aborts what is spawned into it afterwards: the Drop-based cleanup of a
// tokio JoinSet, made explicit.
func TestJoinSetCloseAbortsTasksAndRunsTheirDrop(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		js := weft.NewJoinSet[int]()
		gates := make([]*gate, 16)
		hs := make([]task.AbortHandle, len(gates))
		for i := range gates {
			gates[i] = &gate{}
			hs[i] = weft.SpawnInto(js, rt, &gated{g: gates[i], v: i})
		}
		js.Close()
		js.Close() // idempotent
		if !js.IsEmpty() {
			t.Fatalf("Len %d after Close", js.Len())
		}
		// A cancelled task drops its future, then completes.
		if _, err := weft.BlockOn(testCtx(t), rt, until(func() bool {
			for _, h := range hs {
				if !h.IsFinished() {
					return false
				}
			}
			return true
		})); err != nil {
			t.Fatal(err)
		}
		for i, g := range gates {
			if g.Dropped() != 1 || !hs[i].IsFinished() {
				t.Fatalf("task %d: dropped %d times, finished %v", i, g.Dropped(), hs[i].IsFinished())
			}
		}
		// Spawning into a closed set aborts the task at once.
		late := &gate{}
		ah := weft.SpawnInto(js, rt, &gated{g: late, v: 99})
		if !js.IsEmpty() {
			t.Fatal("a closed set accepted a task")
		}
		if _, err := weft.BlockOn(testCtx(t), rt, until(func() bool { return late.Dropped() == 1 && ah.IsFinished() })); err != nil {
			t.Fatal(err)
		}
		if r := blockJoinNext(t, rt, js); r.Err != weft.ErrJoinSetEmpty {
			t.Fatalf("JoinNext on a closed set: %+v", r)
		}
	})
}

// Reference: tokio tests/task_join_set.rs test_abort_on_drop, with Close for
// the drop: tasks that never complete on their own are aborted.
func TestJoinSetShutdownAbortsAndWaitsForEveryTask(t *testing.T) {
	flavors(t, func(t *testing.T, opts ...weft.Option) {
		rt := newRuntime(t, opts...)
		js := weft.NewJoinSet[int]()
		defer js.Close()
		gates := make([]*gate, 16)
		for i := range gates {
			gates[i] = &gate{}
			weft.SpawnInto(js, rt, &gated{g: gates[i], v: i})
		}
		f := js.Shutdown()
		if s := f.String(); s != "JoinSet.Shutdown (16 tasks)" {
			t.Fatalf("String %q", s)
		}
		if _, err := weft.BlockOn(testCtx(t), rt, f); err != nil {
			t.Fatal(err)
		}
		if !js.IsEmpty() {
			t.Fatalf("Len %d after Shutdown", js.Len())
		}
		// Shutdown joined every task, and a task's completion (with the
		// Drop of its future) happens before its join returns.
		for i, g := range gates {
			if g.Dropped() != 1 {
				t.Fatalf("task %d dropped %d times", i, g.Dropped())
			}
		}
	})
}

// Reference: tokio tests/task_join_set.rs spawn_local::local_set and
// spawn_local_on::local_set. Tasks spawned onto a LocalSet through the set
// (from outside and from inside) are joined, and Shutdown inside a local task
// aborts local tasks that never finish.
func TestJoinSetSpawnLocalInto(t *testing.T) {
	rt := newRuntime(t)
	ls := weft.NewLocalSet(rt)
	defer ls.Close()

	t.Run("spawn from outside, join from a goroutine", func(t *testing.T) {
		const n = 8
		js := weft.NewJoinSet[int]()
		defer js.Close()
		for i := range n {
			weft.SpawnLocalInto(js, ls, future.Ready(i))
		}
		seen := make([]bool, n)
		for _, r := range drainBlocking(t, js) {
			if r.Err != nil || seen[r.Value] {
				t.Fatalf("bad result %+v", r)
			}
			seen[r.Value] = true
		}
		if slices.Contains(seen, false) {
			t.Fatalf("not every task was joined: %v", seen)
		}
	})

	t.Run("spawn and shut down inside a local task", func(t *testing.T) {
		const n = 8
		gates := make([]*gate, n)
		js := weft.NewJoinSet[int]()
		defer js.Close()
		var shutdown *weft.JoinSetShutdownFuture[int]
		driver := weft.SpawnLocal(ls, future.PollFunc(func(cx *future.Context) (bool, bool) {
			if shutdown == nil {
				for i := range gates {
					gates[i] = &gate{}
					weft.SpawnLocalInto(js, cx, &gated{g: gates[i], v: i})
				}
				if _, _, err := js.TryJoinNext(); err != weft.ErrJoinSetNoneFinished {
					t.Errorf("TryJoinNext before any task ran = %v, want ErrJoinSetNoneFinished", err)
				}
				shutdown = js.Shutdown()
			}
			if _, ok := shutdown.Poll(cx); !ok {
				return false, false
			}
			return js.IsEmpty(), true
		}))
		r, err := driver.BlockingJoin(testCtx(t))
		if err != nil || !r {
			t.Fatalf("driver: empty=%v err=%v", r, err)
		}
		for i, g := range gates {
			if g.Dropped() != 1 {
				t.Fatalf("local task %d dropped %d times", i, g.Dropped())
			}
		}
	})
}

// Consumer methods must not overlap: a second consumer inside the first one's
// call (here, a waker that PollJoinNext wakes synchronously when the budget
// is spent) panics instead of corrupting a JoinHandle.
func TestJoinSetOverlappingConsumersPanic(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(1))
	js := weft.NewJoinSet[int]()
	defer js.Close()
	weft.SpawnInto(js, rt, future.Ready(1))
	weft.BlockOn(testCtx(t), rt, until(finished(js, 1)))
	w := &reentrantWaker{js: js}
	cx := future.NewContext(future.NewWaker(w))
	futurecx.SetBudget(cx, 0)
	if _, ok := js.PollJoinNext(cx); ok {
		t.Fatal("ready with a spent budget")
	}
	if w.recovered == nil || !strings.Contains(fmt.Sprint(w.recovered), "two goroutines") {
		t.Fatalf("overlapping TryJoinNext: recovered %v, want a panic", w.recovered)
	}
	// The set is intact.
	if _, v, err := js.TryJoinNext(); err != nil || v != 1 {
		t.Fatalf("TryJoinNext after the misuse: %v %v", v, err)
	}
}

type reentrantWaker struct {
	js        *weft.JoinSet[int]
	recovered any
}

func (w *reentrantWaker) Wake(uint64) {
	defer func() { w.recovered = recover() }()
	w.js.TryJoinNext()
}

func TestJoinSetStringForTaskDumps(t *testing.T) {
	rt := newRuntime(t, weft.WithCurrentThread())
	js := weft.NewJoinSet[int]()
	defer js.Close()
	for range 5 {
		weft.SpawnInto(js, rt, future.Ready(1))
	}
	f := js.JoinNext()
	if s := f.String(); s != "JoinSet.JoinNext (5 tasks)" {
		t.Fatalf("String %q", s)
	}
	all := js.JoinAll()
	if s := all.String(); s != "JoinSet.JoinAll (5 tasks)" {
		t.Fatalf("String %q", s)
	}
	all.Drop()
	if _, err := weft.BlockOn(testCtx(t), rt, f); err != nil {
		t.Fatal(err)
	}
	if s := f.String(); s != "JoinSet.JoinNext (done)" {
		t.Fatalf("String after completion %q", s)
	}
	weft.BlockOn(testCtx(t), rt, until(finished(js, 4)))
	if s := js.String(); s != "JoinSet (4 tasks, 4 finished)" {
		t.Fatalf("String %q", s)
	}
}

// PollJoinNext and TryJoinNext never allocate: neither when a result is
// ready nor when they wait.
func TestJoinSetJoinDoesNotAllocate(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(1))
	const n = 200
	js := weft.NewJoinSet[int]()
	defer js.Close()
	for i := range n {
		weft.SpawnInto(js, rt, future.Ready(i))
	}
	weft.BlockOn(testCtx(t), rt, until(finished(js, n)))
	cx := future.NewContext(future.Noop())
	if a := testing.AllocsPerRun(50, func() {
		if _, ok := js.PollJoinNext(cx); !ok {
			t.Fatal("PollJoinNext pending with finished tasks")
		}
	}); a != 0 {
		t.Fatalf("PollJoinNext with a result: %v allocs", a)
	}
	if a := testing.AllocsPerRun(50, func() {
		if _, _, err := js.TryJoinNext(); err != nil {
			t.Fatal("TryJoinNext found nothing:", err)
		}
	}); a != 0 {
		t.Fatalf("TryJoinNext with a result: %v allocs", a)
	}
	js.Close()
	g := &gate{}
	js2 := weft.NewJoinSet[int]()
	defer js2.Close()
	weft.SpawnInto(js2, rt, &gated{g: g})
	if a := testing.AllocsPerRun(50, func() {
		if _, ok := js2.PollJoinNext(cx); ok {
			t.Fatal("PollJoinNext ready with nothing finished")
		}
	}); a != 0 {
		t.Fatalf("pending PollJoinNext: %v allocs", a)
	}
}

// stressJoin is one task of the stress test: it yields a few times and
// returns its index, or waits forever (until aborted).
type stressJoin struct {
	i, yields int
	forever   bool
	drops     *atomic.Int32
}

func (f *stressJoin) Poll(cx *future.Context) (int, bool) {
	if f.forever {
		return 0, false
	}
	if f.yields > 0 {
		f.yields--
		cx.Waker().Wake()
		return 0, false
	}
	return f.i, true
}

func (f *stressJoin) Drop() { f.drops.Add(1) }

// stressConsumer joins want results inside a task. It takes a permit before
// each JoinNext, so it never asks a set that is empty only because the
// producers are behind.
type stressConsumer struct {
	js      *weft.JoinSet[int]
	permits *weft.Semaphore
	want    int
	acq     *weft.SemaphoreAcquireFuture
	next    weft.JoinNextFuture[int]
	waiting bool
	got     []weft.JoinResult[int]
}

func (c *stressConsumer) Poll(cx *future.Context) ([]weft.JoinResult[int], bool) {
	for len(c.got) < c.want {
		if !c.waiting {
			if c.acq == nil {
				c.acq = c.permits.Acquire(1)
			}
			p, ok := c.acq.Poll(cx)
			if !ok {
				return nil, false
			}
			p.Value.Forget()
			c.acq.Drop()
			c.acq = nil
			c.next.Reset(c.js)
			c.waiting = true
		}
		r, ok := c.next.Poll(cx)
		if !ok {
			return nil, false
		}
		c.waiting = false
		c.got = append(c.got, r)
	}
	return c.got, true
}

// Many tasks completing at once on a multi-thread runtime while producers
// spawn into the set (SpawnInto and Insert), a consumer joins, and another
// goroutine aborts single tasks and calls AbortAll: every task is reported
// exactly once, with its own output or a cancellation, and every future is
// dropped exactly once.
func TestJoinSetStressConcurrentSpawnCompleteAbortJoin(t *testing.T) {
	for _, consumer := range []string{"goroutine", "task"} {
		t.Run(consumer, func(t *testing.T) {
			total := 100_000
			if testing.Short() {
				total = 10_000
			}
			const producers = 2
			rt := newRuntime(t, weft.WithWorkers(4))
			js := weft.NewJoinSet[int]()
			defer js.Close()
			drops := make([]atomic.Int32, total)
			idOf := make([]task.ID, total)
			tokens := make(chan struct{}, total)
			permits := weft.NewSemaphore(0)
			aborts := make(chan task.AbortHandle, total)

			var wg sync.WaitGroup
			for p := range producers {
				wg.Go(func() {
					for i := p; i < total; i += producers {
						f := &stressJoin{i: i, yields: i % 4, forever: i%10 == 0, drops: &drops[i]}
						var ah task.AbortHandle
						if i%3 == 0 {
							ah = js.Insert(weft.Spawn(rt, f))
						} else {
							ah = weft.SpawnInto(js, rt, f)
						}
						idOf[i] = ah.ID()
						if i%5 == 0 {
							aborts <- ah // every forever task is among them
						}
						tokens <- struct{}{}
						permits.AddPermits(1)
					}
				})
			}
			wg.Go(func() {
				n := 0
				for ah := range aborts {
					ah.Abort()
					if n++; n == total/20 {
						js.AbortAll() // racing the producers and the consumer
					}
				}
			})

			ctx := testCtx(t)
			var got []weft.JoinResult[int]
			if consumer == "goroutine" {
				for range total {
					select {
					case <-tokens:
					case <-ctx.Done():
						t.Fatal("producers stalled")
					}
					id, v, err := js.BlockingJoinNext(ctx)
					if errors.Is(err, context.DeadlineExceeded) {
						t.Fatalf("BlockingJoinNext timed out after %d results", len(got))
					}
					got = append(got, weft.JoinResult[int]{ID: id, Value: v, Err: err})
				}
			} else {
				c := &stressConsumer{js: js, permits: permits, want: total}
				r, err := weft.BlockOn(ctx, rt, weft.Spawn(rt, c))
				if err != nil || r.Err != nil {
					t.Fatal(err, r.Err)
				}
				got = r.Value
			}
			// Every token (or permit) was taken, so every producer has sent
			// its last abort: closing ends the aborter.
			close(aborts)
			wg.Wait()

			idx := make(map[task.ID]int, total)
			for i, id := range idOf {
				idx[id] = i
			}
			seen := make([]int, total)
			for _, r := range got {
				i, ok := idx[r.ID]
				if !ok {
					t.Fatalf("result for unknown task %v: %+v", r.ID, r)
				}
				seen[i]++
				switch {
				case r.Err == nil:
					if r.Value != i || i%10 == 0 {
						t.Fatalf("task %d output %d", i, r.Value)
					}
				case errors.Is(r.Err, task.ErrCancelled):
				default:
					t.Fatalf("task %d: %v", i, r.Err)
				}
			}
			for i, n := range seen {
				if n != 1 {
					t.Fatalf("task %d reported %d times", i, n)
				}
				if d := drops[i].Load(); d != 1 {
					t.Fatalf("task %d dropped %d times", i, d)
				}
			}
			if !js.IsEmpty() {
				t.Fatalf("Len %d after joining everything", js.Len())
			}
		})
	}
}

// BlockingJoinNext gives up with ctx.Err() when ctx ends first and leaves the
// set as it was.
func TestJoinSetBlockingJoinNextReturnsContextErrorAndKeepsSet(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(2))
	js := weft.NewJoinSet[int]()
	defer js.Close()
	g := &gate{}
	ah := weft.SpawnInto(js, rt, &gated{g: g, v: 3})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := js.BlockingJoinNext(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if js.Len() != 1 {
		t.Fatalf("Len %d after a cancelled wait", js.Len())
	}
	g.Open()
	id, v, err := js.BlockingJoinNext(testCtx(t))
	if err != nil || v != 3 || id != ah.ID() {
		t.Fatalf("got %v %d %v", id, v, err)
	}
}

// Dropping a pending JoinAll or Shutdown unregisters its waker and leaves
// the tasks it has not joined in the set (after Shutdown's first poll, they
// are aborted).
func TestJoinSetDroppingPendingJoinAllOrShutdownKeepsRemainingTasks(t *testing.T) {
	for _, name := range []string{"JoinAll", "Shutdown"} {
		t.Run(name, func(t *testing.T) {
			rt := newRuntime(t, weft.WithCurrentThread())
			js := weft.NewJoinSet[int]()
			defer js.Close()
			gates := make([]*gate, 4)
			for i := range gates {
				gates[i] = &gate{}
				weft.SpawnInto(js, rt, &gated{g: gates[i], v: i})
			}
			var f future.Future[struct{}]
			if name == "JoinAll" {
				f = future.Map(js.JoinAll(), func(future.Result[[]int]) struct{} { return struct{}{} })
			} else {
				f = js.Shutdown()
			}
			// The runtime is not driven, so nothing can finish.
			mt := mocktask.Spawn(f)
			if _, ok := mt.Poll(); ok {
				t.Fatalf("%s ready with unfinished tasks", name)
			}
			mt.Drop()
			if js.Len() != len(gates) {
				t.Fatalf("Len %d after dropping %s", js.Len(), name)
			}
			for _, g := range gates {
				g.Open()
			}
			rs := drain(t, rt, js)
			if len(rs) != len(gates) {
				t.Fatalf("%d results, want %d", len(rs), len(gates))
			}
			for _, r := range rs {
				cancelled := errors.Is(r.Err, task.ErrCancelled)
				if cancelled != (name == "Shutdown") {
					t.Fatalf("after dropping %s: %+v", name, r)
				}
			}
			if mt.WakeCount() != 0 {
				t.Fatalf("the dropped %s was woken %d times", name, mt.WakeCount())
			}
		})
	}
}

// JoinNext and JoinAll must not be polled after they completed (misuse
// panics); Shutdown stays ready.
func TestJoinSetFuturesAfterCompletion(t *testing.T) {
	js := weft.NewJoinSet[int]()
	cx := future.NewContext(future.Noop())
	mustPanic := func(name string, poll func()) {
		t.Helper()
		defer func() {
			if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "weft: ") {
				t.Fatalf("%s polled after completion: recovered %v", name, r)
			}
		}()
		poll()
	}
	next := js.JoinNext()
	if r, ok := next.Poll(cx); !ok || r.Err != weft.ErrJoinSetEmpty {
		t.Fatalf("JoinNext of an empty set: %+v %v", r, ok)
	}
	mustPanic("JoinNext", func() { next.Poll(cx) })
	all := js.JoinAll()
	if r, ok := all.Poll(cx); !ok || r.Err != nil || len(r.Value) != 0 {
		t.Fatalf("JoinAll of an empty set: %+v %v", r, ok)
	}
	mustPanic("JoinAll", func() { all.Poll(cx) })
	if all.String() != "JoinSet.JoinAll (done)" {
		t.Fatalf("String %q", all.String())
	}
	sd := js.Shutdown()
	for range 2 {
		if _, ok := sd.Poll(cx); !ok {
			t.Fatal("Shutdown of an empty set not ready")
		}
	}
	if sd.String() != "JoinSet.Shutdown (done)" {
		t.Fatalf("String %q", sd.String())
	}
}

// TryJoinNext reports its two failures apart, as (T, error) Try forms do:
// ErrJoinSetNoneFinished while a task runs on, ErrJoinSetEmpty once the set
// holds none (before, one false stood for both).
func TestJoinSetTryJoinNextTellsNoneFinishedFromEmpty(t *testing.T) {
	rt := newRuntime(t, weft.WithWorkers(1))
	js := weft.NewJoinSet[int]()
	defer js.Close()
	if _, _, err := js.TryJoinNext(); err != weft.ErrJoinSetEmpty {
		t.Fatalf("TryJoinNext of a new set = %v, want ErrJoinSetEmpty", err)
	}
	g := &gate{}
	ah := weft.SpawnInto(js, rt, &gated{g: g, v: 4})
	if _, _, err := js.TryJoinNext(); err != weft.ErrJoinSetNoneFinished {
		t.Fatalf("TryJoinNext while the task waits = %v, want ErrJoinSetNoneFinished", err)
	}
	g.Open()
	weft.BlockOn(testCtx(t), rt, until(finished(js, 1)))
	if id, v, err := js.TryJoinNext(); err != nil || v != 4 || id != ah.ID() {
		t.Fatalf("TryJoinNext of the finished task = %v %v %v", id, v, err)
	}
	if _, _, err := js.TryJoinNext(); err != weft.ErrJoinSetEmpty {
		t.Fatalf("TryJoinNext of the drained set = %v, want ErrJoinSetEmpty", err)
	}
}

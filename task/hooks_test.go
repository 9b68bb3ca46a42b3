package task_test

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// eventWaker appends "joinwake" to a shared event log when woken.
type eventWaker struct{ events *[]string }

func (w *eventWaker) Wake(uint64) { *w.events = append(*w.events, "joinwake") }

// TestHooksOrder checks when each hook runs: OnSpawn inside Bind, BeforePoll
// and AfterPoll around every poll, OnTerminate after the JoinHandle's waker was
// woken, and Release after OnTerminate.
func TestHooksOrder(t *testing.T) {
	s := newTestSched(t, 1)
	var events []string
	var ids []task.ID
	log := func(name string) func(task.Meta) {
		return func(m task.Meta) {
			events = append(events, name)
			ids = append(ids, m.ID)
		}
	}
	s.hooks = &task.Hooks{
		OnSpawn:     log("spawn"),
		OnTerminate: log("terminate"),
		BeforePoll:  log("before"),
		AfterPoll:   log("after"),
	}
	s.onRelease = func(task.Task) { events = append(events, "release") }
	f := &yieldFuture{n: 2, value: 1}
	wrapped := future.PollFunc(func(cx *future.Context) (int, bool) {
		events = append(events, "poll")
		return f.Poll(cx)
	})
	jh := spawn(s, wrapped)
	if !slices.Equal(events, []string{"spawn"}) {
		t.Fatalf("after spawn: %v", events)
	}
	cx := future.NewContext(future.NewWaker(&eventWaker{&events}))
	if _, ok := jh.Poll(cx); ok {
		t.Fatal("ready too early")
	}
	s.RunUntilIdle()
	want := []string{
		"spawn",
		"before", "poll", "after",
		"before", "poll", "after",
		"before", "poll", "after",
		"joinwake", "terminate", "release",
	}
	if !slices.Equal(events, want) {
		t.Fatalf("events\n got %v\nwant %v", events, want)
	}
	for _, id := range ids {
		if id != jh.ID() {
			t.Fatalf("hook got Meta.ID %v, want %v", id, jh.ID())
		}
	}
	jh.Detach()
}

// TestHooksRunForCancelledAndPanickedTasks: OnTerminate runs for every way a
// task ends; BeforePoll/AfterPoll run only for polls that happen.
func TestHooksRunForCancelledAndPanickedTasks(t *testing.T) {
	s := newTestSched(t, 1)
	counts := map[string]int{}
	count := func(name string) func(task.Meta) { return func(task.Meta) { counts[name]++ } }
	s.hooks = &task.Hooks{
		OnSpawn: count("spawn"), OnTerminate: count("terminate"),
		BeforePoll: count("before"), AfterPoll: count("after"),
	}
	aborted := spawn(s, &gateFuture{})
	aborted.Abort()
	panicked := spawn(s, future.PollFunc(func(*future.Context) (int, bool) { panic("x") }))
	s.RunUntilIdle()
	idle := spawn(s, &gateFuture{})
	s.RunUntilIdle()
	s.Shutdown(0, nil)
	want := map[string]int{"spawn": 3, "terminate": 3, "before": 2, "after": 2}
	for k, v := range want {
		if counts[k] != v {
			t.Errorf("%s ran %d times, want %d (all: %v)", k, counts[k], v, counts)
		}
	}
	for _, jh := range []*task.JoinHandle[int]{aborted, panicked, idle} {
		jh.Detach()
	}
}

// TestPanickingHooksAreSwallowed: a hook that panics does not affect the task,
// the scheduler, or the caller of Bind.
func TestPanickingHooksAreSwallowed(t *testing.T) {
	s := newTestSched(t, 1)
	ran := map[string]int{}
	boom := func(name string) func(task.Meta) {
		return func(task.Meta) {
			ran[name]++
			panic("hook " + name)
		}
	}
	s.hooks = &task.Hooks{
		OnSpawn: boom("spawn"), OnTerminate: boom("terminate"),
		BeforePoll: boom("before"), AfterPoll: boom("after"),
	}
	var jh *task.JoinHandle[int]
	noPanic(t, "Bind", func() { jh = spawn(s, &yieldFuture{n: 1, value: 3}) })
	noPanic(t, "Run", func() { s.RunUntilIdle() })
	if v, err := jh.BlockingJoin(context.Background()); err != nil || v != 3 {
		t.Fatalf("Join = (%d, %v), want (3, nil)", v, err)
	}
	if ran["spawn"] != 1 || ran["before"] != 2 || ran["after"] != 2 || ran["terminate"] != 1 {
		t.Fatalf("hooks ran %v", ran)
	}
	if len(s.Panics()) != 0 {
		t.Fatalf("a hook panic reached UnhandledPanic: %v", s.Panics())
	}
	if s.owned.Len() != 0 || refs(jh) != 0 {
		t.Fatalf("Len %d refs %d", s.owned.Len(), refs(jh))
	}
}

func TestHooksWithNilFields(t *testing.T) {
	s := newTestSched(t, 1)
	s.hooks = &task.Hooks{}
	jh := spawn(s, &yieldFuture{n: 1})
	s.RunUntilIdle()
	if _, err := jh.BlockingJoin(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestMetaSpawnSite: a task bound with a spawn PC reports its spawn site to
// hooks and through its header, without Stats; Stats are kept only when
// asked for.
func TestMetaSpawnSite(t *testing.T) {
	s := newTestSched(t, 1)
	var metas []task.Meta
	s.hooks = &task.Hooks{OnSpawn: func(m task.Meta) { metas = append(metas, m) }}

	pc, file, line, _ := runtime.Caller(0)
	jh, n, _ := task.Bind(s.owned, future.Ready(1), s, task.Options{SpawnPC: pc})
	s.push(n)
	jh2 := spawn(s, future.Ready(2)) // nothing recorded
	jh3, n3, _ := task.Bind(s.owned, future.Ready(3), s, task.Options{SpawnPC: pc, Stats: true})
	s.push(n3)

	if len(metas) != 3 {
		t.Fatalf("OnSpawn ran %d times", len(metas))
	}
	if metas[0].ID != jh.ID() || metas[0].SpawnPC != pc || task.HeaderOf(jh).SpawnPC() != pc {
		t.Fatalf("Meta %+v, want ID %v SpawnPC %#x", metas[0], jh.ID(), pc)
	}
	if f, l := metas[0].SpawnSite(); f != file || l != line {
		t.Errorf("SpawnSite = %s:%d, want %s:%d", f, l, file, line)
	}
	if f, l := metas[1].SpawnSite(); f != "" || l != 0 || metas[1].SpawnPC != 0 || task.HeaderOf(jh2).SpawnPC() != 0 {
		t.Errorf("SpawnSite without a PC = %q:%d", f, l)
	}
	if task.HeaderOf(jh).Stats() != nil || task.HeaderOf(jh2).Stats() != nil {
		t.Fatal("Stats kept without Options.Stats")
	}
	st := task.HeaderOf(jh3).Stats()
	if st == nil || st.Polls() != 0 || !st.LastPoll().IsZero() || st.SpawnedAt().IsZero() || metas[2].SpawnPC != pc {
		t.Fatalf("Stats of a task bound with Stats: %+v", st)
	}
	before := time.Now()
	s.RunUntilIdle()
	if st.Polls() != 1 || st.LastPoll().Before(st.SpawnedAt()) || st.LastPoll().Before(before) || st.LastPoll().After(time.Now()) {
		t.Fatalf("Stats after a poll: polls %d last %v spawned %v", st.Polls(), st.LastPoll(), st.SpawnedAt())
	}
	for _, h := range []*task.JoinHandle[int]{jh, jh2, jh3} {
		if _, err := h.BlockingJoin(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTerminateHookReportsTheOutcome(t *testing.T) {
	var got []task.Outcome
	s := newTestSched(t, 1)
	s.hooks = &task.Hooks{OnTerminate: func(m task.Meta) { got = append(got, m.Outcome) }}
	ok, n1, _ := task.Bind(s.owned, future.Ready(1), s, task.Options{})
	s.Schedule(n1)
	boom, n2, _ := task.Bind(s.owned, future.PollFunc(func(*future.Context) (int, bool) { panic("x") }), s, task.Options{})
	s.Schedule(n2)
	s.RunUntilIdle()
	gone, n3, _ := task.Bind(s.owned, &gateFuture{}, s, task.Options{})
	gone.Abort()
	s.Schedule(n3)
	s.RunUntilIdle()
	want := []task.Outcome{task.OutcomeCompleted, task.OutcomePanicked, task.OutcomeCancelled}
	if !slices.Equal(got, want) {
		t.Fatalf("outcomes %v, want %v", got, want)
	}
	for _, jh := range []*task.JoinHandle[int]{ok, boom, gone} {
		jh.Detach()
	}
	if task.OutcomeNone.String() != "none" || task.OutcomePanicked.String() != "panicked" {
		t.Fatal("Outcome names")
	}
}

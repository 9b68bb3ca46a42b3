package task_test

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// TestBindNilFuturePanics: spawning a nil future panics at the call site with
// a "task: " message, for every constructor and every kind of nil, and leaves
// the list untouched.
func TestBindNilFuturePanics(t *testing.T) {
	s := newTestSched(t, 1)
	ls := newLocalTestSched(t)
	spawned := 0
	hooks := &task.Hooks{OnSpawn: func(task.Meta) { spawned++ }}
	s.hooks, ls.hooks = hooks, hooks

	var nilPtr *gateFuture
	var nilFn future.PollFn[int]
	var nilIface future.Future[int]
	const nilFuture, nilSched = "task: spawn of a nil future", "task: spawn with a nil Scheduler"
	cases := []struct {
		name string
		fn   func()
		want string
	}{
		{"Bind nil pointer", func() { task.Bind(s.owned, nilPtr, s, task.Options{}) }, nilFuture},
		{"Bind nil PollFn", func() { task.Bind(s.owned, nilFn, s, task.Options{}) }, nilFuture},
		{"Bind nil interface", func() { task.Bind(s.owned, nilIface, s, task.Options{}) }, nilFuture},
		{"BindLocal nil pointer", func() { task.BindLocal(ls.local, nilPtr, ls, task.Options{}) }, nilFuture},
		{"BindLocal nil PollFn", func() { task.BindLocal(ls.local, nilFn, ls, task.Options{}) }, nilFuture},
		{"BindLocal nil interface", func() { task.BindLocal(ls.local, nilIface, ls, task.Options{}) }, nilFuture},
		{"NewUnowned nil pointer", func() { task.NewUnowned(nilPtr, s, task.Options{}) }, nilFuture},
		{"NewUnowned nil PollFn", func() { task.NewUnowned(nilFn, s, task.Options{}) }, nilFuture},
		{"NewUnowned nil interface", func() { task.NewUnowned(nilIface, s, task.Options{}) }, nilFuture},
		{"Bind nil Scheduler", func() { task.Bind(s.owned, future.Ready(1), nil, task.Options{}) }, nilSched},
		{"BindLocal nil Scheduler", func() { task.BindLocal(ls.local, future.Ready(1), nil, task.Options{}) }, nilSched},
		{"NewUnowned nil Scheduler", func() { task.NewUnowned(future.Ready(1), nil, task.Options{}) }, nilSched},
	}
	for _, c := range cases {
		if msg := panicText(mustPanic(t, c.fn)); msg != c.want {
			t.Errorf("%s: panic %q, want %q", c.name, msg, c.want)
		}
	}
	if s.owned.Len() != 0 || s.owned.Spawned() != 0 || ls.local.Len() != 0 || spawned != 0 {
		t.Fatalf("a nil spawn changed the lists (Len %d/%d, Spawned %d) or ran OnSpawn %d times",
			s.owned.Len(), ls.local.Len(), s.owned.Spawned(), spawned)
	}
}

// A nil pointer (or function) inside a non-nil interface value used to pass
// Bind's check and fail the task at its first poll, far from the mistake.
// It is now refused at the spawn with the message a plain nil gets, by
// every constructor, and leaves the lists untouched; a non-nil future in an
// interface, and a zero struct in one, are spawned as usual.
func TestTypedNilInInterfacePanicsAtTheSpawn(t *testing.T) {
	s := newTestSched(t, 1)
	ls := newLocalTestSched(t)
	var nilPtr *gateFuture
	var nilFn future.PollFn[int]
	for name, f := range map[string]future.Future[int]{"nil pointer": nilPtr, "nil PollFn": nilFn} {
		for ctor, fn := range map[string]func(){
			"Bind":       func() { task.Bind(s.owned, f, s, task.Options{}) },
			"BindLocal":  func() { task.BindLocal(ls.local, f, ls, task.Options{}) },
			"NewUnowned": func() { task.NewUnowned(f, s, task.Options{}) },
		} {
			if msg := panicText(mustPanic(t, fn)); msg != "task: spawn of a nil future" {
				t.Errorf("%s of a %s in an interface: panic %q", ctor, name, msg)
			}
		}
	}
	if s.owned.Len() != 0 || s.owned.Spawned() != 0 || ls.local.Len() != 0 {
		t.Fatal("a refused spawn changed the lists")
	}
	for _, f := range []future.Future[int]{&gateFuture{open: true, value: 2}, future.ReadyFuture[int]{}} {
		jh := spawn(s, f)
		s.RunUntilIdle()
		if _, err := jh.BlockingJoin(context.Background()); err != nil {
			t.Fatalf("future %T in an interface: %v", f, err)
		}
	}
}

// TestZeroValueStructFutureIsNotNil: only nil pointers, functions and
// interfaces are rejected; a zero struct is a valid future.
func TestZeroValueStructFutureIsNotNil(t *testing.T) {
	s := newTestSched(t, 1)
	jh := spawn(s, future.ReadyFuture[int]{})
	s.RunUntilIdle()
	if v, err := jh.BlockingJoin(context.Background()); err != nil || v != 0 {
		t.Fatalf("Join = (%d, %v)", v, err)
	}
}

// TestIDsUniqueAndIncreasing: IDs come from one process-wide counter, so
// tasks of different lists, blocking tasks and NextID never share one, and
// successive spawns on one goroutine get increasing IDs.
func TestIDsUniqueAndIncreasing(t *testing.T) {
	a, b := newTestSched(t, 1), newTestSched(t, 2)
	var prev task.ID
	for i := range 20 {
		var id task.ID
		switch i % 4 {
		case 0, 1:
			on := a
			if i%4 == 1 {
				on = b
			}
			jh := spawn(on, future.Ready(0))
			id = jh.ID()
			jh.Detach()
		case 2:
			u, jh := task.NewUnowned(future.Ready(0), a, task.Options{})
			if u.ID() != jh.ID() {
				t.Fatal("UnownedTask and JoinHandle IDs differ")
			}
			u.Shutdown(nil)
			id = jh.ID()
		case 3:
			id = task.NextID()
		}
		if id == 0 || id <= prev {
			t.Fatalf("ID %v after %v: not increasing", id, prev)
		}
		prev = id
	}
	a.Shutdown(0, nil)
	b.Shutdown(0, nil)

	// Concurrent callers never get the same ID.
	const g, n = 8, 5000
	got := make([][]task.ID, g)
	var wg sync.WaitGroup
	for i := range g {
		wg.Go(func() {
			for range n {
				got[i] = append(got[i], task.NextID())
			}
		})
	}
	wg.Wait()
	all := slices.Concat(got...)
	slices.Sort(all)
	if len(slices.Compact(all)) != g*n {
		t.Fatal("NextID returned the same ID twice")
	}
	for _, ids := range got {
		if !slices.IsSorted(ids) {
			t.Fatal("IDs from one goroutine are not increasing")
		}
	}
}

func TestIDString(t *testing.T) {
	for _, id := range []task.ID{1, 42, 1<<64 - 1} {
		if id.String() != strconv.FormatUint(uint64(id), 10) {
			t.Errorf("ID(%d).String() = %q", uint64(id), id.String())
		}
	}
}

// TestCurrentIDInsidePoll: a task's poll sees its own ID through its Context;
// a Context that is not a task's has none.
func TestCurrentIDInsidePoll(t *testing.T) {
	s := newTestSched(t, 1)
	var inPoll []task.ID
	mk := func() future.Future[int] {
		return future.PollFunc(func(cx *future.Context) (int, bool) {
			id, ok := task.CurrentID(cx)
			if !ok {
				t.Error("CurrentID reported no task inside a task's poll")
			}
			inPoll = append(inPoll, id)
			return 0, true
		})
	}
	j1, j2 := spawn(s, mk()), spawn(s, mk())
	s.RunUntilIdle()
	if !slices.Equal(inPoll, []task.ID{j1.ID(), j2.ID()}) {
		t.Fatalf("CurrentID in polls %v, want [%v %v]", inPoll, j1.ID(), j2.ID())
	}
	if id, ok := task.CurrentID(future.NewContext(future.Noop())); ok || id != 0 {
		t.Fatalf("CurrentID outside a task = (%v, %v), want (0, false)", id, ok)
	}
	// future.Block's Context is not a task's either.
	v, _ := future.Block(context.Background(), future.PollFunc(func(cx *future.Context) (bool, bool) {
		_, ok := task.CurrentID(cx)
		return ok, true
	}))
	if v {
		t.Fatal("CurrentID reported a task inside future.Block")
	}
	j1.Detach()
	j2.Detach()
}

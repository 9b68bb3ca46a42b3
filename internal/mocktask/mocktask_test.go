package mocktask_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/mocktask"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// stepper is ready on its readyAt-th poll; it records the waker it got and
// counts drops. If selfWake is set it wakes its waker inside Poll.
type stepper struct {
	readyAt  int
	selfWake bool
	polls    int
	drops    int
	waker    future.Waker
	cx       *future.Context
}

func (s *stepper) Poll(cx *future.Context) (int, bool) {
	s.polls++
	s.cx = cx
	s.waker = cx.Waker()
	if s.selfWake {
		cx.Waker().Wake()
	}
	if s.readyAt != 0 && s.polls >= s.readyAt {
		return s.polls, true
	}
	return 0, false
}

func (s *stepper) Drop() { s.drops++ }

func mustPanic(t *testing.T, prefix string, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		s, _ := r.(string)
		if !strings.HasPrefix(s, prefix) {
			t.Fatalf("panic %v, want one starting with %q", r, prefix)
		}
	}()
	f()
}

func TestPollPassesTaskContext(t *testing.T) {
	s := &stepper{}
	task := mocktask.Spawn[int](s)
	task.Poll()
	if s.cx != task.Context() {
		t.Fatal("future was not polled with the task's Context")
	}
	if !s.waker.WillWake(task.Waker()) {
		t.Fatal("future did not get the task's waker")
	}
	if task.Context().TaskID() != 1 {
		t.Fatalf("task id %d, want 1", task.Context().TaskID())
	}
	if _, constrained := task.Context().Budget(); constrained {
		t.Fatal("budget must start unconstrained")
	}
}

func TestPollCompletesAndDropsOnce(t *testing.T) {
	s := &stepper{readyAt: 2}
	task := mocktask.Spawn[int](s)
	if _, ok := task.Poll(); ok || task.Done() {
		t.Fatal("first poll ready")
	}
	v, ok := task.Poll()
	if !ok || v != 2 || !task.Done() {
		t.Fatalf("Poll = %v, %v, Done %v; want 2, true, true", v, ok, task.Done())
	}
	if s.drops != 1 {
		t.Fatalf("completed future dropped %d times, want 1", s.drops)
	}
	task.Drop() // after completion: nothing more to drop
	if s.drops != 1 {
		t.Fatalf("Drop after completion dropped again (%d)", s.drops)
	}
	mustPanic(t, "mocktask:", func() { task.Poll() })
}

func TestDropOnceAndNoPollAfter(t *testing.T) {
	s := &stepper{}
	task := mocktask.Spawn[int](s)
	task.Poll()
	task.Drop()
	task.Drop()
	if s.drops != 1 {
		t.Fatalf("dropped %d times, want 1", s.drops)
	}
	mustPanic(t, "mocktask:", func() { task.Poll() })
	if s.polls != 1 {
		t.Fatalf("polled %d times after Drop", s.polls-1)
	}
}

func TestIsWokenTracksWakesSinceLastPoll(t *testing.T) {
	s := &stepper{}
	task := mocktask.Spawn[int](s)
	if task.IsWoken() {
		t.Fatal("woken before anything happened")
	}
	task.Poll()
	if task.IsWoken() {
		t.Fatal("woken without a wake")
	}
	s.waker.Wake()
	s.waker.Wake()
	if !task.IsWoken() || task.WakeCount() != 2 {
		t.Fatalf("IsWoken %v, WakeCount %d; want true, 2", task.IsWoken(), task.WakeCount())
	}
	task.Poll()
	if task.IsWoken() {
		t.Fatal("IsWoken must reset when the next poll begins")
	}
	if task.WakeCount() != 2 {
		t.Fatalf("WakeCount %d, want the total 2", task.WakeCount())
	}
}

func TestSelfWakeDuringPollCounts(t *testing.T) {
	task := mocktask.Spawn[int](&stepper{selfWake: true})
	task.Poll()
	if !task.IsWoken() {
		t.Fatal("a wake during the poll must show as IsWoken after it")
	}
}

func TestWakesFromManyGoroutinesAreCounted(t *testing.T) {
	s := &stepper{}
	task := mocktask.Spawn[int](s)
	task.Poll()
	const goroutines, each = 8, 500
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				s.waker.Wake()
			}
		})
	}
	wg.Wait()
	if got := task.WakeCount(); got != goroutines*each {
		t.Fatalf("WakeCount %d, want %d", got, goroutines*each)
	}
}

func TestBudgetCanBeSetThroughContext(t *testing.T) {
	consumed := 0
	f := future.PollFunc(func(cx *future.Context) (int, bool) {
		for cx.ConsumeBudget() {
			consumed++
		}
		return consumed, false
	})
	task := mocktask.Spawn[int](f)
	task.SetBudget(3)
	task.Poll()
	if consumed != 3 || !task.IsWoken() {
		t.Fatalf("consumed %d, woken %v; want 3, true (a spent budget wakes the task)", consumed, task.IsWoken())
	}
}

func ExampleTask() {
	s := &stepper{readyAt: 2}
	task := mocktask.Spawn[int](s)
	_, ready := task.Poll()
	s.waker.Wake() // the event the future waited for
	fmt.Println(ready, task.IsWoken())
	v, ready := task.Poll()
	fmt.Println(v, ready)
	// Output:
	// false true
	// 2 true
}

func ExampleSpawn() {
	task := mocktask.Spawn[string](future.Ready("hi"))
	fmt.Println(task.Poll())
	fmt.Println(task.Done())
	// Output:
	// hi true
	// true
}

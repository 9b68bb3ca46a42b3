package taskref

import (
	"context"
	"reflect"
	"testing"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// TestNotifiedIsOneHeaderPointer guards FromHeader's conversion: a Notified
// must be a struct of exactly one field, a *task.Header.
func TestNotifiedIsOneHeaderPointer(t *testing.T) {
	n := reflect.TypeFor[task.Notified]()
	if n.Kind() != reflect.Struct || n.NumField() != 1 ||
		n.Field(0).Type != reflect.TypeFor[*task.Header]() || n.Size() != reflect.TypeFor[*task.Header]().Size() {
		t.Fatalf("task.Notified is %v with %d fields; FromHeader needs struct{ *task.Header }", n, n.NumField())
	}
}

// TestFromHeaderRoundTrips: the Notified made from a Notified's header is
// that Notified, and runs the task.
func TestFromHeaderRoundTrips(t *testing.T) {
	if !FromHeader(nil).IsZero() {
		t.Fatal("FromHeader(nil) is not the zero Notified")
	}
	s := &sched{o: task.NewOwnedTasks(1)}
	jh, n, ok := task.Bind(s.o, readyFuture{}, s, task.Options{})
	if !ok {
		t.Fatal("Bind on an open list failed")
	}
	got := FromHeader(n.Header())
	if got != n || got.ID() != jh.ID() {
		t.Fatalf("FromHeader(n.Header()) = %v, want %v", got, n)
	}
	s.o.AssertOwner(got).Run(future.NewContext(future.Noop()))
	if v, err := jh.BlockingJoin(context.Background()); v != 1 || err != nil {
		t.Fatalf("Join = %v, %v; want 1, nil", v, err)
	}
	if !s.o.IsEmpty() {
		t.Fatal("the finished task is still listed")
	}
}

type readyFuture struct{}

func (readyFuture) Poll(*future.Context) (int, bool) { return 1, true }

type sched struct{ o *task.OwnedTasks }

func (s *sched) Schedule(task.Notified)         { panic("not woken") }
func (s *sched) Yield(task.Notified)            { panic("not woken") }
func (s *sched) Release(t task.Task) bool       { return s.o.Remove(t) }
func (s *sched) Hooks() *task.Hooks             { return nil }
func (s *sched) UnhandledPanic(*task.JoinError) {}

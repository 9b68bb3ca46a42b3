package task_test

import (
	"context"
	"testing"
	"unsafe"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/task"
)

// padSched is a testSched that asks for padded cells when a task yields, as
// the multi-thread scheduler does.
type padSched struct{ *testSched }

func (p padSched) Yield(n task.Notified) {
	n.PadCellsOfType()
	p.testSched.Yield(n)
}

// yieldOnce wakes itself at its first poll and is ready at its second; its
// cell (a 64-byte header, an int output, the error and this pointer) takes
// 88 bytes, which the allocator rounds to a 96-byte size class.
// Each K makes a type of its own, whose padding other tests do not turn on.
type yieldOnce[K any] struct{ yielded bool }

func (y *yieldOnce[K]) Poll(cx *future.Context) (int, bool) {
	if !y.yielded {
		y.yielded = true
		cx.Waker().Wake()
		return 0, false
	}
	return 7, true
}

// spawnYieldOnce spawns n yieldOnce[K] tasks, runs them to the end and
// returns how many of their cells started on a cache line.
func spawnYieldOnce[K any](t *testing.T, s *testSched, n int) (onLine int) {
	t.Helper()
	hs := make([]*task.JoinHandle[int], n)
	for i := range hs {
		hs[i] = spawn(s, &yieldOnce[K]{})
		if uintptr(unsafe.Pointer(task.HeaderOf(hs[i])))%64 == 0 {
			onLine++
		}
	}
	s.RunUntilIdle()
	for _, jh := range hs {
		if v, err := jh.BlockingJoin(context.Background()); v != 7 || err != nil {
			t.Fatalf("yieldOnce task: %v, %v; want 7", v, err)
		}
	}
	return onLine
}

// Tasks of a type that never yielded keep their cells packed (idle tasks
// need no padding); once one yielded on a scheduler that asks for padding,
// every new task of the type starts on a cache line of its own.
func TestCellsOfAYieldingTypeStartOnCacheLines(t *testing.T) {
	const n = 16
	plain := newTestSched(t, 1)
	// This type yields only on plain, which does not ask for padding.
	type neverPadded struct{}
	if on := spawnYieldOnce[neverPadded](t, plain, n); on == n {
		t.Fatalf("all %d packed 96-byte cells started on a line: padded without being asked", n)
	}
	s := newTestSched(t, 1)
	s.self = padSched{s}
	type padded struct{}
	spawnYieldOnce[padded](t, s, 1) // the type's first yield asks for padding
	if on := spawnYieldOnce[padded](t, s, n); on != n {
		t.Fatalf("%d of %d cells of a type that yielded started on a cache line, want all", on, n)
	}
	// The padded cells are recycled as padded cells.
	if on := spawnYieldOnce[padded](t, s, n); on != n {
		t.Fatalf("%d of %d recycled cells started on a cache line, want all", on, n)
	}
}

package weftgen_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/weftgen"
)

// push registers a deferred call the way generated code does.
func push(d *weftgen.Defers, fn func()) {
	d.Push(func(next func()) {
		defer fn()
		next()
	})
}

func TestReturnRunsDeferredCallsLastFirst(t *testing.T) {
	var d weftgen.Defers
	var got []int
	for i := range 3 {
		push(&d, func() { got = append(got, i) })
	}
	if !d.Pending() {
		t.Fatal("Pending is false with three calls registered")
	}
	d.Return()
	if want := []int{2, 1, 0}; !reflect.DeepEqual(got, want) {
		t.Fatalf("ran %v, want %v", got, want)
	}
	if d.Pending() {
		t.Fatal("Pending after Return")
	}
	d.Return() // nothing left: runs nothing
	if len(got) != 3 {
		t.Fatalf("second Return ran calls again: %v", got)
	}
}

func TestReturnPanicOfADeferredCallIsRecoveredByAnEarlierOne(t *testing.T) {
	var d weftgen.Defers
	var seen any
	d.Push(func(next func()) {
		defer func() { seen = recover() }()
		next()
	})
	push(&d, func() { panic("late") })
	d.Return()
	if seen != "late" {
		t.Fatalf("recovered %v, want late", seen)
	}
}

// TestPanicRecoverSeesTheValue is the property the chain exists for: a
// deferred function that calls recover stops the panic, as it would in
// straight-line code.
func TestPanicRecoverSeesTheValue(t *testing.T) {
	var d weftgen.Defers
	var log []string
	push(&d, func() { log = append(log, "first registered") })
	d.Push(func(next func()) {
		defer func() { log = append(log, fmt.Sprint("recovered ", recover())) }()
		next()
	})
	push(&d, func() { log = append(log, "last registered") })
	dropped := false
	if !d.Panic("boom", func() { dropped = true; panic("ignored") }) {
		t.Fatal("Panic reported no recovery")
	}
	want := []string{"last registered", "recovered boom", "first registered"}
	if !reflect.DeepEqual(log, want) || !dropped {
		t.Fatalf("log %q dropped %v, want %q and the child dropped", log, dropped, want)
	}
}

func TestPanicWithoutRecoverPropagates(t *testing.T) {
	var d weftgen.Defers
	ran := false
	push(&d, func() { ran = true })
	defer func() {
		if r := recover(); r != "boom" || !ran {
			t.Fatalf("recovered %v (deferred call ran: %v), want boom after the call", r, ran)
		}
	}()
	d.Panic("boom", nil)
	t.Fatal("Panic returned")
}

// TestCancelMatchesAsync drops a suspended Async body and unwinds the same
// deferred call with Cancel: recover sees the same value either way, and
// Aborted ends that unwinding but not another panic.
func TestCancelMatchesAsync(t *testing.T) {
	var async, gen any
	f := weft.Async(func(a *weft.A) int {
		defer func() { async = recover(); panic(async) }()
		return weft.Await(a, future.Pending[int]())
	})
	f.Poll(future.NewContext(future.Noop()))
	f.Drop()

	func() {
		defer func() { weftgen.Aborted(recover()) }()
		var d weftgen.Defers
		d.Push(func(next func()) {
			defer func() { gen = recover(); panic(gen) }()
			next()
		})
		d.Panic(func() (v any) {
			defer func() { v = recover() }()
			weftgen.Cancel()
			return nil
		}(), nil)
	}()
	if async == nil || async != gen {
		t.Fatalf("Async's deferred call recovered %v, the generated one %v", async, gen)
	}
	defer func() {
		if r := recover(); r != "other" {
			t.Fatalf("Aborted let %v through, want other raised again", r)
		}
	}()
	weftgen.Aborted("other")
}

func TestBadPollSaysWhy(t *testing.T) {
	for pc, want := range map[int32]string{
		-1: "by two goroutines", -2: "after completion", -3: "after it panicked", -4: "after Drop", 7: "unknown state 7",
	} {
		func() {
			defer func() {
				r := fmt.Sprint(recover())
				if !strings.HasPrefix(r, "weft: future of F ") || !strings.Contains(r, want) {
					t.Errorf("pc %d: panic %q, want one with %q", pc, r, want)
				}
			}()
			weftgen.BadPoll("F", pc)
		}()
	}
}

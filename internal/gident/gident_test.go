package gident

import (
	"iter"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCurrentIsStableAndDistinct(t *testing.T) {
	if !Supported {
		t.Skip("no goroutine identity on this architecture")
	}
	a, b := Current(), Current()
	if a == 0 || a != b {
		t.Fatalf("identity not stable: %#x %#x", a, b)
	}
	const n = 64
	ids := make([]uintptr, n)
	var stored, release, done sync.WaitGroup
	release.Add(1)
	for i := range n {
		stored.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ids[i] = Current()
			stored.Done()
			release.Wait() // stay alive until every goroutine has read its id
		}()
	}
	stored.Wait()
	release.Done()
	done.Wait()
	seen := map[uintptr]bool{a: true}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("identity %#x shared by two live goroutines", id)
		}
		seen[id] = true
	}
}

func TestGoIDMatchesTheRuntimesStackHeader(t *testing.T) {
	if !Supported {
		if _, ok := GoID(Current()); ok {
			t.Fatal("GoID reports an ID without goroutine identities")
		}
		t.Skip("no goroutine identity on this architecture")
	}
	check := func() {
		want, ok := currentGoID()
		if !ok {
			t.Error("cannot parse the stack header")
			return
		}
		got, ok := GoID(Current())
		if !ok || got != want {
			t.Errorf("GoID = %d, %v; runtime.Stack says goroutine %d", got, ok, want)
		}
	}
	check()
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(check)
	}
	wg.Wait()
	if _, ok := GoID(0); ok {
		t.Error("GoID(0) reports an ID")
	}
}

func TestGoIDOfASuspendedCoroutine(t *testing.T) {
	if !Supported {
		t.Skip("no goroutine identity on this architecture")
	}
	var g uintptr
	var want uint64
	next, stop := iter.Pull(func(yield func(int) bool) {
		g = Current()
		want, _ = currentGoID()
		yield(1)
	})
	defer stop()
	next() // the coroutine is now suspended in yield
	got, ok := GoID(g)
	if !ok || got != want {
		t.Fatalf("GoID of the suspended coroutine = %d, %v; it is goroutine %d", got, ok, want)
	}
	buf := make([]byte, 1<<20)
	all := string(buf[:runtime.Stack(buf, true)])
	if !strings.Contains(all, "goroutine "+strconv.FormatUint(got, 10)+" [coroutine]") {
		t.Fatalf("no goroutine %d [coroutine] in the dump of all stacks", got)
	}
}

package gident

import (
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

package syncbench_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/weftrt/weft/internal/syncbench"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var impls = []syncbench.Impl{syncbench.Weft, syncbench.Goroutine}

// TestEveryWorkloadCompletesAndCleansUp runs two operations of every
// workload for both implementations: each must finish (a lost message or
// wake-up would hang it) and Close must stop every goroutine the workload
// started (goleak checks at the end) and restore GOMAXPROCS.
func TestEveryWorkloadCompletesAndCleansUp(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	for _, w := range syncbench.Workloads() {
		for _, impl := range impls {
			t.Run(w.Name+"/"+impl.String(), func(t *testing.T) {
				if testing.Short() && strings.HasPrefix(w.Name, "watch_contention_resubscribe_1000") {
					t.Skip("slow under -short")
				}
				c := w.Setup(impl)
				if impl == syncbench.Goroutine && w.CurrentThread {
					if got := runtime.GOMAXPROCS(0); got != 1 {
						t.Errorf("GOMAXPROCS %d during a current-thread twin, want 1", got)
					}
				}
				c.Op()
				c.Op()
				c.Close()
				if got := runtime.GOMAXPROCS(0); got != procs {
					t.Errorf("GOMAXPROCS %d after Close, want %d", got, procs)
				}
			})
		}
	}
}

// TestWorkloadNamesAreUniqueAndDescribed checks what the command and
// compare.sh rely on: one line per name, and items to divide by.
func TestWorkloadNamesAreUniqueAndDescribed(t *testing.T) {
	seen := map[string]bool{}
	for _, w := range syncbench.Workloads() {
		if seen[w.Name] {
			t.Errorf("workload %q twice", w.Name)
		}
		seen[w.Name] = true
		if w.Items < 1 || w.Item == "" || w.Mirrors == "" {
			t.Errorf("workload %q: items %d %q, mirrors %q", w.Name, w.Items, w.Item, w.Mirrors)
		}
		if strings.ContainsAny(w.Name, " \t") {
			t.Errorf("workload %q: the line format needs names without spaces", w.Name)
		}
	}
}

// TestSleepersAllFireAfterTheDeadline runs the sleepers test small: every
// task must register before the deadline and finish after it, and the weft
// tasks must cost less memory than the goroutines.
func TestSleepersAllFireAfterTheDeadline(t *testing.T) {
	const n = 2000
	const minWait = 200 * time.Millisecond
	var mem [2]float64
	for _, impl := range impls {
		start := time.Now()
		r := syncbench.Sleepers(impl, n, minWait)
		if r.N != n || r.Early != 0 {
			t.Fatalf("%v: N %d, %d finished before all had registered", impl, r.N, r.Early)
		}
		if r.Wait < minWait || r.Wait < 3*r.Spawn {
			t.Errorf("%v: deadline %v after the gate, want at least %v and 3 × spawn %v", impl, r.Wait, minWait, r.Spawn)
		}
		if took := time.Since(start); took < r.Spawn+r.Wait {
			t.Errorf("%v: returned after %v, before the deadline %v", impl, took, r.Spawn+r.Wait)
		}
		if r.Spawn <= 0 || r.Register <= 0 || r.Register >= r.Wait || r.Fire < 0 {
			t.Errorf("%v: spawn %v, register %v, fire %v", impl, r.Spawn, r.Register, r.Fire)
		}
		mem[impl] = r.HeapPerTask + r.StackPerTask
	}
	if mem[syncbench.Weft] >= mem[syncbench.Goroutine] {
		t.Errorf("weft sleeper %.0f B >= goroutine %.0f B", mem[syncbench.Weft], mem[syncbench.Goroutine])
	}
}

func TestImplString(t *testing.T) {
	for impl, want := range map[syncbench.Impl]string{
		syncbench.Weft: "weft", syncbench.Goroutine: "goroutine", 7: "Impl(7)",
	} {
		if got := impl.String(); got != want {
			t.Errorf("Impl(%d).String() = %q, want %q", int(impl), got, want)
		}
	}
}

func TestSetupOfUnknownImplPanics(t *testing.T) {
	w := syncbench.Workloads()[0]
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "syncbench: ") {
			t.Errorf("recovered %v, want a syncbench: panic", r)
		}
	}()
	w.Setup(syncbench.Impl(7))
}

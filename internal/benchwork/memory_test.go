package benchwork

import (
	"errors"
	"testing"
)

func TestIdleName(t *testing.T) {
	for n, want := range map[int]string{
		1_000_000: "mem_idle_notify_1M",
		100_000:   "mem_idle_notify_100k",
		1234:      "mem_idle_notify_1234",
	} {
		if got := IdleName(IdleNotify, n); got != want {
			t.Errorf("IdleName(notify, %d) = %q, want %q", n, got, want)
		}
	}
}

// TestIdleTasksAllWaitAndAreReleased: MeasureIdle returns once every task
// has reached its wait, counts them, and Close releases them all (goleak
// checks the runtime and goroutines are gone).
func TestIdleTasksAllWaitAndAreReleased(t *testing.T) {
	const n = 2000
	for _, kind := range IdleKinds {
		for _, impl := range impls {
			t.Run(kind+"/"+impl.String(), func(t *testing.T) {
				st, idle, err := MeasureIdle(impl, kind, n, NumWorkers, 0)
				if idle != nil {
					defer func() {
						if err := idle.Close(); err != nil {
							t.Errorf("Close: %v", err)
						}
					}()
				}
				if err != nil {
					t.Fatal(err)
				}
				if got := idle.started.n.Load(); got != n || st.Tasks != n {
					t.Fatalf("%d tasks started, stats say %d; want %d", got, st.Tasks, n)
				}
				if st.HeapPerTask <= 0 || st.MallocPerTask < 1 {
					t.Fatalf("heap %.0f B and %.2f allocations a task: the tasks were not measured", st.HeapPerTask, st.MallocPerTask)
				}
			})
		}
	}
}

func TestNewIdleRejectsBadArguments(t *testing.T) {
	if _, err := NewIdle(Weft, "mutex", 10, 2); !errors.Is(err, ErrUnknownIdleKind) {
		t.Errorf("kind mutex: %v, want ErrUnknownIdleKind", err)
	}
	if _, err := NewIdle(Goroutine, IdleNotify, 0, 2); err == nil {
		t.Error("0 tasks accepted")
	}
	if _, err := NewIdle(Weft, IdleNotify, 10, 0); err == nil {
		t.Error("0 workers accepted")
	}
}

func TestRSSKB(t *testing.T) {
	kb, err := RSSKB()
	if err != nil {
		t.Skip("no /proc:", err)
	}
	if kb <= 0 {
		t.Fatalf("VmRSS %d kB", kb)
	}
}

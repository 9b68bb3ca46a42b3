package benchwork

import (
	"errors"
	"slices"
	"testing"
	"time"
)

var impls = []Impl{Weft, Goroutine}

// TestEveryWorkloadCompletesItsOps runs two ops of every workload on both
// implementations and closes them, which (with goleak) proves that each op
// waits for all its tasks and that Close stops the background load. Busy
// workloads have their background load stopped first, so that the test does
// not time how a busy runtime treats remote spawns (the benchmarks do).
func TestEveryWorkloadCompletesItsOps(t *testing.T) {
	for _, w := range Workloads() {
		for _, impl := range impls {
			t.Run(w.Name+"/"+impl.String(), func(t *testing.T) {
				in, err := w.Start(impl, NumWorkers)
				if err != nil {
					t.Fatal(err)
				}
				in.StopBackground()
				for range 2 {
					if err := in.Op(); err != nil {
						t.Fatal(err)
					}
				}
				if err := in.Close(); err != nil {
					t.Fatalf("Close: %v", err)
				}
			})
		}
	}
}

// TestWorkloadsMatchTokioRt pins the names, item counts and flavours to
// those of bench/tokio-rt, in its order: bench/compare.sh joins the columns
// by name.
func TestWorkloadsMatchTokioRt(t *testing.T) {
	want := []struct {
		name  string
		items int
		item  string
		ct    bool
	}{
		{"mt_spawn_many_local", 10_000, "spawn", false},
		{"mt_spawn_many_remote_idle", 10_000, "spawn", false},
		{"mt_spawn_many_remote_busy1", 10_000, "spawn", false},
		{"mt_spawn_many_remote_busy2", 1_000, "spawn", false},
		{"mt_ping_pong", 1_000, "ping", false},
		{"mt_yield_many", 200_000, "yield", false},
		{"mt_chained_spawn", 1_000, "spawn", false},
		{"ct_spawn_many_local", 1_000, "spawn", true},
		{"ct_spawn_many_remote_idle", 1_000, "spawn", true},
		{"ct_spawn_many_remote_busy", 1_000, "spawn", true},
		{"ct_yield_many", 200_000, "yield", true},
		{"ct_chained_spawn", 1_000, "spawn", true},
	}
	got := Workloads()
	if len(got) != len(want) {
		t.Fatalf("%d workloads, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.name || g.Items != w.items || g.Item != w.item || g.CurrentThread != w.ct {
			t.Errorf("workload %d = %s (%d %s, ct %v), want %s (%d %s, ct %v)",
				i, g.Name, g.Items, g.Item, g.CurrentThread, w.name, w.items, w.item, w.ct)
		}
		if g.Starves != (w.name == "mt_spawn_many_remote_busy2") {
			t.Errorf("%s: Starves = %v", g.Name, g.Starves)
		}
	}
}

func TestLookup(t *testing.T) {
	w, err := Lookup("ct_yield_many")
	if err != nil || w.Name != "ct_yield_many" {
		t.Fatalf("Lookup(ct_yield_many) = %q, %v", w.Name, err)
	}
	if _, err := Lookup("yield_many"); !errors.Is(err, ErrUnknownWorkload) {
		t.Fatalf("Lookup(yield_many) error = %v, want ErrUnknownWorkload", err)
	}
}

func TestStartRejectsBadArguments(t *testing.T) {
	w, err := Lookup("mt_chained_spawn")
	if err != nil {
		t.Fatal(err)
	}
	if in, err := w.Start(Weft, 0); err == nil {
		_ = in.Close()
		t.Fatal("Start(Weft, 0 workers) succeeded")
	}
	if in, err := w.Start(Impl(7), 2); err == nil {
		_ = in.Close()
		t.Fatal("Start(Impl(7)) succeeded")
	}
}

func TestOpErrorsNameTheWorkload(t *testing.T) {
	w := Workload{Name: "failing", goroutine: func() *Instance {
		return &Instance{op: func() error { return errors.New("boom") }}
	}}
	in, err := w.Start(Goroutine, 1)
	if err != nil {
		t.Fatal(err)
	}
	err = in.Op()
	if err == nil || err.Error() != "benchwork: failing (goroutine): boom" {
		t.Fatalf("Op error = %v", err)
	}
}

// TestProbeReportsStarvation: an op that can only finish once the
// background load stops is reported as starved, and the watchdog is what
// stopped it.
func TestProbeReportsStarvation(t *testing.T) {
	release := make(chan struct{})
	stops := 0
	in := &Instance{
		op:       func() error { <-release; return nil },
		stopBusy: func() { stops++; close(release) },
	}
	starved, took, err := Probe(in, 10*time.Millisecond)
	if err != nil || !starved {
		t.Fatalf("Probe = starved %v, err %v; want starved", starved, err)
	}
	if took < 10*time.Millisecond || stops != 1 {
		t.Fatalf("took %v with %d stops; want ≥ 10ms and 1 stop", took, stops)
	}
}

func TestProbeReportsNoStarvation(t *testing.T) {
	in := &Instance{
		op:       func() error { return nil },
		stopBusy: func() { t.Error("background stopped although the op finished") },
	}
	starved, _, err := Probe(in, time.Hour)
	if err != nil || starved {
		t.Fatalf("Probe = starved %v, err %v; want not starved", starved, err)
	}
}

func TestStallHoldsForStallDur(t *testing.T) {
	start := time.Now()
	Stall()
	if d := time.Since(start); d < StallDur {
		t.Fatalf("Stall returned after %v, want ≥ %v", d, StallDur)
	}
}

func TestImplString(t *testing.T) {
	for impl, want := range map[Impl]string{Weft: "weft", Goroutine: "goroutine", Impl(9): "Impl(9)"} {
		if got := impl.String(); got != want {
			t.Errorf("Impl(%d).String() = %q, want %q", int(impl), got, want)
		}
	}
}

func TestSampleTakesTheConfiguredSamples(t *testing.T) {
	ops := 0
	st, err := Sample(SampleConfig{Samples: 5, SampleTime: time.Millisecond, Warmup: time.Millisecond},
		func() error { ops++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Samples) != 5 || !slices.IsSorted(st.Samples) {
		t.Fatalf("samples %v: want 5, sorted", st.Samples)
	}
	if st.Iters < 1 || ops < 3+5*st.Iters {
		t.Fatalf("%d ops for %d iters a sample: want ≥ 3 warm-up + 5 samples", ops, st.Iters)
	}
	if st.Min != st.Samples[0] || st.Max != st.Samples[4] || st.Median != st.Samples[2] {
		t.Fatalf("min %v median %v max %v of %v", st.Min, st.Median, st.Max, st.Samples)
	}
}

func TestSampleStopsAtTheFirstError(t *testing.T) {
	boom := errors.New("boom")
	ops := 0
	_, err := Sample(SampleConfig{Samples: 3, SampleTime: time.Millisecond, Warmup: time.Millisecond},
		func() error {
			ops++
			if ops == 2 {
				return boom
			}
			return nil
		})
	if !errors.Is(err, boom) || ops != 2 {
		t.Fatalf("Sample = %v after %d ops, want boom after 2", err, ops)
	}
}

func TestMedian(t *testing.T) {
	if m := median([]float64{1, 2, 9}); m != 2 {
		t.Errorf("median of 3 = %v, want 2", m)
	}
	if m := median([]float64{1, 2, 4, 9}); m != 3 {
		t.Errorf("median of 4 = %v, want 3", m)
	}
}

func TestSampleConfigFromEnv(t *testing.T) {
	t.Setenv("ANCHOR_SAMPLES", "3")
	t.Setenv("ANCHOR_SAMPLE_MS", "7")
	t.Setenv("ANCHOR_WARMUP_MS", "x")
	got := SampleConfigFromEnv()
	want := SampleConfig{Samples: 3, SampleTime: 7 * time.Millisecond, Warmup: DefaultWarmup}
	if got != want {
		t.Fatalf("SampleConfigFromEnv() = %+v, want %+v", got, want)
	}
	t.Setenv("ANCHOR_SAMPLES", "0")
	if got := SampleConfigFromEnv(); got.Samples != DefaultSamples {
		t.Fatalf("ANCHOR_SAMPLES=0 gave %d samples, want the default", got.Samples)
	}
}

package blocking_test

import (
	"errors"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/weftrt/weft/internal/blocking"
	"github.com/weftrt/weft/task"
)

// stressKind is what a stress task's closure does.
type stressKind int

const (
	stressReturn stressKind = iota // return its index
	stressPanic                    // panic
	stressGoexit                   // runtime.Goexit
	stressAbort                    // return its index; its spawner aborts it at once
)

func kindOf(i int) stressKind {
	switch i % 16 {
	case 3:
		return stressPanic
	case 7:
		return stressGoexit
	case 5, 11:
		return stressAbort
	}
	return stressReturn
}

type stressRecord struct {
	idx      int
	jh       *task.JoinHandle[int]
	spawnErr error
}

// Many goroutines spawn thousands of blocking tasks (some panic, some exit
// their goroutine, some are aborted) while the pool is shut down in the
// middle. Every JoinHandle must resolve to its output or a cancellation (or
// the panic it earned), no closure may run after the shutdown cancelled it,
// the cap must hold, and no goroutine may be left (goleak in TestMain).
func TestStressSpawnRacingShutdown(t *testing.T) {
	rounds, spawners, perSpawner := 24, 8, 400
	if testing.Short() {
		rounds = 6
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range rounds {
		maxThreads := 1 + round%5
		keepAlive := []time.Duration{-1, time.Millisecond, 0}[round%3]
		shutdownAt := rng.IntN(spawners * perSpawner)
		stressRound(t, maxThreads, keepAlive, spawners, perSpawner, shutdownAt)
	}
}

func stressRound(t *testing.T, maxThreads int, keepAlive time.Duration, spawners, perSpawner, shutdownAt int) {
	var starts, stops atomic.Int64
	p := blocking.New(blocking.Config{
		MaxThreads:    maxThreads,
		KeepAlive:     keepAlive,
		ShutdownCause: errRuntimeGone,
		OnThreadStart: func() { starts.Add(1) },
		OnThreadStop:  func() { stops.Add(1) },
	})
	var cur, peak, ran atomic.Int64
	body := func(i int) func() int {
		return func() int {
			ran.Add(1)
			n := cur.Add(1)
			for {
				m := peak.Load()
				if n <= m || peak.CompareAndSwap(m, n) {
					break
				}
			}
			defer cur.Add(-1)
			switch kindOf(i) {
			case stressPanic:
				panic(i)
			case stressGoexit:
				runtime.Goexit()
			}
			return i
		}
	}

	var spawned atomic.Int64
	trigger := make(chan struct{})
	shutdownResult := make(chan bool, 1)
	go func() {
		<-trigger
		shutdownResult <- p.Shutdown(-1)
	}()

	records := make([][]stressRecord, spawners)
	var wg sync.WaitGroup
	for s := range spawners {
		wg.Go(func() {
			recs := make([]stressRecord, 0, perSpawner)
			for k := range perSpawner {
				i := s*perSpawner + k
				jh, _, err := spawn(p, body(i))
				if kindOf(i) == stressAbort {
					jh.Abort()
				}
				recs = append(recs, stressRecord{idx: i, jh: jh, spawnErr: err})
				if spawned.Add(1) == int64(shutdownAt) {
					close(trigger)
				}
			}
			records[s] = recs
		})
	}
	wg.Wait()
	if !<-shutdownResult {
		t.Fatal("Shutdown(-1) reported goroutines alive")
	}

	var outputs, panics, goexits, cancelled, refused int64
	for _, recs := range records {
		for _, r := range recs {
			v, err := join(t, r.jh)
			var je *task.JoinError
			if err != nil && !errors.As(err, &je) {
				t.Fatalf("task %d: error %v is not a JoinError", r.idx, err)
			}
			if r.spawnErr != nil {
				if r.spawnErr != blocking.ErrShutdown {
					t.Fatalf("Spawn returned %v", r.spawnErr)
				}
				if je == nil || !je.IsCancelled() || !errors.Is(err, errRuntimeGone) {
					t.Fatalf("task %d refused by Spawn resolved to %v, %v", r.idx, v, err)
				}
				refused++
				continue
			}
			switch {
			case je == nil:
				if k := kindOf(r.idx); v != r.idx || k == stressPanic || k == stressGoexit {
					t.Fatalf("task %d (kind %d) returned %d", r.idx, k, v)
				}
				outputs++
			case je.IsCancelled():
				// Only an abort or the shutdown cancels; the shutdown's
				// cancellations carry its cause (also when an abort came
				// first, since Shutdown cancels with the cause).
				if !errors.Is(err, errRuntimeGone) && kindOf(r.idx) != stressAbort {
					t.Fatalf("task %d cancelled without the shutdown cause: %v", r.idx, err)
				}
				cancelled++
			case errors.Is(err, task.ErrGoexit):
				if kindOf(r.idx) != stressGoexit {
					t.Fatalf("task %d: unexpected Goexit", r.idx)
				}
				goexits++
			default:
				if kindOf(r.idx) != stressPanic || je.PanicValue() != r.idx {
					t.Fatalf("task %d: unexpected panic %v", r.idx, je.PanicValue())
				}
				panics++
			}
		}
	}
	total := int64(spawners * perSpawner)
	if outputs+panics+goexits+cancelled+refused != total {
		t.Fatalf("resolved %d of %d tasks", outputs+panics+goexits+cancelled+refused, total)
	}
	if ran.Load() != outputs+panics+goexits {
		t.Fatalf("%d closures ran, but %d outputs, %d panics, %d Goexits", ran.Load(), outputs, panics, goexits)
	}
	if peak.Load() > int64(maxThreads) {
		t.Fatalf("%d closures ran at once, cap %d", peak.Load(), maxThreads)
	}
	m := p.Metrics()
	if m.NumThreads != 0 || m.Running != 0 || m.QueueDepth != 0 || !p.Idle() {
		t.Fatalf("after Shutdown: %+v, Idle %v", m, p.Idle())
	}
	if int64(m.SpawnedTasks) != total-refused || int64(m.StartedThreads) != starts.Load() || starts.Load() != stops.Load() {
		t.Fatalf("counters: %+v; %d refused; %d start and %d stop hooks", m, refused, starts.Load(), stops.Load())
	}
}

// Spawners racing goroutines that retire on their keep-alive (1 ns) and
// Goexit replacements, without a shutdown until the end: every task must
// still run (no spawn may be lost to a goroutine that exits as it is claimed).
func TestStressSpawnRacingKeepAliveExpiry(t *testing.T) {
	rounds, spawners, perSpawner := 20, 6, 300
	if testing.Short() {
		rounds = 5
	}
	for round := range rounds {
		p := blocking.New(blocking.Config{MaxThreads: 1 + round%3, KeepAlive: time.Nanosecond})
		var wg sync.WaitGroup
		jhs := make([][]*task.JoinHandle[int], spawners)
		for s := range spawners {
			wg.Go(func() {
				for k := range perSpawner {
					i := s*perSpawner + k
					jh, _, err := spawn(p, func() int {
						if i%50 == 49 {
							runtime.Goexit()
						}
						return i
					})
					if err != nil {
						t.Errorf("Spawn: %v", err)
					}
					jhs[s] = append(jhs[s], jh)
					if k%8 == 0 {
						runtime.Gosched() // let goroutines go idle and expire
					}
				}
			})
		}
		wg.Wait()
		for s := range jhs {
			for k, jh := range jhs[s] {
				i := s*perSpawner + k
				v, err := join(t, jh)
				if i%50 == 49 {
					if !errors.Is(err, task.ErrGoexit) {
						t.Fatalf("task %d: %v, want Goexit", i, err)
					}
				} else if err != nil || v != i {
					t.Fatalf("task %d: %d, %v", i, v, err)
				}
			}
		}
		shutdown(t, p)
	}
}

//go:build unix

package weft_test

import (
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/futurecx"
	"github.com/weftrt/weft/internal/timer"
)

const (
	nSleeps   = 100_000
	sleepTime = 100 * time.Millisecond
)

// sleepMeter measures one batch: memory in use at its peak (heap plus
// goroutine stacks, with the GC off so nothing is collected in between) and
// the CPU time the process spent (user+system), per sleep.
type sleepMeter struct {
	before     runtime.MemStats
	cpu0       time.Duration
	gcPercent  int
	peakPer    float64 // bytes per sleep at the peak
	cpuPer     float64 // CPU ns per sleep
	iterations int
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (m *sleepMeter) start() {
	runtime.GC()
	m.gcPercent = debug.SetGCPercent(-1)
	runtime.ReadMemStats(&m.before)
	m.cpu0 = cpuTime()
}

// peak records memory once every sleep is waiting.
func (m *sleepMeter) peak() {
	var now runtime.MemStats
	runtime.ReadMemStats(&now)
	used := float64(now.HeapAlloc+now.StackInuse) - float64(m.before.HeapAlloc+m.before.StackInuse)
	m.peakPer += used / nSleeps
}

func (m *sleepMeter) stop() {
	m.cpuPer += float64(cpuTime()-m.cpu0) / nSleeps
	debug.SetGCPercent(m.gcPercent)
	m.iterations++
}

func (m *sleepMeter) report(b *testing.B) {
	b.ReportMetric(m.peakPer/float64(m.iterations), "peak-B/sleep")
	b.ReportMetric(m.cpuPer/float64(m.iterations), "cpu-ns/sleep")
}

// sleeper stands in for the task that awaits a sleep: what a runtime would
// wake (the real task header adds its own bytes on top).
type sleeper struct {
	s     *weft.SleepFuture
	woken *atomic.Int64
}

func (s *sleeper) Wake(uint64) { s.woken.Add(1) }

// BenchmarkSleep100k starts 10^5 concurrent 100ms sleeps on a real-clock
// driver, fires them the way a parked worker does (NextDeadline, wait,
// Process), then completes and drops each. One op is the whole batch.
// Twin: BenchmarkGoroutineSleep100k.
func BenchmarkSleep100k(b *testing.B) {
	var m sleepMeter
	b.ReportAllocs()
	for b.Loop() {
		m.start()
		d := timer.NewDriver(timer.NewClock())
		cx := future.NewContext(future.Noop())
		futurecx.SetExecutor(cx, &fakeExec{d})
		var woken atomic.Int64
		sleepers := make([]sleeper, nSleeps)
		for i := range sleepers {
			sl := &sleepers[i]
			sl.s, sl.woken = weft.Sleep(sleepTime), &woken
			futurecx.SetWaker(cx, future.NewWaker(sl))
			if _, ok := sl.s.Poll(cx); ok {
				b.Fatal("sleep ready at once")
			}
		}
		m.peak()
		for woken.Load() < nSleeps {
			dur, ok := d.NextDeadline()
			if !ok {
				b.Fatal("timers lost")
			}
			if dur > 0 {
				<-time.NewTimer(dur).C
			}
			d.Process()
		}
		for i := range sleepers {
			sl := &sleepers[i]
			futurecx.SetWaker(cx, future.NewWaker(sl))
			if _, ok := sl.s.Poll(cx); !ok {
				b.Fatal("woken sleep still pending")
			}
			sl.s.Drop()
		}
		if d.Len() != 0 {
			b.Fatal("timers left")
		}
		m.stop()
	}
	m.report(b)
}

// BenchmarkGoroutineSleep100k is the goroutine twin: 10^5 goroutines each in
// time.Sleep(100ms), waited for with a WaitGroup. Spawning them takes longer
// than the sleep on a small machine, so they first wait on a gate: the peak
// is measured with all of them parked (slightly under a sleeping goroutine,
// which also holds its runtime timer), then they all sleep.
func BenchmarkGoroutineSleep100k(b *testing.B) {
	var m sleepMeter
	b.ReportAllocs()
	for b.Loop() {
		m.start()
		var parked, done sync.WaitGroup
		parked.Add(nSleeps)
		done.Add(nSleeps)
		gate := make(chan struct{})
		for range nSleeps {
			go func() {
				parked.Done()
				<-gate
				time.Sleep(sleepTime)
				done.Done()
			}()
		}
		parked.Wait()
		m.peak()
		close(gate)
		done.Wait()
		m.stop()
	}
	m.report(b)
}

package timer

import (
	"sync"
	"testing"
	"time"

	"github.com/weftrt/weft/future"
)

// deltas are pseudo-random deadlines up to ~16 s ahead, spread over the
// first four levels.
func deltas(n int) []uint64 {
	ds := make([]uint64, n)
	x := uint64(88172645463325252)
	for i := range ds {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		ds[i] = 1 + x%(1<<14)
	}
	return ds
}

// BenchmarkWheelInsertRemove is one Insert plus one Remove on a wheel that
// holds 1024 other timers. Twins: BenchmarkTimeNewTimerStop,
// BenchmarkTimeAfterFuncStop.
func BenchmarkWheelInsertRemove(b *testing.B) {
	var w Wheel
	bg := make([]Entry, 1024)
	ds := deltas(len(bg))
	for i := range bg {
		w.Insert(&bg[i], ds[i])
	}
	var e Entry
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		w.Insert(&e, ds[i&1023])
		w.Remove(&e)
		i++
	}
}

// BenchmarkDriverRegisterDeregister is the same through the Driver (lock,
// state word, unpark check).
func BenchmarkDriverRegisterDeregister(b *testing.B) {
	d := pausedDriver()
	bg := make([]Entry, 1024)
	ds := deltas(len(bg))
	for i := range bg {
		_ = d.Register(&bg[i], TickInstant(ds[i]), future.Noop())
	}
	var e Entry
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		_ = d.Register(&e, TickInstant(ds[i&1023]), future.Noop())
		d.Deregister(&e)
		i++
	}
}

func BenchmarkTimeNewTimerStop(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		t := time.NewTimer(10 * time.Second)
		t.Stop()
	}
}

func BenchmarkTimeAfterFuncStop(b *testing.B) {
	f := func() {}
	b.ReportAllocs()
	for b.Loop() {
		time.AfterFunc(10*time.Second, f).Stop()
	}
}

// BenchmarkDriverPollPending is the lock-free poll of a pending timer with an
// unchanged waker: what every re-poll of a sleeping future costs.
func BenchmarkDriverPollPending(b *testing.B) {
	d := pausedDriver()
	var e Entry
	w := future.Noop()
	_ = d.Register(&e, Instant(time.Hour), w)
	b.ReportAllocs()
	for b.Loop() {
		if ok, _ := d.Poll(&e, w); ok {
			b.Fatal("fired")
		}
	}
}

const fireN = 10_000

// BenchmarkDriverFire10k registers 10k timers spread over 16 s and fires them
// all by advancing the paused clock in one step (one op = 10k timers).
// Twin: BenchmarkTimeAfterFuncFire10k.
func BenchmarkDriverFire10k(b *testing.B) {
	es := make([]Entry, fireN)
	ds := deltas(fireN)
	w := &countWaker{}
	b.ReportAllocs()
	for b.Loop() {
		d := pausedDriver()
		for i := range es {
			_ = d.Register(&es[i], TickInstant(ds[i]), w.waker())
		}
		d.Advance(20 * time.Second)
		if d.Len() != 0 {
			b.Fatal("timers left")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*fireN), "ns/timer")
}

// BenchmarkDriverFireStepwise10k fires the same timers by stepping the clock
// with AutoAdvance, one deadline at a time, as a paused runtime does.
func BenchmarkDriverFireStepwise10k(b *testing.B) {
	es := make([]Entry, fireN)
	ds := deltas(fireN)
	w := &countWaker{}
	b.ReportAllocs()
	for b.Loop() {
		d := pausedDriver()
		for i := range es {
			_ = d.Register(&es[i], TickInstant(ds[i]), w.waker())
		}
		for d.AutoAdvance() {
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*fireN), "ns/timer")
}

// BenchmarkTimeAfterFuncFire10k starts 10k runtime timers that are due at
// once and waits until all have run: the Go runtime's cost to arm and fire a
// timer, without the waiting.
func BenchmarkTimeAfterFuncFire10k(b *testing.B) {
	var wg sync.WaitGroup
	f := func() { wg.Done() }
	b.ReportAllocs()
	for b.Loop() {
		wg.Add(fireN)
		for range fireN {
			time.AfterFunc(time.Nanosecond, f)
		}
		wg.Wait()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*fireN), "ns/timer")
}

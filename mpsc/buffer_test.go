package mpsc_test

import (
	"errors"
	"runtime"
	"testing"

	"github.com/weftrt/weft/mpsc"
)

// page is a large value: a channel of them used to allocate 1,024 of them
// (4 MiB) when it was made.
type page [4096]byte

// New must not allocate the buffer up front: a channel of large values with
// a large capacity used to cost megabytes before the first send.
func TestNewAllocatesNoBufferUpFront(t *testing.T) {
	const n = 8
	type pair struct {
		tx *mpsc.Sender[page]
		rx *mpsc.Receiver[page]
	}
	chans := make([]pair, n)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range chans {
		chans[i].tx, chans[i].rx = mpsc.New[page](100000)
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per >= 64<<10 {
		t.Fatalf("New[[4096]byte](100000) allocates %d bytes, want < 64 KiB", per)
	}
	for _, c := range chans {
		if got := mpsc.RingCap(c.rx); got != 0 {
			t.Errorf("new channel has a ring of %d slots, want none", got)
		}
		c.tx.Close()
	}
}

// The first allocation of a channel of large values is bounded in bytes: one
// 4 KiB value, not sixteen.
func TestFirstBufferOfLargeValuesIsSmall(t *testing.T) {
	tx, rx := mpsc.New[page](100000)
	defer tx.Close()
	if err := tx.TrySend(page{1}); err != nil {
		t.Fatal(err)
	}
	if got := mpsc.RingCap(rx); got != 1 {
		t.Fatalf("ring after one send of a 4 KiB value = %d slots, want 1", got)
	}
	small, srx := mpsc.New[int](100000)
	defer small.Close()
	if err := small.TrySend(1); err != nil {
		t.Fatal(err)
	}
	if got := mpsc.RingCap(srx); got != 16 {
		t.Fatalf("ring after one send of an int = %d slots, want 16", got)
	}
}

// Filling a channel to capacity grows the buffer to exactly the capacity
// (not the next power of two), the bound still holds, and draining returns
// every value in order.
func TestBufferGrowsToCapacityAndNoFurther(t *testing.T) {
	for _, capacity := range []int{1, 3, 17, 1000, 100000} {
		tx, rx := mpsc.New[int](capacity)
		for round := range 2 {
			for i := range capacity {
				if err := tx.TrySend(i); err != nil {
					t.Fatalf("cap %d round %d: TrySend %d: %v", capacity, round, i, err)
				}
			}
			if err := tx.TrySend(-1); !errors.Is(err, mpsc.ErrFull) {
				t.Fatalf("cap %d: TrySend on a full channel = %v, want ErrFull", capacity, err)
			}
			if got := mpsc.RingCap(rx); got != capacity {
				t.Fatalf("cap %d: ring of %d slots when full", capacity, got)
			}
			for i := range capacity {
				if v, err := rx.TryRecv(); err != nil || v != i {
					t.Fatalf("cap %d: TryRecv = %d, %v; want %d", capacity, v, err, i)
				}
			}
			// A bounded channel keeps its grown buffer.
			if got := mpsc.RingCap(rx); got != capacity {
				t.Fatalf("cap %d: ring of %d slots after draining, want it kept", capacity, got)
			}
		}
		tx.Close()
		noLeftovers(t, rx)
	}
}

// Large values: fill a channel of 4 KiB values to capacity and drain it.
func TestLargeValuesFillAndDrain(t *testing.T) {
	const capacity = 1000
	tx, rx := mpsc.New[page](capacity)
	for i := range capacity {
		mustSend(t, tx, page{byte(i), byte(i >> 8)})
	}
	if err := tx.TrySend(page{}); !errors.Is(err, mpsc.ErrFull) {
		t.Fatalf("TrySend on a full channel = %v, want ErrFull", err)
	}
	tx.Close()
	for i := range capacity {
		if v := mustRecv(t, rx); v[0] != byte(i) || v[1] != byte(i>>8) {
			t.Fatalf("value %d came out as %d", i, int(v[0])|int(v[1])<<8)
		}
	}
	mustRecvClosed(t, rx)
}

// The buffer grows while its values wrap around the end of the ring: the
// copy must keep them in order. Capacities that are not powers of two wrap
// at their own size.
func TestBufferGrowsWhileWrapped(t *testing.T) {
	for _, capacity := range []int{5, 24, 100} {
		tx, rx := mpsc.New[int](capacity)
		next, want := 0, 0
		send := func() {
			t.Helper()
			if err := tx.TrySend(next); err != nil {
				t.Fatalf("cap %d: TrySend %d: %v", capacity, next, err)
			}
			next++
		}
		recv := func() {
			t.Helper()
			if v, err := rx.TryRecv(); err != nil || v != want {
				t.Fatalf("cap %d: TryRecv = %d, %v; want %d", capacity, v, err, want)
			}
			want++
		}
		send()
		for grows := 0; mpsc.RingCap(rx) < capacity; grows++ {
			size := mpsc.RingCap(rx)
			// Move the oldest value off the start of the ring, fill it
			// so that it wraps, then grow it by one more send.
			for rx.Len() < size {
				send()
			}
			for range (size + 1) / 2 {
				recv()
			}
			for rx.Len() < size {
				send()
			}
			send()
			if got := mpsc.RingCap(rx); got <= size {
				t.Fatalf("cap %d: ring of %d did not grow (now %d)", capacity, size, got)
			}
			if grows > 64 {
				t.Fatal("ring never reaches the capacity")
			}
		}
		for want < next {
			recv()
		}
		if got := mpsc.RingCap(rx); got != capacity {
			t.Fatalf("cap %d: ring grew to %d slots", capacity, got)
		}
		tx.Close()
		noLeftovers(t, rx)
	}
}

// Once the buffer has grown to the largest backlog, sending and receiving
// allocate nothing, whatever the backlog below it.
func TestSteadyStateSendRecvDoesNotAllocate(t *testing.T) {
	const capacity = 100
	tx, rx := mpsc.New[page](capacity)
	defer tx.Close()
	cycle := func() {
		for range capacity {
			if err := tx.TrySend(page{}); err != nil {
				t.Fatal(err)
			}
		}
		for range capacity {
			if _, err := rx.TryRecv(); err != nil {
				t.Fatal(err)
			}
		}
	}
	cycle() // warm-up: grows the buffer to the capacity
	if n := testing.AllocsPerRun(20, cycle); n != 0 {
		t.Fatalf("a fill-and-drain cycle allocates %v times after warm-up", n)
	}
}

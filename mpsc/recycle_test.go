package mpsc_test

import (
	"context"
	"sync"
	"testing"

	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/mpsc"
)

// slab is a value large enough (32 KiB) for the channel's buffer to go back
// to the pool when the channel is closed on both sides and empty.
type slab [4096]uint64

// A channel made, used and closed per request reuses the buffer of the one
// before instead of allocating 32 KiB again.
func TestChannelClosedOnBothSidesGivesItsBufferToTheNext(t *testing.T) {
	const rounds = 64
	once := func(i int) {
		tx, rx := mpsc.New[slab](1000)
		if err := tx.TrySend(slab{uint64(i)}); err != nil {
			t.Fatal(err)
		}
		if v, err := rx.TryRecv(); err != nil || v[0] != uint64(i) {
			t.Fatalf("round %d: got %d, %v", i, v[0], err)
		}
		tx.Close()
		rx.Close()
	}
	reused := rttest.ReusedRounds(rounds, 16<<10, once)
	// Without reuse every round allocates 32 KiB. Ask for a quarter of the
	// rounds (see ReusedRounds), which a pool that works meets with a wide
	// margin and no reuse at all never does.
	if reused < rounds/4 {
		t.Fatalf("%d of %d channels reused the buffer of the one before, want at least %d", reused, rounds, rounds/4)
	}
}

// A channel whose buffer still holds values when it is closed keeps them:
// the receiver drains them, and nothing is recycled under it.
func TestClosedChannelWithValuesKeepsItsBuffer(t *testing.T) {
	tx, rx := mpsc.New[slab](4)
	for i := range 3 {
		if err := tx.TrySend(slab{uint64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	tx.Close()
	rx.Close()
	// Another channel of the same type takes whatever the pool has.
	tx2, rx2 := mpsc.New[slab](4)
	if err := tx2.TrySend(slab{99}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if v, err := rx.TryRecv(); err != nil || v[0] != uint64(i) {
			t.Fatalf("value %d: got %d, %v", i, v[0], err)
		}
	}
	if _, err := rx.TryRecv(); err != mpsc.ErrClosed {
		t.Fatalf("after draining: %v, want ErrClosed", err)
	}
	if v, err := rx2.TryRecv(); err != nil || v[0] != 99 {
		t.Fatalf("second channel: got %d, %v", v[0], err)
	}
	tx2.Close()
	rx2.Close()
}

// Stress under -race: many goroutines make, use and close channels of one
// large type at once, so that buffers go round through the pool while
// other channels use theirs; every value arrives once, on its own channel.
func TestRecycledBuffersStressValuesStayOnTheirChannel(t *testing.T) {
	workers, rounds := 8, 200
	if testing.Short() {
		rounds = 20
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				tx, rx := mpsc.New[slab](8)
				n := 1 + (w+r)%8
				base := uint64(w)<<32 | uint64(r)<<8
				done := make(chan error, 1)
				go func() {
					defer tx.Close()
					for i := range n {
						if err := tx.BlockingSend(context.Background(), slab{base + uint64(i), base}); err != nil {
							done <- err
							return
						}
					}
					done <- nil
				}()
				for i := range n {
					v, err := rx.BlockingRecv(context.Background())
					if err != nil || v[0] != base+uint64(i) || v[1] != base || v[2] != 0 {
						t.Errorf("worker %d round %d value %d: got %d/%d/%d, %v", w, r, i, v[0], v[1], v[2], err)
						return
					}
				}
				if err := <-done; err != nil {
					t.Error(err)
					return
				}
				if _, err := rx.BlockingRecv(context.Background()); err != mpsc.ErrClosed {
					t.Errorf("after the last value: %v, want ErrClosed", err)
					return
				}
				rx.Close()
			}
		})
	}
	wg.Wait()
}

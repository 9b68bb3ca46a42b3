package mpmc_test

import (
	"context"
	"sync"
	"testing"

	"github.com/weftrt/weft/internal/rttest"
	"github.com/weftrt/weft/mpmc"
)

// block is a value large enough (32 KiB) for a channel's buffer to go back
// to its element type's pool when the channel reaches its end.
type block [4096]uint64

// A channel made, used and closed per request reuses the buffer of the one
// before, whether it was empty when closed or its last value was received
// after the close.
func TestChannelAtItsEndGivesItsBufferToTheNext(t *testing.T) {
	for _, closeFirst := range []bool{false, true} {
		const rounds = 64
		reused := rttest.ReusedRounds(rounds, 16<<10, func(i int) {
			tx, rx := mpmc.New[block](1000)
			if err := tx.TrySend(block{uint64(i)}); err != nil {
				t.Fatal(err)
			}
			if closeFirst {
				tx.Close() // the receive below takes the last value
			}
			if v, err := rx.TryRecv(); err != nil || v[0] != uint64(i) {
				t.Fatalf("round %d: got %d, %v", i, v[0], err)
			}
			if !closeFirst {
				tx.Close() // the close finds the channel empty
			}
		})
		// Without reuse every round allocates 32 KiB.
		if reused < rounds/4 {
			t.Fatalf("close first %v: %d of %d channels reused the buffer of the one before, want at least %d",
				closeFirst, reused, rounds, rounds/4)
		}
	}
}

// A closed channel that still holds values keeps its buffer until the last
// of them is received: another channel of the same type made meanwhile
// gets an array of its own, and both deliver their values intact.
func TestClosedChannelKeepsItsBufferUntilDrained(t *testing.T) {
	tx, rx := mpmc.New[block](4)
	for i := range 3 {
		if err := tx.TrySend(block{uint64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	tx.Close()
	tx2, rx2 := mpmc.New[block](4)
	if err := tx2.TrySend(block{99}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if v, err := rx.TryRecv(); err != nil || v[0] != uint64(i) {
			t.Fatalf("value %d: got %d, %v", i, v[0], err)
		}
	}
	if _, err := rx.TryRecv(); err != mpmc.ErrClosed {
		t.Fatalf("after draining: %v, want ErrClosed", err)
	}
	if err := tx.TrySend(block{7}); err != mpmc.ErrClosed {
		t.Fatalf("send after the end: %v, want ErrClosed", err)
	}
	if v, err := rx2.TryRecv(); err != nil || v[0] != 99 {
		t.Fatalf("second channel: got %d, %v", v[0], err)
	}
	tx2.Close()
}

// Stress under -race: goroutines make channels of one large type, send on
// them from two senders, receive with two receivers and close them, so that
// buffers go round through the pool while other channels use theirs. Every
// value arrives exactly once, on its own channel, with its words intact.
func TestRecycledBuffersStressValuesStayOnTheirChannel(t *testing.T) {
	workers, rounds := 6, 150
	if testing.Short() {
		rounds = 15
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				tx, rx := mpmc.New[block](4)
				base := uint64(w)<<32 | uint64(r)<<8
				const perSender = 5
				var senders, receivers sync.WaitGroup
				for s := range 2 {
					senders.Go(func() {
						for i := range perSender {
							v := base + uint64(s*perSender+i)
							if err := tx.BlockingSend(ctx, block{v, base}); err != nil {
								t.Errorf("send %d: %v", v, err)
								return
							}
						}
					})
				}
				var mu sync.Mutex
				seen := map[uint64]int{}
				for range 2 {
					receivers.Go(func() {
						for {
							v, err := rx.BlockingRecv(ctx)
							if err == mpmc.ErrClosed {
								return
							}
							if err != nil || v[1] != base || v[2] != 0 {
								t.Errorf("worker %d round %d: got %d/%d/%d, %v", w, r, v[0], v[1], v[2], err)
								return
							}
							mu.Lock()
							seen[v[0]]++
							mu.Unlock()
						}
					})
				}
				senders.Wait()
				tx.Close()
				receivers.Wait()
				for i := range uint64(2 * perSender) {
					if seen[base+i] != 1 {
						t.Errorf("worker %d round %d: value %d arrived %d times", w, r, i, seen[base+i])
					}
				}
				if len(seen) != 2*perSender {
					t.Errorf("worker %d round %d: %d distinct values, want %d", w, r, len(seen), 2*perSender)
				}
			}
		})
	}
	wg.Wait()
}

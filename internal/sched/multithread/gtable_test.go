package multithread

import (
	"sync"
	"testing"
)

// Workers insert their identities concurrently when a scheduler starts.
// When two identities probe the same slot, each must still map to its own
// worker: a goroutine taken for another worker pushes into that worker's
// queues from the wrong goroutine (a data race, and a task lost in the LIFO
// slot of a parked worker, which hung paused-clock tests).
func TestGtableConcurrentCollidingInsertsKeepTheirValues(t *testing.T) {
	mask := newGtable(2).mask
	base := uintptr(0x10000)
	var keys []uintptr
	for g := base; len(keys) < 4; g += 16 {
		if gHash(g)&mask == gHash(base)&mask {
			keys = append(keys, g)
		}
	}
	rounds := 20000
	if testing.Short() {
		rounds = 2000
	}
	for r := range rounds {
		tb := newGtable(2)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, g := range keys {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				tb.insert(g, i)
			}()
		}
		close(start)
		wg.Wait()
		for i, g := range keys {
			if got := tb.lookup(g); got != i {
				t.Fatalf("round %d: identity %d maps to worker %d", r, i, got)
			}
		}
	}
}

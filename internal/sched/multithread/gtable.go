package multithread

import "sync/atomic"

// gtable maps goroutine identities (internal/gident) to worker indexes, so
// that Schedule can tell in a few nanoseconds whether it runs on one of this
// scheduler's workers. Open addressing with linear probing; entries are only
// added (when a worker goroutine starts) and tombstoned (when one is
// replaced), never moved, so lookups need no lock.
type gtable struct {
	keys []atomic.Uintptr // 0: empty; gTombstone: removed
	vals []atomic.Int32
	mask uintptr
}

const gTombstone = 1

func newGtable(workers int) *gtable {
	n := 8
	for n < 4*workers {
		n <<= 1
	}
	return &gtable{keys: make([]atomic.Uintptr, n), vals: make([]atomic.Int32, n), mask: uintptr(n - 1)}
}

func gHash(g uintptr) uintptr { return uintptr(uint64(g>>4) * 0x9E3779B97F4A7C15 >> 7) } // 64-bit product: compiles on 32-bit too

// insert records that goroutine g is worker w. It is called by g itself.
// The slot is claimed (key CAS) before the value is stored: storing the value
// first let a concurrent insert that probed the same slot overwrite the value
// of a slot the other goroutine then claimed, mapping g to the wrong worker.
// Storing after the claim is safe because only g looks g up (on its own
// goroutine, after insert returned), or a coroutine acting for g
// (gident.Owner), which g switched to long after its insert.
func (t *gtable) insert(g uintptr, w int) {
	for i := gHash(g); ; i++ {
		k := &t.keys[i&t.mask]
		cur := k.Load()
		if (cur == 0 || cur == gTombstone) && k.CompareAndSwap(cur, g) {
			t.vals[i&t.mask].Store(int32(w))
			return
		}
	}
}

// remove forgets goroutine g.
func (t *gtable) remove(g uintptr) {
	for i, end := gHash(g), gHash(g)+uintptr(len(t.keys)); i != end; i++ {
		k := &t.keys[i&t.mask]
		switch k.Load() {
		case g:
			k.Store(gTombstone)
			return
		case 0:
			return
		}
	}
}

// lookup returns the worker index of goroutine g, or -1.
func (t *gtable) lookup(g uintptr) int {
	if g == 0 {
		return -1
	}
	// Bounded: after many replaced workers the table may hold no empty
	// slot, only tombstones.
	for i, end := gHash(g), gHash(g)+uintptr(len(t.keys)); i != end; i++ {
		switch t.keys[i&t.mask].Load() {
		case g:
			return int(t.vals[i&t.mask].Load())
		case 0:
			return -1
		}
	}
	return -1
}

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

func gHash(g uintptr) uintptr { return (g >> 4) * 0x9E3779B97F4A7C15 >> 7 }

// insert records that goroutine g is worker w. The value is stored before the
// key, so a reader that finds the key reads the right value.
func (t *gtable) insert(g uintptr, w int) {
	for i := gHash(g); ; i++ {
		k := &t.keys[i&t.mask]
		cur := k.Load()
		if cur == 0 || cur == gTombstone {
			t.vals[i&t.mask].Store(int32(w))
			if k.CompareAndSwap(cur, g) {
				return
			}
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

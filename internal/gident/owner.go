package gident

import "sync/atomic"

// Goroutines that act for another.
//
// weft.Async runs a body on a coroutine goroutine of its own (iter.Pull),
// but only while the goroutine that polls it is blocked in the coroutine
// switch: for a scheduler, whatever the body does (waking a task, spawning,
// calling BlockOn) is done by the poller. A scheduler that does not recognise
// the calling goroutine asks Owner whom it acts for, and looks that one up
// instead. Without this, every wake from a body on a worker took the remote
// path, a YieldNow in a body did not let the tasks it woke run first, and a
// BlockOn in a body was not detected as nested.
//
// The table is fixed and small: an entry lives only while a body runs (not
// while it is suspended), and when there is no room near a goroutine's slot
// SetOwner records nothing and the body runs unrecognised, which is correct,
// only slower. An entry is read only by the goroutine it describes, after the
// goroutine that wrote it switched to it, so the switch orders the write
// before the read; other goroutines only ever see keys that are not theirs.

const (
	ownerSlots  = 1024 // a power of two
	ownerWindow = 8    // slots probed from a goroutine's hash
)

var owners struct {
	keys [ownerSlots]atomic.Uintptr // 0: free
	vals [ownerSlots]atomic.Uintptr
}

// ownerHash spreads identities over the table. The product is taken in 64
// bits so that the constant fits on 32-bit platforms too (where Current is
// always 0 and the table is never used, but the package must compile).
func ownerHash(g uintptr) uintptr { return uintptr(uint64(g>>4) * 0x9E3779B97F4A7C15 >> 11) }

// SetOwner records that goroutine g acts for goroutine owner until
// ClearOwner(g), and reports whether it did (false when either is 0 or the
// table has no room). g must not have an owner already. SetOwner is called
// by g itself, or by a goroutine that then switches to g (so that g reads
// the entry after it was written).
func SetOwner(g, owner uintptr) bool {
	if g == 0 || owner == 0 {
		return false
	}
	h := ownerHash(g)
	for i := range uintptr(ownerWindow) {
		j := (h + i) & (ownerSlots - 1)
		if owners.keys[j].Load() == 0 && owners.keys[j].CompareAndSwap(0, g) {
			owners.vals[j].Store(owner)
			return true
		}
	}
	return false
}

// ClearOwner forgets g's owner. It must be called before g exits (a later
// goroutine may get the same identity) and once g no longer acts for its
// owner.
func ClearOwner(g uintptr) {
	h := ownerHash(g)
	for i := range uintptr(ownerWindow) {
		j := (h + i) & (ownerSlots - 1)
		if owners.keys[j].Load() == g {
			owners.keys[j].Store(0)
			return
		}
	}
}

// Owner returns the goroutine that g acts for, or 0. Only g itself may ask
// (Owner(Current())): the entry is written before g was switched to.
func Owner(g uintptr) uintptr {
	if g == 0 {
		return 0
	}
	h := ownerHash(g)
	for i := range uintptr(ownerWindow) {
		j := (h + i) & (ownerSlots - 1)
		if owners.keys[j].Load() == g {
			return owners.vals[j].Load()
		}
	}
	return 0
}

// Effective returns the identity the calling goroutine acts as: its owner
// if it has one, otherwise its own.
func Effective() uintptr {
	g := Current()
	if o := Owner(g); o != 0 {
		return o
	}
	return g
}

package task

import (
	"sync"
	"sync/atomic"
)

// Spawn sites are program counters of spawn calls. A task keeps its site as
// a 16-bit index into a process-wide table (Header.site), so that recording
// it costs no allocation and no header space beyond those two bytes. Sites
// are few (one per spawn call in the program's code), so the table stays
// small; it only grows. A program with more than 65,534 spawn calls would
// have the later ones recorded as unknown.
//
// Lookups from spawns go through a direct-mapped cache of (pc, index)
// entries, like the task type cache; reads of a site's PC (hooks, dumps) load
// an immutable snapshot of the table.
var sites struct {
	mu    sync.Mutex
	index map[uintptr]uint16        // guarded by mu
	pcs   atomic.Pointer[[]uintptr] // immutable snapshots; pcs[0] is 0 (no site)
}

type siteEntry struct {
	pc  uintptr
	idx uint16
}

var siteCache [256]atomic.Pointer[siteEntry]

// siteOf returns the table index of pc (0 for pc 0).
func siteOf(pc uintptr) uint16 {
	if pc == 0 {
		return 0
	}
	slot := &siteCache[(pc>>2^pc>>10)&uintptr(len(siteCache)-1)]
	if e := slot.Load(); e != nil && e.pc == pc {
		return e.idx
	}
	idx := siteOfSlow(pc)
	slot.Store(&siteEntry{pc: pc, idx: idx})
	return idx
}

func siteOfSlow(pc uintptr) uint16 {
	sites.mu.Lock()
	defer sites.mu.Unlock()
	if idx, ok := sites.index[pc]; ok {
		return idx
	}
	if sites.index == nil {
		sites.index = make(map[uintptr]uint16)
	}
	var pcs []uintptr
	if p := sites.pcs.Load(); p != nil {
		pcs = *p
	} else {
		pcs = []uintptr{0}
	}
	if len(pcs) >= 1<<16-1 {
		return 0 // the table is full: the site is just not kept
	}
	next := make([]uintptr, len(pcs), len(pcs)+1)
	copy(next, pcs)
	next = append(next, pc)
	idx := uint16(len(next) - 1)
	sites.pcs.Store(&next)
	sites.index[pc] = idx
	return idx
}

// sitePC returns the program counter of site idx (0 for none).
func sitePC(idx uint16) uintptr {
	if idx == 0 {
		return 0
	}
	p := sites.pcs.Load()
	if p == nil || int(idx) >= len(*p) {
		return 0
	}
	return (*p)[idx]
}

package task

import (
	"sync/atomic"
	"unsafe"
)

/*
Cells padded to whole cache lines.

A cell's size is whatever its future makes it, and Go's allocator packs cells
of one size class back to back: with 96-byte cells, every other cell's state
word shares a 64-byte line with the end of its neighbour's future. When the
two tasks run on different workers and are polled over and over (tasks that
yield), each poll's writes (the state word's compare-and-swaps, the future's
fields, the run-queue link) take the line away from the other worker's core:
two workers running 200 tasks that each yield 1,000 times spent half their
time in those misses. Tokio aligns its task cells to 128 bytes for the same
reason.

Go cannot align an allocation beyond its size class, but an object whose
size is a multiple of 64 gets a size class that is a multiple of 64 (every
class is, from 64 bytes to 512, except the ones between two multiples), and
the objects of a span start at multiples of the class size from a
page-aligned base: such a cell starts on a line and shares none. Padding costs
up to 56 bytes a task, which idle tasks (polled once, then waiting) do not
need, since nothing writes their cells while they wait; so a task type gets
padded cells only once one of its tasks is woken during its own poll on a
multi-thread worker (Notified.PadCellsOfType, called by the multi-thread
scheduler's Yield: the task yielded, or another worker woke it while it
ran).
From then on newCell allocates the type's cells through a sibling task type,
paddedType, whose cells are the same cell with padding after it: the same
operations, a pool and cache stack of its own (so padded and unpadded cells
never mix), and no sibling of its own. Unpadded cells of the type still in
its pool and caches are left to the collector.

Cells bigger than maxPaddedCell are left as they are: above 512 bytes the
allocator puts an 8-byte header in front of objects with pointers, so the
cell would not start on a line anyway, and a big future keeps neighbours'
headers apart by itself.
*/

// cacheLine is the line size the padding rounds cells up to.
const cacheLine = 64

// maxPaddedCell is the largest padded cell size (see above).
const maxPaddedCell = 512

// paddedCell is a cell C (a cell[F, T] or statsCell[F, T]) followed by
// padding P (a byte array) that makes its size a multiple of cacheLine. The
// header stays at offset 0, so every operation of C's task type works on it.
type paddedCell[C any, P any] struct {
	c C
	_ P
}

func allocPadded[C any, P any]() *Header {
	return (*Header)(unsafe.Pointer(new(paddedCell[C, P])))
}

// padAllocator returns the allocator of padded cells of type C, or nil when
// C needs no padding (its size is a multiple of cacheLine already) or gets
// none (it is bigger than maxPaddedCell).
func padAllocator[C any]() func() *Header {
	size := unsafe.Sizeof(*new(C))
	if size > maxPaddedCell-cacheLine {
		return nil
	}
	switch (cacheLine - size%cacheLine) % cacheLine {
	case 8:
		return allocPadded[C, [8]byte]
	case 16:
		return allocPadded[C, [16]byte]
	case 24:
		return allocPadded[C, [24]byte]
	case 32:
		return allocPadded[C, [32]byte]
	case 40:
		return allocPadded[C, [40]byte]
	case 48:
		return allocPadded[C, [48]byte]
	case 56:
		return allocPadded[C, [56]byte]
	}
	return nil // a multiple already (cells are 8-aligned)
}

// PadCellsOfType makes the tasks of n's type spawned from now on get cells
// padded to whole cache lines (see "Cells padded to whole cache lines"). A
// scheduler whose workers poll tasks in parallel calls it when a task woke
// itself during its poll; after the first call it costs two loads.
func (n Notified) PadCellsOfType() {
	if tt := n.h.typ; tt.padAlloc != nil && tt.padded.Load() == nil {
		tt.makePadded()
	}
}

// makePadded creates tt's padded sibling, once.
func (tt *taskType) makePadded() {
	p := &taskType{
		poll:     tt.poll,
		shutdown: tt.shutdown,
		dealloc:  tt.dealloc,
		cancel:   tt.cancel,
		future:   tt.future,
		statsOff: tt.statsOff,
		index:    int(typeCount.Add(1) - 1),
		futFacts: tt.futFacts,
		outFacts: tt.outFacts,
		padState: padState{alloc: tt.padAlloc},
	}
	tt.padded.CompareAndSwap(nil, p)
}

// paddedOr returns the type new cells of tt are made as: its padded sibling
// once there is one, else tt.
func (tt *taskType) paddedOr() *taskType {
	if p := tt.padded.Load(); p != nil {
		return p
	}
	return tt
}

// padState is the part of a taskType that padding uses.
type padState struct {
	// padAlloc allocates a padded cell of the type, nil when its cells
	// get no padding (padAllocator); nil in a padded type.
	padAlloc func() *Header
	// padded is the padded sibling, set once by makePadded.
	padded atomic.Pointer[taskType]
	// alloc allocates the cells of a padded type; nil for the others,
	// whose cells newCell allocates itself.
	alloc func() *Header
}

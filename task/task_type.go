package task

import (
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/weftrt/weft/future"
	"github.com/weftrt/weft/internal/values"
)

// taskType is what untyped code needs to drive a task of one (future, output)
// type pair from its *Header: the typed operations, and the pool its cells
// are recycled through. There is one per pair, created on first use.
//
// The operations convert the *Header back to the *cell it heads. That is
// sound because the Header is the first field of every cell (through
// core.hdr), so both pointers are the same address and the cell's type is
// fixed by the taskType the header points to.
type taskType struct {
	poll     func(h *Header, cx *future.Context)
	shutdown func(h *Header, cause error)
	dealloc  func(h *Header)
	// cancel drops the future and completes the task cancelled; the
	// caller holds RUNNING and a reference (a dumper whose toIdle reported
	// Cancelled).
	cancel func(h *Header)
	// future returns the future for a task dump; see cell.future.
	future func(h *Header) any
	// statsOff is the offset of the Stats pointer from the header in a
	// statsCell, 0 when the type's cells have none (Options.Stats off).
	statsOff uintptr
	// pool holds released cells (as *Header) that no CellCache kept; see
	// cell_cache.go.
	pool sync.Pool
	// index is the type's stack in every CellCache.
	index int

	// Facts of the future and output types, so that spawning and dropping
	// need no reflection.
	futFacts values.Facts
	outFacts values.Facts

	// slabs are the current JoinHandle slabs (see newJoinHandle); each
	// points at the head of a handleSlab[T] for this type's T.
	slabs [handleSlabShards]atomic.Pointer[slabHeader]

	// padState holds the type's padded sibling (cell_padding.go).
	padState
}

// taskTypes maps reflect.Type of cell[F, T] to its *taskType.
var taskTypes sync.Map

// typeCount numbers the task types (taskType.index).
var typeCount atomic.Int64

// typeCache is a small direct-mapped cache in front of taskTypes: a spawn
// usually finds its type here with one atomic load and one comparison, where
// the map would hash the key. Entries are immutable; a slot is overwritten
// when two types collide, which only costs a map lookup. Entries are keyed by
// the address of the runtime's descriptor of *cell[F, T], which a generic
// function reads from its dictionary without a call (reflect.TypeFor and
// comparing reflect.Type interfaces cost about 50 instructions per spawn).
var typeCache [64]atomic.Pointer[typeCacheEntry]

type typeCacheEntry struct {
	key unsafe.Pointer // type word of an any holding a *cell[F, T]
	tt  *taskType
}

// typeWord returns the type word of e: the address of its dynamic type's
// descriptor, the same for every value of one type.
func typeWord(e any) unsafe.Pointer { return (*[2]unsafe.Pointer)(unsafe.Pointer(&e))[0] }

// storedType returns the task type of a future F stored as itself (Bind),
// with Stats when opts asks for them.
func storedType[F future.Future[T], T any](opts Options) *taskType {
	key := cellKey[F, T](opts.Stats)
	if e := typeSlot(key).Load(); e != nil && e.key == key {
		return e.tt
	}
	return newType[F, T](key, opts.Stats, pollStored[F, T])
}

// inlineType returns the task type of a future F stored inline and polled
// at its address (BindInline). A type F whose Poll has a value receiver may
// be spawned both ways and gets one task type: both polls run the same
// method on a copy of the cell's value.
func inlineType[F any, PF interface {
	*F
	future.Future[T]
}, T any](opts Options) *taskType {
	key := cellKey[F, T](opts.Stats)
	if e := typeSlot(key).Load(); e != nil && e.key == key {
		return e.tt
	}
	return newType[F, T](key, opts.Stats, pollInline[F, PF, T])
}

// cellKey returns the cache key of the task type of cells cell[F, T], or
// statsCell[F, T] when stats is set.
func cellKey[F any, T any](stats bool) unsafe.Pointer {
	if stats {
		return typeWord((*statsCell[F, T])(nil))
	}
	return typeWord((*cell[F, T])(nil))
}

// newType is the slow path of storedType and inlineType: it finds or makes
// the task type, whose taskType.poll is poll when it is new, and caches it
// under key.
func newType[F any, T any](key unsafe.Pointer, stats bool, poll func(*Header, *future.Context)) *taskType {
	var tt *taskType
	if stats {
		var probe statsCell[F, T]
		tt = typeForSlow[F, T](reflect.TypeFor[statsCell[F, T]](), unsafe.Offsetof(probe.stats), poll, padAllocator[statsCell[F, T]]())
	} else {
		tt = typeForSlow[F, T](reflect.TypeFor[cell[F, T]](), 0, poll, padAllocator[cell[F, T]]())
	}
	typeSlot(key).Store(&typeCacheEntry{key: key, tt: tt})
	return tt
}

// typeSlot returns the cache slot of a type word.
func typeSlot(key unsafe.Pointer) *atomic.Pointer[typeCacheEntry] {
	return &typeCache[(uintptr(key)>>5)&uintptr(len(typeCache)-1)]
}

// typeForSlow finds or makes the task type whose cells have type key:
// cell[F, T], or statsCell[F, T] with the Stats pointer at statsOff.
func typeForSlow[F any, T any](key reflect.Type, statsOff uintptr, poll func(*Header, *future.Context), padAlloc func() *Header) *taskType {
	if v, ok := taskTypes.Load(key); ok {
		return v.(*taskType)
	}
	tt := &taskType{
		statsOff: statsOff,
		poll:     poll,
		shutdown: func(h *Header, cause error) { harnessOf[F, T](h).shutdown(cause) },
		dealloc:  func(h *Header) { harnessOf[F, T](h).dealloc() },
		futFacts: values.FactsFor[F](),
		outFacts: values.FactsFor[T](),
		index:    int(typeCount.Add(1) - 1),
		padState: padState{padAlloc: padAlloc},
		cancel: func(h *Header) {
			c := harnessOf[F, T](h)
			c.cancelTask(nil)
			c.complete()
		},
	}
	// A future stored by value is handed out by address, so that methods
	// with pointer receivers (String, Trace) are in the method set the
	// dump sees; pointers and interfaces are handed out as they are.
	if k := reflect.TypeFor[F]().Kind(); k == reflect.Pointer || k == reflect.Interface {
		tt.future = func(h *Header) any { return harnessOf[F, T](h).future() }
	} else {
		tt.future = func(h *Header) any { return harnessOf[F, T](h).futureAddr() }
	}
	v, _ := taskTypes.LoadOrStore(key, tt)
	return v.(*taskType)
}

// harnessOf returns the harness of the cell whose header h is.
func harnessOf[F any, T any](h *Header) *harness[F, T] {
	return (*harness[F, T])(unsafe.Pointer(h))
}

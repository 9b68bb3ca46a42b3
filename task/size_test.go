package task

import (
	"runtime"
	"testing"
	"unsafe"

	"github.com/weftrt/weft/future"
)

// The memory target is 128 bytes per idle task for a minimal future; the
// cell of one is 80 bytes (Go's 80-byte size class). A field added to the
// header, or a zero-size output left as a struct's last field (Go pads
// those), pushes it to the next class. The header's layout is in
// ARCHITECTURE.md ("Memory per task").
func TestMinimalTaskCellFitsIn128Bytes(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("sizes are for 64-bit platforms")
	}
	sizes := map[string]uintptr{
		"Header":                               unsafe.Sizeof(Header{}),
		"cell[zero-size future, struct{}]":     unsafe.Sizeof(cell[future.PendingFuture[struct{}], struct{}]{}),
		"cell[pointer future, struct{}]":       unsafe.Sizeof(cell[*future.PendingFuture[struct{}], struct{}]{}),
		"cell[pointer future, pointer output]": unsafe.Sizeof(cell[*future.PendingFuture[*int], *int]{}),
	}
	limits := map[string]uintptr{
		"Header":                               64,
		"cell[zero-size future, struct{}]":     80,
		"cell[pointer future, struct{}]":       80,
		"cell[pointer future, pointer output]": 88,
	}
	for name, size := range sizes {
		if size > limits[name] {
			t.Errorf("%s is %d bytes, limit %d", name, size, limits[name])
		}
	}
	if s := unsafe.Sizeof(JoinHandle[int]{}); s > 40 {
		t.Errorf("JoinHandle is %d bytes, limit 40", s)
	}
}

// A handle slab is one allocation of Go's 2048-byte size class, with room
// for less than one more handle: a slab that spilled into a larger class,
// or left a handle's worth unused, would allocate more bytes per spawn (the
// collector's pace follows them). An object of more than 512 bytes that
// holds pointers starts with an 8-byte header of the allocator's
// (mallocHeader), which the slab must leave room for: 51 handles of 40
// bytes fill 2048 bytes exactly and took the 2304-byte class.
func TestHandleSlabFillsItsSizeClass(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("sizes are for 64-bit platforms")
	}
	const class, mallocHeader = 2048, 8
	slab, handle := unsafe.Sizeof(handleSlab[int]{})+mallocHeader, unsafe.Sizeof(JoinHandle[int]{})
	if slab > class || class-slab >= handle {
		t.Fatalf("handle slab takes %d bytes (handles of %d): want at most %d, with less than a handle to spare", slab, handle, class)
	}
	// What the allocator really takes, which the sizes above only predict.
	const n = 64
	keep := make([]*handleSlab[int], n)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range keep {
		keep[i] = new(handleSlab[int])
	}
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(keep)
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per > class+class/16 { // slack for another goroutine's allocations
		t.Fatalf("a handle slab allocates %d bytes, want %d", per, class)
	}
}

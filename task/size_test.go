package task

import (
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
	if s := unsafe.Sizeof(JoinHandle[int]{}); s > 48 {
		t.Errorf("JoinHandle is %d bytes, limit 48", s)
	}
}

// A handle slab is one allocation of Go's 2048-byte size class, with room
// for less than one more handle: a slab that spilled into a larger class,
// or left a handle's worth unused, would allocate more bytes per spawn (the
// collector's pace follows them).
func TestHandleSlabFillsItsSizeClass(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("sizes are for 64-bit platforms")
	}
	const class = 2048
	slab, handle := unsafe.Sizeof(handleSlab[int]{}), unsafe.Sizeof(JoinHandle[int]{})
	if slab > class || class-slab >= handle {
		t.Fatalf("handle slab is %d bytes (handles of %d): want at most %d, with less than a handle to spare", slab, handle, class)
	}
}

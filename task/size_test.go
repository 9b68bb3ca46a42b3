package task

import (
	"testing"
	"unsafe"

	"github.com/weftrt/weft/future"
)

// The memory target is 128 bytes per idle task for a minimal future. A cell
// is allocated in Go's 128-byte size class only if it is at most 128 bytes; a field added to the header, or a zero-size output
// left as a struct's last field (Go pads those), pushes it to 144.
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
		"Header":                               104,
		"cell[zero-size future, struct{}]":     128,
		"cell[pointer future, struct{}]":       128,
		"cell[pointer future, pointer output]": 136,
	}
	for name, size := range sizes {
		if size > limits[name] {
			t.Errorf("%s is %d bytes, limit %d", name, size, limits[name])
		}
	}
	if s := unsafe.Sizeof(JoinHandle[int]{}); s > 24 {
		t.Errorf("JoinHandle is %d bytes, limit 24", s)
	}
}

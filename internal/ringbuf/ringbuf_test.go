package ringbuf_test

import (
	"math"
	"slices"
	"testing"

	"go.uber.org/goleak"
	"pgregory.net/rapid"

	"github.com/weftrt/weft/internal/ringbuf"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The zero Ring allocates nothing; the first Push allocates sixteen slots of
// a small type, eight of 64 bytes, and one slot of a type of 512 bytes or
// more.
func TestFirstAllocationIsLazyAndBoundedInBytes(t *testing.T) {
	var small ringbuf.Ring[int]
	small.SetLimit(math.MaxInt)
	if small.Cap() != 0 {
		t.Fatalf("zero Ring has %d slots", small.Cap())
	}
	small.Push(1)
	if small.Cap() != 16 {
		t.Fatalf("first allocation of ints: %d slots, want 16", small.Cap())
	}
	var large ringbuf.Ring[[4096]byte]
	large.Push([4096]byte{})
	if large.Cap() != 1 {
		t.Fatalf("first allocation of 4 KiB values: %d slots, want 1", large.Cap())
	}
	var medium ringbuf.Ring[[512]byte]
	medium.Push([512]byte{})
	if medium.Cap() != 1 {
		t.Fatalf("first allocation of 512-byte values: %d slots, want 1", medium.Cap())
	}
	var mid ringbuf.Ring[[64]byte]
	mid.Push([64]byte{})
	if mid.Cap() != 8 {
		t.Fatalf("first allocation of 64-byte values: %d slots, want 8", mid.Cap())
	}
	var empty ringbuf.Ring[struct{}]
	empty.Push(struct{}{})
	if empty.Cap() != 16 {
		t.Fatalf("first allocation of zero-size values: %d slots, want 16", empty.Cap())
	}
}

// A limited ring grows to exactly its limit (not the next power of two),
// also while its values wrap around the end, and keeps their order.
func TestGrowsToLimitInOrderWhileWrapped(t *testing.T) {
	for _, limit := range []int{1, 5, 24, 100} {
		var r ringbuf.Ring[int]
		r.SetLimit(limit)
		next, want := 0, 0
		push := func() { r.Push(next); next++ }
		pop := func() {
			t.Helper()
			if v := r.Pop(); v != want {
				t.Fatalf("limit %d: Pop = %d, want %d", limit, v, want)
			}
			want++
		}
		push()
		for r.Cap() < limit {
			size := r.Cap()
			for r.Len() < size {
				push()
			}
			for range (size + 1) / 2 {
				pop()
			}
			for r.Len() < size {
				push()
			}
			push() // grows while wrapped
			if r.Cap() <= size {
				t.Fatalf("limit %d: ring of %d did not grow", limit, size)
			}
		}
		if r.Cap() != limit {
			t.Fatalf("limit %d: ring grew to %d", limit, r.Cap())
		}
		for want < next {
			pop()
		}
	}
}

// Release frees only an empty ring above 1,024 slots.
func TestReleaseFreesOnlyLargeEmptyRings(t *testing.T) {
	var r ringbuf.Ring[int]
	for i := range 2000 {
		r.Push(i)
	}
	r.Release()
	if r.Cap() == 0 {
		t.Fatal("Release freed a ring that holds values")
	}
	for range 2000 {
		r.Pop()
	}
	r.Release()
	if r.Cap() != 0 {
		t.Fatalf("Release kept %d slots of an empty large ring", r.Cap())
	}
	r.Push(1)
	r.Pop()
	r.Release()
	if r.Cap() != 16 {
		t.Fatalf("Release freed a small ring: %d slots", r.Cap())
	}
}

// Pop clears the slot it empties, so the ring keeps nothing alive.
func TestPopClearsTheSlot(t *testing.T) {
	var r ringbuf.Ring[*int]
	x := new(int)
	r.Push(x)
	r.Pop()
	r.Push(nil)
	if v := r.Pop(); v != nil {
		t.Fatal("slot still held the popped pointer")
	}
}

func TestPopIntoClearsTheSlot(t *testing.T) {
	var r ringbuf.Ring[*int]
	x := new(int)
	r.PushFrom(&x)
	var got *int
	if r.PopInto(&got); got != x {
		t.Fatal("PopInto did not move the pushed pointer")
	}
	var none *int
	r.PushFrom(&none)
	if r.PopInto(&got); got != nil {
		t.Fatal("slot still held the popped pointer")
	}
}

// Random pushes and pops (by value and through pointers) agree with a
// slice.
func TestRingMatchesSliceModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var r ringbuf.Ring[int]
		limit := rapid.IntRange(0, 40).Draw(t, "limit")
		r.SetLimit(limit)
		var model []int
		next := 0
		t.Repeat(map[string]func(*rapid.T){
			"push": func(t *rapid.T) {
				if limit > 0 && len(model) == limit {
					t.Skip("full")
				}
				r.Push(next)
				model = append(model, next)
				next++
			},
			"pushFrom": func(t *rapid.T) {
				if limit > 0 && len(model) == limit {
					t.Skip("full")
				}
				v := next
				r.PushFrom(&v)
				model = append(model, next)
				next++
			},
			"pop": func(t *rapid.T) {
				if len(model) == 0 {
					t.Skip("empty")
				}
				if v := r.Pop(); v != model[0] {
					t.Fatalf("Pop = %d, model %d", v, model[0])
				}
				model = slices.Delete(model, 0, 1)
			},
			"popInto": func(t *rapid.T) {
				if len(model) == 0 {
					t.Skip("empty")
				}
				v := -1
				if r.PopInto(&v); v != model[0] {
					t.Fatalf("PopInto = %d, model %d", v, model[0])
				}
				model = slices.Delete(model, 0, 1)
			},
			"": func(t *rapid.T) {
				if r.Len() != len(model) {
					t.Fatalf("Len = %d, model %d", r.Len(), len(model))
				}
				if limit > 0 && r.Cap() > limit {
					t.Fatalf("Cap %d above limit %d", r.Cap(), limit)
				}
			},
		})
	})
}

// big is an element type large enough for its arrays to go through the pool.
type big [16 << 10]byte

// A ring that can never be used again gives its array back, and the next
// ring of that type growing to that size takes it instead of allocating.
// (sync.Pool may drop an item, under the race detector on purpose, so the
// test asks for one reuse in many tries.)
func TestRecycledArrayIsReusedByTheNextRingOfItsType(t *testing.T) {
	reused := false
	for range 100 {
		var a ringbuf.Ring[big]
		a.Push(big{1})
		a.Push(big{2})
		a.Pop()
		a.Pop()
		first := &a.Slots()[0]
		a.Recycle()
		if a.Cap() != 0 || a.Len() != 0 {
			t.Fatalf("after Recycle: Cap %d Len %d, want 0 0", a.Cap(), a.Len())
		}
		var b ringbuf.Ring[big]
		b.Push(big{3})
		if &b.Slots()[0] == first {
			reused = true
		}
		for i, v := range b.Slots()[1:] {
			if v != (big{}) {
				t.Fatalf("slot %d of a reused array is not zero", i+1)
			}
		}
		if v := b.Pop(); v != (big{3}) {
			t.Fatalf("Pop = %v, want the value pushed", v[0])
		}
	}
	if !reused {
		t.Fatal("no ring took a recycled array in 100 tries")
	}
}

func TestRecycleLeavesANonEmptyOrSmallRingAlone(t *testing.T) {
	var r ringbuf.Ring[big]
	r.Push(big{1})
	r.Recycle()
	if r.Len() != 1 || r.Cap() == 0 {
		t.Fatalf("Recycle of a non-empty ring: Len %d Cap %d", r.Len(), r.Cap())
	}
	if v := r.Pop(); v != (big{1}) {
		t.Fatal("value lost")
	}
	var s ringbuf.Ring[int]
	s.Push(1)
	s.Pop()
	s.Recycle()
	if s.Cap() == 0 {
		t.Fatal("a 128-byte array went to the pool")
	}
}

func TestReusedArrayKeepsTheLimit(t *testing.T) {
	for range 100 {
		var a ringbuf.Ring[big]
		for i := range 8 {
			a.Push(big{byte(i)})
		}
		for range 8 {
			a.Pop()
		}
		a.Recycle()
		var b ringbuf.Ring[big]
		b.SetLimit(3)
		for i := range 3 {
			b.Push(big{byte(i)})
		}
		if b.Cap() > 3 {
			t.Fatalf("Cap %d above the limit 3", b.Cap())
		}
		for i := range 3 {
			if v := b.Pop(); v != (big{byte(i)}) {
				t.Fatalf("Pop %d = %d", i, v[0])
			}
		}
	}
}

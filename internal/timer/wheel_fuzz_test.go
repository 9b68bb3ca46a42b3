package timer

import (
	"cmp"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// wheelModel is the naive reference: a slice of armed timers, sorted on
// demand by (tick, insertion sequence).
type wheelModel struct {
	elapsed uint64
	armed   []modelTimer
	seq     uint64
}

type modelTimer struct {
	id   int
	tick uint64
	seq  uint64
}

func (m *wheelModel) remove(id int) bool {
	i := slices.IndexFunc(m.armed, func(t modelTimer) bool { return t.id == id })
	if i < 0 {
		return false
	}
	m.armed = slices.Delete(m.armed, i, i+1)
	return true
}

func (m *wheelModel) insert(id int, tick uint64) bool {
	tick = min(tick, MaxTick)
	if tick <= m.elapsed {
		return false
	}
	m.seq++
	m.armed = append(m.armed, modelTimer{id, tick, m.seq})
	return true
}

// advance returns the timers due at now in firing order and removes them.
func (m *wheelModel) advance(now uint64) []modelTimer {
	now = min(now, MaxTick)
	if now < m.elapsed {
		return nil
	}
	m.elapsed = now
	slices.SortFunc(m.armed, func(a, b modelTimer) int {
		return cmp.Or(cmp.Compare(a.tick, b.tick), cmp.Compare(a.seq, b.seq))
	})
	n := 0
	for n < len(m.armed) && m.armed[n].tick <= now {
		n++
	}
	due := slices.Clone(m.armed[:n])
	m.armed = slices.Delete(m.armed, 0, n)
	return due
}

// opReader decodes fuzz input; it returns zeros once the input runs out.
type opReader struct{ b []byte }

func (r *opReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *opReader) uint(n int) uint64 {
	var buf [8]byte
	for i := range n {
		buf[i] = r.byte()
	}
	return binary.LittleEndian.Uint64(buf[:])
}

// delta picks a distance in ticks, biased towards level boundaries, the
// wheel's span and beyond. With far false it stays under 2^40 ticks so that
// advancing over it passes at most a few turns of the top level.
func (r *opReader) delta(far bool) uint64 {
	switch c := r.byte() % 8; c {
	case 0:
		return 0
	case 1:
		return uint64(r.byte())
	case 2:
		k := uint(r.byte() % 7)
		return (uint64(1) << (bitsPerLevel * k)) + uint64(r.byte()%3) - 1
	case 3:
		return r.uint(2)
	case 4:
		return r.uint(4)
	case 5:
		return r.uint(5) // < 2^40
	case 6:
		if far {
			return math.MaxUint64
		}
		return r.uint(3)
	default:
		return wheelSpan*uint64(r.byte()%4) + uint64(r.byte())
	}
}

func addSat(a, b uint64) uint64 {
	if a+b < a {
		return math.MaxUint64
	}
	return a + b
}

// checkWheelAgainstModel runs the operations encoded in data on a Wheel and
// on the model and fails at the first difference.
func checkWheelAgainstModel(t *testing.T, data []byte) {
	const nEntries = 24
	var w Wheel
	var m wheelModel
	entries := make([]Entry, nEntries)
	idOf := func(e *Entry) int {
		for i := range entries {
			if &entries[i] == e {
				return i
			}
		}
		return -1
	}
	r := &opReader{b: data}
	var fired []firing
	fire := collect(&w, &fired)
	for step := 0; len(r.b) > 0; step++ {
		switch op := r.byte() % 6; op {
		case 0, 1:
			id := int(r.byte()) % nEntries
			tick := addSat(w.Elapsed(), r.delta(true))
			if w.Remove(&entries[id]) != m.remove(id) {
				t.Fatalf("step %d: Remove(%d) before insert disagrees", step, id)
			}
			if got, want := w.Insert(&entries[id], tick), m.insert(id, tick); got != want {
				t.Fatalf("step %d: Insert(%d, %d) at %d = %v, model %v", step, id, tick, w.Elapsed(), got, want)
			}
		case 2:
			id := int(r.byte()) % nEntries
			if got, want := w.Remove(&entries[id]), m.remove(id); got != want {
				t.Fatalf("step %d: Remove(%d) = %v, model %v", step, id, got, want)
			}
		case 3, 4, 5:
			var now uint64
			if op == 5 {
				next, ok := w.NextExpiration()
				if !ok {
					continue
				}
				now = next
			} else {
				now = addSat(w.Elapsed(), r.delta(false))
			}
			fired = fired[:0]
			w.Advance(now, fire)
			want := m.advance(now)
			if len(fired) != len(want) {
				t.Fatalf("step %d: Advance(%d) fired %d, model %d", step, now, len(fired), len(want))
			}
			for i, f := range fired {
				if id := idOf(f.e); id != want[i].id || f.tick != want[i].tick {
					t.Fatalf("step %d: firing %d is id %d tick %d, model id %d tick %d",
						step, i, id, f.tick, want[i].id, want[i].tick)
				}
				if f.elapsed != f.tick {
					t.Fatalf("step %d: entry due at %d fired with elapsed %d", step, f.tick, f.elapsed)
				}
			}
			if w.Elapsed() != m.elapsed {
				t.Fatalf("step %d: elapsed %d, model %d", step, w.Elapsed(), m.elapsed)
			}
		}
		if w.Len() != len(m.armed) {
			t.Fatalf("step %d: Len %d, model %d", step, w.Len(), len(m.armed))
		}
		next, ok := w.NextExpiration()
		if ok != (len(m.armed) > 0) {
			t.Fatalf("step %d: NextExpiration ok=%v with %d armed", step, ok, len(m.armed))
		}
		if ok {
			earliest := slices.MinFunc(m.armed, func(a, b modelTimer) int { return cmp.Compare(a.tick, b.tick) }).tick
			if next <= w.Elapsed() || next > earliest {
				t.Fatalf("step %d: NextExpiration %d outside (elapsed %d, earliest %d]", step, next, w.Elapsed(), earliest)
			}
		}
	}
}

// FuzzWheel checks the wheel against the sorted-slice model under random
// inserts, removes and advances: same firings, same order (deadline, then
// insertion), each at its own tick, and a next expiration that is never after
// the earliest deadline.
func FuzzWheel(f *testing.F) {
	f.Add([]byte{0, 1, 1, 5, 3, 1, 200})
	f.Add([]byte{0, 3, 2, 4, 1, 0, 7, 6, 5, 5, 5, 5})
	f.Add([]byte{0, 1, 6, 0, 2, 7, 1, 9, 5, 5, 5, 3, 7, 2, 9})
	f.Fuzz(checkWheelAgainstModel)
}

// TestWheelMatchesModel runs the fuzz body over pseudo-random inputs so that
// a plain go test covers it too.
func TestWheelMatchesModel(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range n {
		data := make([]byte, 64+rng.IntN(512))
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		checkWheelAgainstModel(t, data)
	}
}

package list_test

import (
	"slices"
	"testing"

	"github.com/weftrt/weft/internal/list"
)

// shardedModel is the reference for FuzzShardedList: one slice per shard,
// front first, plus the two counters.
type shardedModel struct {
	shards [][]*elem
	mask   uint64
	added  uint64
}

func (m *shardedModel) shardOf(e *elem) int { return int(e.key & m.mask) }

func (m *shardedModel) contains(e *elem) bool {
	return slices.Contains(m.shards[m.shardOf(e)], e)
}

func (m *shardedModel) len() int {
	n := 0
	for _, sh := range m.shards {
		n += len(sh)
	}
	return n
}

// FuzzShardedList runs a random sequence of operations on a Sharded list and
// on shardedModel and compares them after every step. Input: byte 0 picks
// the requested shard count (-1..8), byte 1 salts the element keys, and then
// each pair of bytes is one operation and its argument.
func FuzzShardedList(f *testing.F) {
	f.Add([]byte{4, 0, 0, 1, 0, 2, 3, 0, 1, 1, 2, 0, 2, 2})
	f.Add([]byte{0, 7, 0, 0, 0, 0, 3, 0, 2, 255, 1, 0})
	f.Add([]byte{9, 200, 0, 3, 0, 5, 0, 9, 2, 3, 2, 3, 3, 0, 1, 9})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		requested := int(data[0]%10) - 1
		s := list.NewSharded(requested, links, key)
		n := s.ShardCount()
		if n < 1 || n&(n-1) != 0 || n < requested {
			t.Fatalf("NewSharded(%d) has %d shards: want a power of two >= max(1, n)", requested, n)
		}
		m := &shardedModel{shards: make([][]*elem, n), mask: uint64(n - 1)}
		es := make([]*elem, 12)
		for i := range es {
			es[i] = &elem{id: i, key: uint64(i)*0x9E3779B97F4A7C15 ^ uint64(data[1])<<3}
		}

		ops := data[2:]
		for len(ops) >= 2 {
			op, arg := ops[0]%4, ops[1]
			ops = ops[2:]
			switch op {
			case 0: // push
				e := es[int(arg)%len(es)]
				if m.contains(e) {
					mustPanic(t, "list:", func() { push(s, e) })
					break
				}
				push(s, e)
				i := m.shardOf(e)
				m.shards[i] = slices.Insert(m.shards[i], 0, e)
				m.added++
			case 1: // remove
				e := es[int(arg)%len(es)]
				want := m.contains(e)
				if got := s.Remove(e); got != want {
					t.Fatalf("Remove(%v) = %v, want %v", e, got, want)
				}
				if want {
					i := m.shardOf(e)
					m.shards[i] = slices.DeleteFunc(m.shards[i], func(x *elem) bool { return x == e })
				}
			case 2: // pop back of a shard, index taken modulo, negative included
				i := int(int8(arg))
				sh := &m.shards[uint64(i)&m.mask]
				var want *elem
				if len(*sh) > 0 {
					want = (*sh)[len(*sh)-1]
					*sh = (*sh)[:len(*sh)-1]
				}
				if got := s.PopBack(i); got != want {
					t.Fatalf("PopBack(%d) = %v, want %v", i, got, want)
				}
			case 3: // each
				var got, want []*elem
				s.Each(func(e *elem) { got = append(got, e) })
				for _, sh := range m.shards {
					want = append(want, sh...)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("Each = %v, want %v", got, want)
				}
			}
			if s.Len() != m.len() || s.Added() != m.added {
				t.Fatalf("Len %d Added %d, model %d %d", s.Len(), s.Added(), m.len(), m.added)
			}
		}
	})
}

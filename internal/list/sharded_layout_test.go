package list

import (
	"testing"
	"unsafe"
)

type layoutElem struct {
	links Links[layoutElem]
	key   uint64
}

// TestShardIsTwoCacheLines checks the padding of Shard: shardFields must be
// the size of its fields, so that a Shard is exactly 128 bytes and no two
// shards share a cache line (or an adjacent-line prefetch pair).
func TestShardIsTwoCacheLines(t *testing.T) {
	var sh Shard[layoutElem]
	if got := unsafe.Sizeof(sh); got != 128 {
		t.Fatalf("Shard is %d bytes, want 128", got)
	}
	if got := unsafe.Offsetof(sh.added) + unsafe.Sizeof(sh.added); got != shardFields {
		t.Fatalf("Shard fields end at %d, shardFields says %d", got, shardFields)
	}
}

// TestShardedCountersAddUpOverShards checks Len and Added across shards
// through insertions, removals and PopBack.
func TestShardedCountersAddUpOverShards(t *testing.T) {
	s := NewSharded(4, func(e *layoutElem) *Links[layoutElem] { return &e.links },
		func(e *layoutElem) uint64 { return e.key })
	es := make([]layoutElem, 10)
	for i := range es {
		es[i].key = uint64(i)
		sh := s.Lock(&es[i])
		s.PushFrontLocked(sh, &es[i])
		sh.Unlock()
	}
	if s.Len() != 10 || s.Added() != 10 {
		t.Fatalf("Len %d Added %d, want 10 and 10", s.Len(), s.Added())
	}
	if !s.Remove(&es[3]) || s.Remove(&es[3]) {
		t.Fatal("Remove of a member must succeed once")
	}
	if s.PopBack(1) == nil {
		t.Fatal("PopBack of a non-empty shard returned nil")
	}
	if s.Len() != 8 || s.Added() != 10 {
		t.Fatalf("Len %d Added %d, want 8 and 10", s.Len(), s.Added())
	}
}

package list

import "sync"

// Sharded is a set of Lists, each behind its own mutex, so that insertions
// and removals of different elements rarely contend. An element's shard is
// chosen from its key and never changes.
//
// Counters: Len is the number of elements in all shards; Added counts every
// insertion ever made. Each shard keeps its own, as plain fields under its
// lock, and Len and Added lock the shards one at a time to add them up: a
// reader may see a sum that was never true at one instant, and pays
// O(shards) lock round trips. Counters shared by all shards would be written
// by every insertion and removal, and the cache line they sit on would
// travel between the goroutines that spawn and the workers that complete
// tasks on every one of them; atomic per-shard counters, readable without the
// lock, cost three more locked instructions per task (Go's atomic stores are
// XCHG on amd64), for the benefit of metrics readers only.
type Sharded[T any] struct {
	shards []Shard[T]
	mask   uint64
	key    func(*T) uint64
}

// Shard is one list of a Sharded list with its lock and counters, padded to
// two cache lines so that neighbouring shards never share one (the adjacent
// line prefetcher pairs lines).
type Shard[T any] struct {
	mu    sync.Mutex
	list  List[T] // guarded by mu; its length is the shard's element count
	added uint64  // guarded by mu: insertions ever made
	_     [128 - shardFields]byte
}

// shardFields is the size of a Shard's fields before its padding (mutex 8,
// list 32, counter 8); TestShardIsTwoCacheLines checks it.
const shardFields = 48

// NewSharded returns a Sharded list with n shards (n is rounded up to a power
// of two, at least 1).
func NewSharded[T any](n int, links func(*T) *Links[T], key func(*T) uint64) *Sharded[T] {
	size := 1
	for size < n {
		size <<= 1
	}
	s := &Sharded[T]{shards: make([]Shard[T], size), mask: uint64(size - 1), key: key}
	off := linksOffset(links)
	for i := range s.shards {
		s.shards[i].list = List[T]{off: off}
	}
	return s
}

// ShardCount returns the number of shards.
func (s *Sharded[T]) ShardCount() int { return len(s.shards) }

// Len returns the number of elements.
func (s *Sharded[T]) Len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += sh.list.Len()
		sh.mu.Unlock()
	}
	return n
}

// Added returns how many elements were ever inserted.
func (s *Sharded[T]) Added() uint64 {
	var n uint64
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += sh.added
		sh.mu.Unlock()
	}
	return n
}

// Lock locks and returns the shard of e. The caller inserts with
// PushFrontLocked and then unlocks it.
func (s *Sharded[T]) Lock(e *T) *Shard[T] {
	sh := &s.shards[s.key(e)&s.mask]
	sh.mu.Lock()
	return sh
}

// Unlock releases a shard returned by Lock.
func (sh *Shard[T]) Unlock() { sh.mu.Unlock() }

// PushFrontLocked inserts e into sh, which must be e's shard, locked by the
// caller.
func (s *Sharded[T]) PushFrontLocked(sh *Shard[T], e *T) {
	sh.list.PushFront(e)
	sh.added++
}

// Remove unlinks e from its shard and reports whether it was there.
func (s *Sharded[T]) Remove(e *T) bool {
	sh := &s.shards[s.key(e)&s.mask]
	sh.mu.Lock()
	ok := sh.list.Remove(e)
	sh.mu.Unlock()
	return ok
}

// PopBack removes and returns the last element of shard i (taken modulo the
// shard count), or nil when that shard is empty.
func (s *Sharded[T]) PopBack(i int) *T {
	sh := &s.shards[uint64(i)&s.mask]
	sh.mu.Lock()
	e := sh.list.PopBack()
	sh.mu.Unlock()
	return e
}

// PopLeast removes and returns, of the last elements of all shards, the one
// with the least key, or nil when every shard is empty. It locks one shard at
// a time. When keys grow in insertion order and nothing else inserts or
// removes meanwhile, successive calls return the elements in key order,
// whatever their shards.
func (s *Sharded[T]) PopLeast() *T {
	for {
		best, bestKey := -1, uint64(0)
		for i := range s.shards {
			sh := &s.shards[i]
			sh.mu.Lock()
			if e := sh.list.tail; e != nil {
				if k := s.key(e); best < 0 || k < bestKey {
					best, bestKey = i, k
				}
			}
			sh.mu.Unlock()
		}
		if best < 0 {
			return nil
		}
		if e := s.PopBack(best); e != nil {
			return e
		}
		// That shard was emptied meanwhile: look again.
	}
}

// Each locks every shard, calls fn for every element, and unlocks them. fn
// runs with all shard locks held: it must not insert or remove elements, or
// call Len or Added (they lock the shards), or do anything that might.
func (s *Sharded[T]) Each(fn func(*T)) {
	for i := range s.shards {
		s.shards[i].mu.Lock()
	}
	defer func() {
		for i := range s.shards {
			s.shards[i].mu.Unlock()
		}
	}()
	for i := range s.shards {
		s.shards[i].list.Each(fn)
	}
}

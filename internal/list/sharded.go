package list

import (
	"sync"
	"sync/atomic"
)

// Sharded is a set of Lists, each behind its own mutex, so that insertions
// and removals of different elements rarely contend. An element's shard is
// chosen from its key and never changes.
//
// Counters: Len is the number of elements in all shards; Added counts every
// insertion ever made. Both are updated under the shard lock and read without
// it, so a reader may see a value that is already out of date.
type Sharded[T any] struct {
	shards []Shard[T]
	mask   uint64
	key    func(*T) uint64
	count  atomic.Int64
	added  atomic.Uint64
}

// Shard is one list of a Sharded list with its lock.
type Shard[T any] struct {
	mu   sync.Mutex
	list List[T] // guarded by mu
	_    [64 - 8]byte
}

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
func (s *Sharded[T]) Len() int { return int(s.count.Load()) }

// Added returns how many elements were ever inserted.
func (s *Sharded[T]) Added() uint64 { return s.added.Load() }

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
	s.count.Add(1)
	s.added.Add(1)
}

// Remove unlinks e from its shard and reports whether it was there.
func (s *Sharded[T]) Remove(e *T) bool {
	sh := &s.shards[s.key(e)&s.mask]
	sh.mu.Lock()
	ok := sh.list.Remove(e)
	if ok {
		s.count.Add(-1)
	}
	sh.mu.Unlock()
	return ok
}

// PopBack removes and returns the last element of shard i (taken modulo the
// shard count), or nil when that shard is empty.
func (s *Sharded[T]) PopBack(i int) *T {
	sh := &s.shards[uint64(i)&s.mask]
	sh.mu.Lock()
	e := sh.list.PopBack()
	if e != nil {
		s.count.Add(-1)
	}
	sh.mu.Unlock()
	return e
}

// Each locks every shard, calls fn for every element, and unlocks them. fn
// runs with all shard locks held: it must not insert or remove elements, or
// do anything that might.
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

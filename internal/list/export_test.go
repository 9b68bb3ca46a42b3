package list

// LenLocked returns the number of elements without locking: for a test
// that holds every shard lock (inside Each), where Len would deadlock.
func (s *Sharded[T]) LenLocked() int {
	n := 0
	for i := range s.shards {
		n += s.shards[i].list.Len()
	}
	return n
}

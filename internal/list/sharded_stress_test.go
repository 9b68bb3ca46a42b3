package list_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/weftrt/weft/internal/list"
)

// TestShardedConcurrentStress has one goroutine per shard push, remove and
// pop its own elements while another goroutine iterates with Each. Under
// -race this checks the locking; the iterator checks that Each sees one
// consistent set (no element twice, as many as Len reports while every shard
// is locked), and each owner checks that its shard gives back exactly its own
// elements, oldest first.
func TestShardedConcurrentStress(t *testing.T) {
	const shards, perShard = 8, 16
	rounds := 3000
	if testing.Short() {
		rounds = 300
	}
	s := list.NewSharded(shards, links, key)

	var stop atomic.Bool
	var eachRuns atomic.Int64
	iterDone := make(chan struct{})
	go func() {
		defer close(iterDone)
		seen := make(map[*elem]bool)
		for !stop.Load() || eachRuns.Load() == 0 {
			clear(seen)
			visited, lenInside := 0, -1
			s.Each(func(e *elem) {
				if seen[e] {
					t.Errorf("Each visited element %d twice", e.id)
				}
				seen[e] = true
				visited++
				// Every shard is locked: the length cannot change
				// during Each.
				if l := s.LenLocked(); lenInside == -1 {
					lenInside = l
				} else if l != lenInside {
					t.Errorf("Len changed from %d to %d inside Each", lenInside, l)
				}
			})
			if visited > 0 && visited != lenInside {
				t.Errorf("Each visited %d elements while Len was %d", visited, lenInside)
			}
			eachRuns.Add(1)
		}
	}()

	var wg sync.WaitGroup
	for g := range shards {
		wg.Go(func() {
			es := make([]*elem, perShard)
			for j := range es {
				es[j] = &elem{id: g*perShard + j, key: uint64(g + shards*j)} // all in shard g
			}
			for range rounds {
				for _, e := range es {
					push(s, e)
				}
				// Remove the odd ones by identity...
				for j := 1; j < perShard; j += 2 {
					if !s.Remove(es[j]) {
						t.Errorf("shard %d: Remove of a pushed element failed", g)
					}
					if s.Remove(es[j]) {
						t.Errorf("shard %d: second Remove succeeded", g)
					}
				}
				// ...and pop the even ones from the back, oldest first.
				for j := 0; j < perShard; j += 2 {
					if got := s.PopBack(g); got != es[j] {
						t.Errorf("shard %d: PopBack = %v, want %v", g, got, es[j])
						return
					}
				}
				if got := s.PopBack(g); got != nil {
					t.Errorf("shard %d: PopBack of an emptied shard = %v", g, got)
					return
				}
			}
		})
	}
	wg.Wait()
	stop.Store(true)
	<-iterDone
	t.Logf("Each ran %d times during the churn", eachRuns.Load())

	if s.Len() != 0 {
		t.Fatalf("Len %d after every element left, want 0", s.Len())
	}
	if want := uint64(shards * perShard * rounds); s.Added() != want {
		t.Fatalf("Added %d, want %d", s.Added(), want)
	}
}

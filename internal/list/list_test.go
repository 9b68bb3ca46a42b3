package list_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/weftrt/weft/internal/list"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// elem is a list element: a key for the sharded list and the links.
type elem struct {
	id    int
	key   uint64
	links list.Links[elem]
}

func (e *elem) String() string { return fmt.Sprint(e.id) }

func links(e *elem) *list.Links[elem] { return &e.links }
func key(e *elem) uint64              { return e.key }

func elems(n int) []*elem {
	es := make([]*elem, n)
	for i := range es {
		es[i] = &elem{id: i, key: uint64(i)}
	}
	return es
}

// walk returns the elements of l front to back, checking Each against Len.
func walk(t *testing.T, l *list.List[elem]) []*elem {
	t.Helper()
	var out []*elem
	l.Each(func(e *elem) { out = append(out, e) })
	if len(out) != l.Len() {
		t.Fatalf("Each visited %d elements, Len is %d", len(out), l.Len())
	}
	if len(out) > 0 && l.Front() != out[0] || len(out) == 0 && l.Front() != nil {
		t.Fatal("Front is not the first element Each visits")
	}
	return out
}

func mustPanic(t *testing.T, prefix string, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		s, _ := r.(string)
		if !strings.HasPrefix(s, prefix) {
			t.Fatalf("panic %v, want one starting with %q", r, prefix)
		}
	}()
	f()
}

func TestListPushFrontAndEachOrder(t *testing.T) {
	l := list.New(links)
	es := elems(3)
	for _, e := range es {
		l.PushFront(e)
	}
	if got := walk(t, &l); !slices.Equal(got, []*elem{es[2], es[1], es[0]}) {
		t.Fatalf("order %v, want 2 1 0", got)
	}
}

func TestListPopBackIsOldestFirst(t *testing.T) {
	l := list.New(links)
	es := elems(3)
	for _, e := range es {
		l.PushFront(e)
	}
	for _, want := range es {
		if got := l.PopBack(); got != want {
			t.Fatalf("PopBack = %v, want %v", got, want)
		}
		if l.Contains(want) {
			t.Fatalf("popped %v still reported as contained", want)
		}
	}
	if l.PopBack() != nil || l.Len() != 0 {
		t.Fatal("PopBack of an empty list returned an element")
	}
}

func TestListRemoveAnyPosition(t *testing.T) {
	for i := range 4 {
		l := list.New(links)
		es := elems(4)
		for _, e := range slices.Backward(es) {
			l.PushFront(e) // list order 0 1 2 3
		}
		if !l.Remove(es[i]) {
			t.Fatalf("Remove(%d) reported false", i)
		}
		want := slices.Delete(slices.Clone(es), i, i+1)
		if got := walk(t, &l); !slices.Equal(got, want) {
			t.Fatalf("after Remove(%d): %v, want %v", i, got, want)
		}
		// The tail must be right too: drain from the back.
		for _, w := range slices.Backward(want) {
			if got := l.PopBack(); got != w {
				t.Fatalf("after Remove(%d): PopBack = %v, want %v", i, got, w)
			}
		}
	}
}

func TestListRemoveNotInListReportsFalse(t *testing.T) {
	l := list.New(links)
	es := elems(2)
	if l.Remove(es[0]) {
		t.Fatal("Remove from an empty list reported true")
	}
	l.PushFront(es[0])
	if l.Remove(es[1]) || l.Len() != 1 {
		t.Fatal("Remove of an element in no list changed the list")
	}
	if !l.Remove(es[0]) || l.Remove(es[0]) {
		t.Fatal("Remove twice: want true then false")
	}
	if l.Len() != 0 || l.Front() != nil {
		t.Fatal("list not empty after removing its only element")
	}
}

func TestListContains(t *testing.T) {
	l := list.New(links)
	es := elems(3)
	for _, e := range es[:2] {
		l.PushFront(e)
	}
	for i, want := range []bool{true, true, false} {
		if got := l.Contains(es[i]); got != want {
			t.Fatalf("Contains(%d) = %v, want %v", i, got, want)
		}
	}
}

func TestListPushTwicePanics(t *testing.T) {
	l := list.New(links)
	es := elems(2)
	l.PushFront(es[0])
	mustPanic(t, "list:", func() { l.PushFront(es[0]) }) // the only element
	l.PushFront(es[1])
	mustPanic(t, "list:", func() { l.PushFront(es[0]) }) // now the tail
	if got := walk(t, &l); !slices.Equal(got, []*elem{es[1], es[0]}) {
		t.Fatalf("refused push changed the list: %v", got)
	}
}

func TestListReinsertAfterRemove(t *testing.T) {
	l := list.New(links)
	e := elems(1)[0]
	for range 3 {
		l.PushFront(e)
		if !l.Remove(e) {
			t.Fatal("Remove after PushFront reported false")
		}
	}
	if l.Len() != 0 {
		t.Fatalf("Len %d, want 0", l.Len())
	}
}

func TestShardedShardCountRounding(t *testing.T) {
	for _, tc := range []struct{ n, want int }{
		{-3, 1}, {0, 1}, {1, 1}, {2, 2}, {3, 4}, {4, 4}, {5, 8}, {64, 64}, {65, 128},
	} {
		if got := list.NewSharded(tc.n, links, key).ShardCount(); got != tc.want {
			t.Errorf("NewSharded(%d).ShardCount() = %d, want %d", tc.n, got, tc.want)
		}
	}
}

func push(s *list.Sharded[elem], e *elem) {
	sh := s.Lock(e)
	defer sh.Unlock()
	s.PushFrontLocked(sh, e)
}

func TestShardedElementsGoToTheirKeysShard(t *testing.T) {
	s := list.NewSharded(4, links, key)
	e := &elem{id: 1, key: 6} // shard 6 & 3 = 2
	push(s, e)
	for i := range 4 {
		if i == 2 {
			continue
		}
		if got := s.PopBack(i); got != nil {
			t.Fatalf("PopBack(%d) = %v; the element belongs to shard 2", i, got)
		}
	}
	if got := s.PopBack(2 + 4*5); got != e { // taken modulo the shard count
		t.Fatalf("PopBack(22) = %v, want the element of shard 2", got)
	}
	push(s, &elem{id: 2, key: 3})
	if got := s.PopBack(-1); got == nil || got.id != 2 { // -1 wraps to the last shard
		t.Fatalf("PopBack(-1) = %v, want the element of shard 3", got)
	}
}

func TestShardedPopBackIsOldestFirstPerShard(t *testing.T) {
	s := list.NewSharded(2, links, key)
	a, b, c := &elem{id: 0, key: 0}, &elem{id: 1, key: 1}, &elem{id: 2, key: 2}
	for _, e := range []*elem{a, b, c} {
		push(s, e)
	}
	if got := s.PopBack(0); got != a {
		t.Fatalf("PopBack(0) = %v, want %v", got, a)
	}
	if got := s.PopBack(0); got != c {
		t.Fatalf("PopBack(0) = %v, want %v", got, c)
	}
	if got := s.PopBack(0); got != nil {
		t.Fatalf("PopBack(0) of an empty shard = %v", got)
	}
	if got := s.PopBack(1); got != b {
		t.Fatalf("PopBack(1) = %v, want %v", got, b)
	}
}

// PopLeast takes the elements in key order whatever their shards, when keys
// grow with insertion (as task IDs do), starting at any key: the order of a
// current-thread runtime's shutdown must not rotate with the IDs its tasks
// got.
func TestShardedPopLeastIsKeyOrderAcrossShards(t *testing.T) {
	for first := range uint64(4) {
		s := list.NewSharded(4, links, key)
		for i := range 10 {
			push(s, &elem{id: i, key: first + uint64(i)})
		}
		for i := range 10 {
			if got := s.PopLeast(); got == nil || got.id != i {
				t.Fatalf("keys from %d: PopLeast #%d = %v, want %d", first, i, got, i)
			}
		}
		if got := s.PopLeast(); got != nil || s.Len() != 0 {
			t.Fatalf("PopLeast of an empty list = %v (Len %d)", got, s.Len())
		}
	}
}

func TestShardedCounters(t *testing.T) {
	s := list.NewSharded(4, links, key)
	es := elems(5)
	for _, e := range es {
		push(s, e)
	}
	if s.Len() != 5 || s.Added() != 5 {
		t.Fatalf("Len %d Added %d, want 5 5", s.Len(), s.Added())
	}
	s.Remove(es[0])
	s.PopBack(1)
	if s.Len() != 3 || s.Added() != 5 {
		t.Fatalf("after remove and pop: Len %d Added %d, want 3 5", s.Len(), s.Added())
	}
	push(s, es[0]) // re-insertion counts as a new addition
	if s.Len() != 4 || s.Added() != 6 {
		t.Fatalf("after re-push: Len %d Added %d, want 4 6", s.Len(), s.Added())
	}
}

func TestShardedRemoveNotInListReportsFalse(t *testing.T) {
	s := list.NewSharded(4, links, key)
	es := elems(3)
	push(s, es[0])
	push(s, es[1])
	if s.Remove(es[2]) {
		t.Fatal("Remove of an element never pushed reported true")
	}
	if !s.Remove(es[1]) || s.Remove(es[1]) {
		t.Fatal("Remove twice: want true then false")
	}
	if s.Len() != 1 {
		t.Fatalf("Len %d, want 1: a refused Remove must not count", s.Len())
	}
}

func TestShardedEachVisitsShardsInOrder(t *testing.T) {
	s := list.NewSharded(4, links, key)
	es := elems(8) // keys 0..7: two per shard
	for _, e := range es {
		push(s, e)
	}
	var got []int
	s.Each(func(e *elem) { got = append(got, e.id) })
	// Shard by shard; within a shard, newest first.
	want := []int{4, 0, 5, 1, 6, 2, 7, 3}
	if !slices.Equal(got, want) {
		t.Fatalf("Each order %v, want %v", got, want)
	}
}

func ExampleList() {
	l := list.New(links)
	a, b := &elem{id: 1}, &elem{id: 2}
	l.PushFront(a)
	l.PushFront(b)
	l.Remove(a)
	fmt.Println(l.Len(), l.Front(), l.Contains(a))
	// Output: 1 2 false
}

func ExampleSharded() {
	s := list.NewSharded(3, links, key) // rounded up to 4 shards
	e := &elem{id: 7, key: 7}
	sh := s.Lock(e)
	s.PushFrontLocked(sh, e)
	sh.Unlock()
	fmt.Println(s.ShardCount(), s.Len(), s.PopBack(3), s.Added(), s.Len())
	// Output: 4 1 7 1 0
}

func TestNewRejectsLinksOutsideTheElement(t *testing.T) {
	outside := &list.Links[elem]{}
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("New accepted an accessor that returns memory outside the element")
		}
	}()
	list.New(func(*elem) *list.Links[elem] { return outside })
}

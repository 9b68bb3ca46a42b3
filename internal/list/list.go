// Package list provides the intrusive doubly linked list that holds a
// runtime's live tasks, and a sharded variant with one lock per shard.
//
// The list does not allocate: the links live in the elements themselves, at a
// field the list finds once, at construction, from an accessor. An element is
// in at most one list at a time.
package list

import "unsafe"

// Links are the two pointers an element carries to be in a List. The zero
// value means "in no list". They are guarded by whatever guards the list.
type Links[T any] struct {
	prev, next *T
}

// List is an intrusive doubly linked list of *T. The zero value is not
// usable; create one with New. A List is not safe for concurrent use.
type List[T any] struct {
	head, tail *T
	n          int
	off        uintptr // offset of the Links field in T
}

// New returns an empty list whose elements keep their links where links says.
// links must return the address of a field of its argument (it is called
// once, on a probe value, to find that field); New panics otherwise.
func New[T any](links func(*T) *Links[T]) List[T] {
	return List[T]{off: linksOffset(links)}
}

func linksOffset[T any](links func(*T) *Links[T]) uintptr {
	var probe T
	base := uintptr(unsafe.Pointer(&probe))
	field := uintptr(unsafe.Pointer(links(&probe)))
	if field < base || field+unsafe.Sizeof(Links[T]{}) > base+unsafe.Sizeof(probe) {
		panic("list: links must return a field of its argument")
	}
	return field - base
}

// links returns e's Links: the field at off, found by New. The pointer stays
// inside e's allocation, so the conversion is sound.
func (l *List[T]) links(e *T) *Links[T] {
	return (*Links[T])(unsafe.Add(unsafe.Pointer(e), l.off))
}

// Len returns the number of elements.
func (l *List[T]) Len() int { return l.n }

// Front returns the first element, or nil.
func (l *List[T]) Front() *T { return l.head }

// PushFront inserts e, which must be in no list, at the front.
func (l *List[T]) PushFront(e *T) {
	le := l.links(e)
	if le.prev != nil || le.next != nil || l.head == e {
		panic("list: element is already in a list")
	}
	if l.head != nil { // else le.next is nil already
		le.next = l.head
		l.links(l.head).prev = e
	} else {
		l.tail = e
	}
	l.head = e
	l.n++
}

// Contains reports whether e is in this list, given that it is in this list
// or in no list at all.
func (l *List[T]) Contains(e *T) bool {
	le := l.links(e)
	return le.prev != nil || le.next != nil || l.head == e
}

// Remove unlinks e and reports whether it was in the list. e must be in this
// list or in no list.
func (l *List[T]) Remove(e *T) bool {
	if !l.Contains(e) {
		return false
	}
	le := l.links(e)
	if le.prev != nil {
		l.links(le.prev).next = le.next
	} else {
		l.head = le.next
	}
	if le.next != nil {
		l.links(le.next).prev = le.prev
	} else {
		l.tail = le.prev
	}
	// Only the links that are set: a store of nil over nil would still
	// cost a write barrier while the collector marks (the oldest element,
	// the one removed most often, has no next).
	if le.prev != nil {
		le.prev = nil
	}
	if le.next != nil {
		le.next = nil
	}
	l.n--
	return true
}

// PopBack removes and returns the last element, or nil when the list is
// empty.
func (l *List[T]) PopBack() *T {
	e := l.tail
	if e != nil {
		l.Remove(e)
	}
	return e
}

// Each calls fn for every element from front to back. fn must not change the
// list.
func (l *List[T]) Each(fn func(*T)) {
	for e := l.head; e != nil; e = l.links(e).next {
		fn(e)
	}
}

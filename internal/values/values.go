// Package values holds two generic helpers that weft's packages share:
// a nil check and a Drop call that work on any type without boxing values
// (boxing a non-pointer value in an interface allocates).
package values

import (
	"reflect"

	"github.com/weftrt/weft/future"
)

// IsNil reports whether v is a nil pointer, function, map, channel or
// interface, or an interface holding a nil pointer, function, map or
// channel (a "typed nil": a method called on it would fault at once, or
// from inside its Poll). Values of other kinds are never nil.
func IsNil[V any](v V) bool {
	switch reflect.TypeFor[V]().Kind() {
	case reflect.Interface:
		return any(v) == nil || holdsNil(any(v))
	case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return reflect.ValueOf(any(v)).IsNil()
	}
	return false
}

// holdsNil reports whether x, a non-nil interface value, holds a nil
// pointer, function, map, channel or unsafe.Pointer. Reading the dynamic
// type's kind does not allocate.
func holdsNil(x any) bool {
	switch reflect.TypeOf(x).Kind() {
	case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return reflect.ValueOf(x).IsNil()
	}
	return false
}

// Drop calls Drop on v, or on a copy of v through its address when only
// *V implements future.Dropper, and does nothing when neither does. It takes
// v by value so that the caller's variable stays off the heap (taking its
// address for an interface call would move it there): a value of pointer
// or interface kind is checked as itself, which never allocates; only a
// non-pointer value whose Drop has a pointer receiver is copied to the heap
// to be dropped.
//
// Dropping a copy is the same as dropping the original for a future: a
// future of non-pointer type has a value-receiver Poll, so polling never
// changed the value.
func Drop[V any](v V) {
	switch reflect.TypeFor[V]().Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		future.Drop(any(v))
		return
	}
	if _, ok := any((*V)(nil)).(future.Dropper); ok {
		p := new(V)
		*p = v
		any(p).(future.Dropper).Drop()
	}
}

// Facts are what IsNilWith and DropWith need to know about a type, worked out
// once with reflection so that the per-value calls need none. A task type
// computes them when it is first spawned.
type Facts struct {
	nil      nilCheck
	dropAddr bool // *V implements future.Dropper
	dropVal  bool // V (a pointer-shaped kind) implements future.Dropper
	dropDyn  bool // V is an interface: check its dynamic type each time
}

type nilCheck uint8

const (
	nilNever     nilCheck = iota // structs, numbers, ...: never nil
	nilInterface                 // compare the interface with nil, then look at what it holds
	nilCompare                   // pointers, channels: compare with the zero value
	nilReflect                   // functions and maps are not comparable
)

// FactsFor computes the Facts of V.
func FactsFor[V any]() Facts {
	var f Facts
	t := reflect.TypeFor[V]()
	switch t.Kind() {
	case reflect.Interface:
		f.nil, f.dropDyn = nilInterface, true
	case reflect.Pointer, reflect.Chan, reflect.UnsafePointer:
		f.nil = nilCompare
	case reflect.Func, reflect.Map:
		f.nil = nilReflect
	}
	dropper := reflect.TypeFor[future.Dropper]()
	f.dropAddr = reflect.PointerTo(t).Implements(dropper)
	if !f.dropAddr && t.Kind() != reflect.Interface && t.Implements(dropper) {
		f.dropVal = true
	}
	return f
}

// IsNilWith is IsNil with the facts of V computed beforehand.
func IsNilWith[V any](f Facts, v V) bool {
	switch f.nil {
	case nilInterface:
		return any(v) == nil || holdsNil(any(v))
	case nilCompare:
		var zero V
		return any(v) == any(zero)
	case nilReflect:
		return reflect.ValueOf(any(v)).IsNil()
	}
	return false
}

// MayDrop reports whether DropWith can call a Drop method for a value of the
// type: false lets a caller skip the call, and whatever it sets up around it.
func (f Facts) MayDrop() bool { return f.dropAddr || f.dropVal || f.dropDyn }

// DropWith is Drop with the facts of V computed beforehand.
func DropWith[V any](f Facts, p *V) {
	switch {
	case f.dropAddr:
		any(p).(future.Dropper).Drop()
	case f.dropVal:
		any(*p).(future.Dropper).Drop()
	case f.dropDyn:
		future.Drop(any(*p))
	}
}

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

// Drop calls Drop on *p, or on p's value, whichever implements
// future.Dropper, and does nothing otherwise. A value of pointer or interface
// kind is checked as itself; any other value through its address, so that
// neither boxes.
func Drop[V any](p *V) {
	if d, ok := any(p).(future.Dropper); ok {
		d.Drop()
		return
	}
	switch reflect.TypeFor[V]().Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		future.Drop(any(*p))
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

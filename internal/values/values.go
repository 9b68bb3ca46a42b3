// Package values holds two generic helpers that weft's packages share:
// a nil check and a Drop call that work on any type without boxing values
// (boxing a non-pointer value in an interface allocates).
package values

import (
	"reflect"

	"github.com/weftrt/weft/future"
)

// IsNil reports whether v is a nil pointer, function, map, channel or
// interface. Values of other kinds are never nil.
func IsNil[V any](v V) bool {
	switch reflect.TypeFor[V]().Kind() {
	case reflect.Interface:
		return any(v) == nil
	case reflect.Pointer, reflect.Map, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return reflect.ValueOf(any(v)).IsNil()
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

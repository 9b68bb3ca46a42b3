package values

import (
	"testing"

	"github.com/weftrt/weft/future"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type valDropper struct{ n *int }

func (v valDropper) Drop() { *v.n++ }

type ptrDropper struct{ n int }

func (p *ptrDropper) Drop() { p.n++ }

type plain struct{ _ int }

type fnDropper func()

func (f fnDropper) Drop() { f() }

func TestIsNilWithMatchesIsNil(t *testing.T) {
	var nilPtr *plain
	var nilIface future.Dropper
	var nilFn func()
	var nilMap map[int]int
	var nilChan chan int
	check := func(name string, got, want bool) {
		t.Helper()
		if got != want {
			t.Errorf("%s: got %v want %v", name, got, want)
		}
	}
	check("nil pointer", IsNilWith(FactsFor[*plain](), nilPtr), true)
	check("pointer", IsNilWith(FactsFor[*plain](), &plain{}), false)
	check("nil interface", IsNilWith(FactsFor[future.Dropper](), nilIface), true)
	check("interface", IsNilWith[future.Dropper](FactsFor[future.Dropper](), &ptrDropper{}), false)
	check("nil func", IsNilWith(FactsFor[func()](), nilFn), true)
	check("func", IsNilWith(FactsFor[func()](), func() {}), false)
	check("nil map", IsNilWith(FactsFor[map[int]int](), nilMap), true)
	check("map", IsNilWith(FactsFor[map[int]int](), map[int]int{}), false)
	check("nil chan", IsNilWith(FactsFor[chan int](), nilChan), true)
	check("struct", IsNilWith(FactsFor[plain](), plain{}), false)
	// Same answers as the reflection-per-call version.
	check("IsNil agrees", IsNil(nilPtr), true)
	check("IsNil agrees on func", IsNil(nilFn), true)
}

func TestDropWithCallsDropOnceWhereverItIsDeclared(t *testing.T) {
	n := 0
	v := valDropper{n: &n}
	DropWith(FactsFor[valDropper](), &v) // value receiver, through the address
	p := &ptrDropper{}
	DropWith(FactsFor[*ptrDropper](), &p) // pointer type
	s := ptrDropper{}
	DropWith(FactsFor[ptrDropper](), &s) // pointer receiver on a value field
	var iface future.Dropper = &ptrDropper{}
	DropWith(FactsFor[future.Dropper](), &iface) // dynamic type
	var f fnDropper = func() { n++ }
	DropWith(FactsFor[fnDropper](), &f) // named func type with a method
	q := plain{}
	DropWith(FactsFor[plain](), &q) // no Drop: nothing happens
	var nilIface future.Dropper
	DropWith(FactsFor[future.Dropper](), &nilIface) // nil interface: nothing
	if n != 2 || p.n != 1 || s.n != 1 || iface.(*ptrDropper).n != 1 {
		t.Fatalf("drops: value %d pointer %d field %d iface %d", n, p.n, s.n, iface.(*ptrDropper).n)
	}
}

func TestWithFactsDoNotAllocate(t *testing.T) {
	ff := FactsFor[*plain]()
	df := FactsFor[ptrDropper]()
	v := &plain{}
	d := ptrDropper{}
	if a := testing.AllocsPerRun(100, func() {
		_ = IsNilWith(ff, v)
		DropWith(df, &d)
	}); a != 0 {
		t.Fatalf("%v allocations", a)
	}
}

func TestDropCallsDropOnceWhereverItIsDeclared(t *testing.T) {
	n := 0
	Drop(valDropper{n: &n}) // value receiver
	p := &ptrDropper{}
	Drop(p) // pointer type
	var iface future.Dropper = &ptrDropper{}
	Drop(iface)                     // dynamic type
	Drop(fnDropper(func() { n++ })) // named func type with a method
	Drop(plain{})                   // no Drop: nothing happens
	Drop(&plain{})                  // no Drop: nothing happens
	var nilIface future.Dropper
	Drop(nilIface) // nil interface: nothing
	if n != 2 || p.n != 1 || iface.(*ptrDropper).n != 1 {
		t.Fatalf("drops: value and func %d pointer %d iface %d", n, p.n, iface.(*ptrDropper).n)
	}
}

// globalDrops counts the Drops of ptrOnlyDropper values.
var globalDrops int

// ptrOnlyDropper is a value type whose Drop has a pointer receiver.
type ptrOnlyDropper struct{}

func (*ptrOnlyDropper) Drop() { globalDrops++ }

func TestDropOfValueWithPointerReceiverDropsACopy(t *testing.T) {
	globalDrops = 0
	Drop(ptrOnlyDropper{})
	if globalDrops != 1 {
		t.Fatalf("Drop of a value with a pointer-receiver Drop: %d drops, want 1", globalDrops)
	}
}

func TestDropOfPointerDoesNotAllocate(t *testing.T) {
	p := &ptrDropper{}
	q := &plain{}
	if a := testing.AllocsPerRun(100, func() {
		Drop(p)
		Drop(q)
	}); a != 0 {
		t.Fatalf("Drop of pointers allocated %v times per run", a)
	}
}

// An interface holding a nil pointer or function is nil for these checks (a
// future spawned that way failed at its first poll); one holding a value,
// even a struct whose only field is a nil pointer, is not.
func TestTypedNilInAnInterfaceIsNil(t *testing.T) {
	type onePtr struct{ _ *int } // pointer-shaped: held in the interface word itself
	var nilPtr *plain
	var nilFn func()
	cases := []struct {
		name string
		v    any
		want bool
	}{
		{"nil pointer", nilPtr, true},
		{"nil func", nilFn, true},
		{"nil map", map[int]int(nil), true},
		{"nil chan", (chan int)(nil), true},
		{"pointer", &plain{}, false},
		{"struct", plain{}, false},
		{"struct holding a nil pointer", onePtr{}, false},
		{"int", 0, false},
	}
	for _, c := range cases {
		if got := IsNilWith(FactsFor[any](), c.v); got != c.want {
			t.Errorf("IsNilWith(%s in an interface) = %v, want %v", c.name, got, c.want)
		}
		if got := IsNil(c.v); got != c.want {
			t.Errorf("IsNil(%s in an interface) = %v, want %v", c.name, got, c.want)
		}
	}
	f := FactsFor[future.Dropper]()
	var d future.Dropper = &ptrDropper{}
	if a := testing.AllocsPerRun(100, func() { _ = IsNilWith(f, d) }); a != 0 {
		t.Fatalf("%v allocations", a)
	}
}

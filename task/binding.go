package task

import (
	"sync/atomic"
	"unsafe"
)

// binding is what a task is bound to: the scheduler that runs it and the id
// of the list (OwnedTasks or LocalOwnedTasks) that owns it. Every task bound
// to the same list by the same scheduler shares one binding, so a header
// spends one pointer (Header.sched) on what took an interface and an id
// before; the embedded Scheduler keeps calls written h.sched.Schedule(n).
//
// A binding is immutable once published.
type binding struct {
	Scheduler
	// id is the owner list's id, 0 for a task in no list (a blocking task,
	// or a PendingLocal before BindPending).
	id uint32
	// pendingOwner is, for a task spawned off the driver of a driven list
	// (id 0 until the driver links it), that list's id; else 0.
	pendingOwner uint32
	// cacher is the scheduler as a CellCacher, nil when it is not one.
	cacher CellCacher
	// bound is, for a pending binding, the list's binding of the same
	// scheduler, which the task gets when the driver adopts it; else nil.
	bound *binding
}

// sameScheduler reports whether a and b are the same scheduler value,
// comparing the two words of the interfaces rather than with ==, which
// panics on an uncomparable dynamic type. Two copies of a scheduler whose
// type is not pointer-shaped may compare unequal; that only costs a new
// binding.
func sameScheduler(a, b Scheduler) bool {
	wa, wb := (*[2]unsafe.Pointer)(unsafe.Pointer(&a)), (*[2]unsafe.Pointer)(unsafe.Pointer(&b))
	return wa[0] == wb[0] && wa[1] == wb[1]
}

// bindingFor returns a binding of s to the list id, reusing the one in slot
// when it is for the same scheduler (the common case: a list is used by one
// scheduler), else making one and keeping it in slot. Any goroutine may call
// it. It panics when s is nil.
func bindingFor(slot *atomic.Pointer[binding], id uint32, s Scheduler) *binding {
	if b := slot.Load(); b != nil && sameScheduler(b.Scheduler, s) {
		return b
	}
	return newBinding(slot, id, s)
}

func newBinding(slot *atomic.Pointer[binding], id uint32, s Scheduler) *binding {
	if s == nil {
		panic("task: spawn with a nil Scheduler")
	}
	b := &binding{Scheduler: s, id: id}
	b.cacher, _ = s.(CellCacher)
	slot.Store(b)
	return b
}

// unboundSlots cache the bindings of tasks in no list (id 0), per
// scheduler: a blocking pool's, or a LocalSet's for tasks spawned from
// other goroutines. A slot is picked by the scheduler's data word; two
// schedulers sharing a slot only cost allocations.
var unboundSlots [16]atomic.Pointer[binding]

// unboundFor returns the binding of s with no list.
func unboundFor(s Scheduler) *binding {
	addr := uintptr((*[2]unsafe.Pointer)(unsafe.Pointer(&s))[1])
	return bindingFor(&unboundSlots[(addr>>4^addr>>10)&uintptr(len(unboundSlots)-1)], 0, s)
}

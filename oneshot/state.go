package oneshot

import "sync/atomic"

/*
# State word

The channel's state is one atomic word of flags. It mirrors tokio
sync/oneshot.rs (State), with one extra bit because Go has no Option:

	rxTaskSet  the receiver's Waker is stored in rxWaker
	complete   the sender is done (Tokio's VALUE_SENT): it sent, or closed
	hasValue   set together with complete when a value was sent
	closed     the receiver closed (or dropped) the channel
	txTaskSet  the sender's Waker (a ClosedFuture's) is stored in txWaker

complete and hasValue are set once, by one CAS, and never cleared; complete is
never set once closed is set (the CAS gives up instead), so the two are
exclusive as far as "who owns value" is concerned: the value belongs to the
sender until complete is set, and to the receiver afterwards.

# Waker cells

rxWaker and txWaker are plain fields; the flags say who may touch them:

 1. rxWaker is written only by the receiver, and only while rxTaskSet is clear
    and complete was clear when the receiver cleared rxTaskSet.
 2. rxWaker is read by the sender only after its complete-CAS observed
    rxTaskSet set. Per rule 1 the receiver no longer writes it then: its next
    attempt to clear rxTaskSet sees complete.
 3. The receiver clears rxWaker on close only when complete was clear at the
    moment it set closed; the sender then never reads it (its CAS sees
    closed and gives up).
 4. txWaker follows the same rules with the roles swapped: the sender writes
    it while txTaskSet is clear and closed was clear when it cleared the flag;
    the receiver reads it only when its closed-Or observed txTaskSet set
    and complete clear.

Because every such handover goes through the atomic word, and Go's atomics
are sequentially consistent, a write to a cell happens before the read that
the flags allow.

A Waker left in a cell after the channel completed is never woken again and is
freed with the channel; only the cases of rules 3 and 4 clear a cell early.
*/

// stateWord is the atomic flag word of a channel, described above.
type stateWord struct{ v atomic.Uint32 }

func (s *stateWord) load() uint32 { return s.v.Load() }

func (s *stateWord) cas(old, new uint32) bool { return s.v.CompareAndSwap(old, new) }

// or sets bits and returns the previous state.
func (s *stateWord) or(bits uint32) uint32 { return s.v.Or(bits) }

// and keeps only mask's bits and returns the previous state.
func (s *stateWord) and(mask uint32) uint32 { return s.v.And(mask) }

const (
	rxTaskSet uint32 = 1 << iota
	complete
	hasValue
	closed
	txTaskSet
)

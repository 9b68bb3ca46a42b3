package timer

/*
# How the wheel works

The wheel mirrors tokio runtime/time/wheel/{mod,level}.rs: six levels of 64
slots each. A slot of level l covers 64^l ticks (1 ms, 64 ms, ~4 s, ~4.5 min,
~4.8 h, ~12.7 days) and a level covers 64 of its slots, so the wheel as a whole
spans 64^6 ticks, about 2.2 years.

The wheel keeps elapsed, the tick up to which it has been advanced. An entry
with deadline tick t > elapsed lives on the lowest level at which t and elapsed
fall into different slots of the level above, found from the highest 6-bit
group in which t and elapsed differ (levelFor); its slot is that group of t.
Deadlines more than a whole wheel ahead go to the top level, whose 64 slots
then act as a ring: such an entry is looked at once per turn of the top level
(every 64^6 ticks) and put back until its turn comes.

Each level keeps a 64-bit occupied mask, one bit per non-empty slot. The next
slot of a level to process is found by rotating the mask so that the slot after
elapsed's is bit 0 and counting trailing zeros: O(1) per level, O(levels) for
the whole wheel. The slot of elapsed itself comes last: below the top level it
is always empty (an entry there would differ from elapsed only on a lower
level), and on the top level it holds only ring entries, due a turn later. The first level with an occupied slot holds the earliest
expiration, because everything on a higher level lies beyond the current
range of the lower one.

Advancing processes one slot at a time, earliest first. The slot's entries are
moved to the pending list (all of them before any is looked at, so that an
entry put back into the same top-level slot is not seen again in this pass),
elapsed becomes the slot's start, and each entry is either fired (its tick is
that start: slots of level 0 hold a single tick, and a higher slot fires the
entries due exactly at its start) or moved down to the level levelFor now
gives, which is always lower unless it is a top-level ring entry. Hence every
entry fires with elapsed equal to its own tick, entries fire in deadline order,
and entries due at the same tick fire in the order they were inserted.

The invariant that makes removal O(1) without searching: an entry is always in
the slot levelFor(elapsed, tick) and slotFor name, because elapsed never moves
past the start of an occupied slot without processing it. Entries still record
their level and slot, so removal does not depend on recomputing them.
*/

import (
	"math/bits"
)

const (
	numLevels    = 6
	bitsPerLevel = 6
	slotsPerLvl  = 1 << bitsPerLevel
	slotMask     = slotsPerLvl - 1

	// wheelSpan is the number of ticks the levels cover: 64^6.
	wheelSpan uint64 = 1 << (bitsPerLevel * numLevels)
)

// MaxTick is the latest deadline tick a wheel holds; later deadlines are
// clamped to it. It is far beyond any Instant (2^62 ms is 146 million years)
// and leaves room for the wheel's arithmetic never to overflow.
const MaxTick uint64 = 1<<62 - 1

// Wheel is a hierarchical timing wheel of [Entry] nodes, with one tick per
// millisecond in a [Driver] (the wheel itself only counts ticks). Insert and
// Remove are O(1), NextExpiration is O(levels), and Advance costs O(levels)
// per entry it moves or fires. Inserting allocates nothing.
//
// A Wheel is not safe for concurrent use; a [Driver] guards one with its
// mutex. The zero Wheel is empty, at tick 0.
type Wheel struct {
	elapsed uint64
	levels  [numLevels]level
	// pending holds the entries of the slot being processed.
	pending entryList
	n       int
}

type level struct {
	occupied uint64 // bit s set iff slots[s] is non-empty
	slots    [slotsPerLvl]entryList
}

// Elapsed returns the tick the wheel has been advanced to. Inside a fire
// callback it is the fired entry's deadline tick.
func (w *Wheel) Elapsed() uint64 { return w.elapsed }

// Len returns the number of entries in the wheel.
func (w *Wheel) Len() int { return w.n }

// Insert adds e, which must not be in a wheel, with deadline tick (clamped to
// [MaxTick]) and reports true. If the deadline is not after Elapsed, e is not
// inserted and Insert reports false: the timer is already due, and the caller
// fires it itself.
func (w *Wheel) Insert(e *Entry, tick uint64) bool {
	if e.loc != locNone {
		panic("timer: Insert of an entry that is already in a wheel")
	}
	if tick > MaxTick {
		tick = MaxTick
	}
	if tick <= w.elapsed {
		return false
	}
	e.tick = tick
	w.n++
	w.link(e)
	return true
}

// link puts e, whose tick is after elapsed, into its slot.
func (w *Wheel) link(e *Entry) {
	l := levelFor(w.elapsed, e.tick)
	s := slotFor(e.tick, l)
	lv := &w.levels[l]
	lv.slots[s].pushBack(e)
	lv.occupied |= 1 << s
	e.loc, e.slot = locLevel0+uint8(l), uint8(s)
}

// Remove takes e out of the wheel and reports whether it was there. Removing
// an entry that is not in the wheel (never inserted, already fired, already
// removed) does nothing.
func (w *Wheel) Remove(e *Entry) bool {
	switch loc := e.loc; {
	case loc == locNone:
		return false
	case loc == locPending:
		w.pending.remove(e)
	default:
		lv := &w.levels[loc-locLevel0]
		sl := &lv.slots[e.slot]
		sl.remove(e)
		if sl.empty() {
			lv.occupied &^= 1 << e.slot
		}
	}
	e.loc = locNone
	w.n--
	return true
}

// NextExpiration returns the next tick at which Advance has work to do (fire
// entries, or move entries down a level), and false when the wheel is empty.
// It is never after the earliest deadline in the wheel, so a driver that
// sleeps until it never oversleeps a timer.
func (w *Wheel) NextExpiration() (tick uint64, ok bool) {
	if !w.pending.empty() {
		return w.elapsed, true
	}
	_, _, t, ok := w.nextSlot()
	return t, ok
}

// nextSlot finds the occupied slot to process first: its level, index and the
// tick at which it must be processed.
func (w *Wheel) nextSlot() (lvl, slot int, deadline uint64, ok bool) {
	for l := range numLevels {
		occ := w.levels[l].occupied
		if occ == 0 {
			continue
		}
		shift := uint(l * bitsPerLevel)
		// Search from the slot after elapsed's own. Elapsed's slot can
		// only hold top-level ring entries, which are due a whole turn
		// later, after every other slot of the level; starting the
		// search at it would let such an entry hide an earlier slot
		// (compare tokio level.rs next_occupied_slot, which starts at
		// the current slot).
		from := int((w.elapsed>>shift)&slotMask) + 1
		s := (bits.TrailingZeros64(bits.RotateLeft64(occ, -from)) + from) & slotMask
		levelRange := uint64(1) << (shift + bitsPerLevel)
		d := w.elapsed&^(levelRange-1) + uint64(s)<<shift
		if d <= w.elapsed {
			// Only possible on the top level, for an entry more than a
			// whole wheel ahead: its slot comes round on the next turn.
			d += levelRange
		}
		return l, s, d, true
	}
	return 0, 0, 0, false
}

// Advance moves the wheel forward to tick now (clamped to [MaxTick]; a now
// before Elapsed does nothing) and calls fire for every entry whose deadline
// is at or before now, in deadline order, entries with equal deadlines in the
// order they were inserted. Each entry is out of the wheel when fire sees it,
// and Elapsed is its deadline tick then.
//
// fire may Insert and Remove entries, including the one it was given; an
// entry inserted with a deadline at or before now fires in this same call.
// If fire panics, the wheel stays consistent and a later Advance carries on.
func (w *Wheel) Advance(now uint64, fire func(*Entry)) {
	if now > MaxTick {
		now = MaxTick
	}
	if now < w.elapsed {
		return
	}
	for {
		w.drainPending(fire)
		l, s, d, ok := w.nextSlot()
		if !ok || d > now {
			w.elapsed = now
			return
		}
		// Take the whole slot before looking at any entry in it.
		sl := &w.levels[l].slots[s]
		for e := sl.head; e != nil; e = e.next {
			e.loc = locPending
		}
		w.pending = *sl
		*sl = entryList{}
		w.levels[l].occupied &^= 1 << s
		w.elapsed = d
	}
}

// drainPending fires or re-links every entry on the pending list.
func (w *Wheel) drainPending(fire func(*Entry)) {
	for {
		e := w.pending.popFront()
		if e == nil {
			return
		}
		if e.tick <= w.elapsed {
			e.loc = locNone
			w.n--
			fire(e)
		} else {
			w.link(e)
		}
	}
}

// Drain removes every entry and calls fire for each, in no particular order,
// without moving Elapsed. A driver uses it at shutdown.
func (w *Wheel) Drain(fire func(*Entry)) {
	for {
		e := w.pending.popFront()
		if e == nil {
			break
		}
		e.loc = locNone
		w.n--
		fire(e)
	}
	for l := range w.levels {
		lv := &w.levels[l]
		for lv.occupied != 0 {
			s := bits.TrailingZeros64(lv.occupied)
			sl := &lv.slots[s]
			e := sl.popFront()
			if sl.empty() {
				lv.occupied &^= 1 << s
			}
			e.loc = locNone
			w.n--
			fire(e)
		}
	}
}

// levelFor returns the level an entry due at tick when belongs on while the
// wheel is at elapsed: the 6-bit group of the highest bit in which they
// differ, or the top level when they are more than a whole wheel apart.
func levelFor(elapsed, when uint64) int {
	// The low group is or-ed in so that equal groups still give level 0.
	masked := (elapsed ^ when) | slotMask
	if masked >= wheelSpan {
		return numLevels - 1
	}
	return (bits.Len64(masked) - 1) / bitsPerLevel
}

// slotFor returns the slot of level l that tick when falls in.
func slotFor(when uint64, l int) int {
	return int((when >> (l * bitsPerLevel)) & slotMask)
}

package timer

import (
	"math"
	"time"
)

// Instant is a point on a [Clock]'s timeline: the time elapsed since the
// clock's origin (the moment it was created), in nanoseconds. Instants of
// different clocks cannot be compared.
//
// Arithmetic on Instants saturates instead of overflowing, so a deadline
// "now + a very long duration" is [MaxInstant], about 292 years after the
// origin, and never wraps into the past.
type Instant int64

// MaxInstant is the latest representable Instant. A deadline at MaxInstant
// never arrives in practice, but the wheel still holds it correctly.
const MaxInstant Instant = math.MaxInt64

// Add returns i+d, saturated to the int64 range.
func (i Instant) Add(d time.Duration) Instant {
	s := int64(i) + int64(d)
	// Overflow happened when both operands have the same sign and the sum
	// has the other one.
	if d > 0 && s < int64(i) {
		return MaxInstant
	}
	if d < 0 && s > int64(i) {
		return math.MinInt64
	}
	return Instant(s)
}

// Sub returns the duration i-j, saturated to the range of time.Duration.
func (i Instant) Sub(j Instant) time.Duration {
	s := int64(i) - int64(j)
	if j < 0 && s < int64(i) {
		return math.MaxInt64
	}
	if j > 0 && s > int64(i) {
		return math.MinInt64
	}
	return time.Duration(s)
}

// TickDuration is the wheel's resolution: one tick is one millisecond.
const TickDuration = time.Millisecond

// DeadlineTick returns the first tick at or after i: a timer due at i may fire
// once the clock has reached that tick, which is never earlier than i.
// Instants at or before the origin map to tick 0. The one exception to
// rounding up is the last fraction of a millisecond before [MaxInstant],
// which maps to the last tick a clock can reach (MaxInstant.Tick()), so that
// even a deadline at MaxInstant is reachable.
func (i Instant) DeadlineTick() uint64 {
	if i <= 0 {
		return 0
	}
	t := uint64(i) / uint64(TickDuration)
	if uint64(i)%uint64(TickDuration) != 0 && t < maxClockTick {
		t++
	}
	return t
}

// maxClockTick is the last tick a clock can read.
const maxClockTick = uint64(MaxInstant) / uint64(TickDuration)

// Tick returns the last tick at or before i: the tick the clock has reached
// when it reads i. Instants before the origin map to tick 0.
func (i Instant) Tick() uint64 {
	if i <= 0 {
		return 0
	}
	return uint64(i) / uint64(TickDuration)
}

// TickInstant returns the Instant at which tick t begins, saturated to
// [MaxInstant].
func TickInstant(t uint64) Instant {
	if t > uint64(MaxInstant)/uint64(TickDuration) {
		return MaxInstant
	}
	return Instant(t * uint64(TickDuration))
}

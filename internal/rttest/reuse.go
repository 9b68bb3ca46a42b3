package rttest

import "runtime"

// ReusedRounds calls round(0..rounds-1) and returns how many of the calls
// allocated fewer than below bytes: the rounds that reused memory (a
// recycled channel buffer, say) instead of allocating it. It first calls
// round(-1) once, untimed, to make the first buffer, and runs everything on
// one P: sync.Pool keeps an item Put on one P where a Get on another P does
// not look first, so a goroutine moved between Ps could miss buffers that are
// there. sync.Pool also drops items at random under the race detector and
// at every collection, so callers should ask for a share of the rounds, not
// all of them.
func ReusedRounds(rounds int, below uint64, round func(i int)) int {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	round(-1)
	reused := 0
	var before, after runtime.MemStats
	for i := range rounds {
		runtime.ReadMemStats(&before)
		round(i)
		runtime.ReadMemStats(&after)
		if after.TotalAlloc-before.TotalAlloc < below {
			reused++
		}
	}
	return reused
}

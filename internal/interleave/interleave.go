// Package interleave enumerates every interleaving of a few short scripts of
// steps, for the model tests of weft's small lock-free protocols (Go has no
// loom). A test writes each party of a protocol as a script of steps, each
// step one atomic operation on a model of the shared state, and checks the
// outcome of every order in which the steps can happen.
//
// The harness protocol of package task has its own, larger checker
// (task/interleave_test.go), which memoizes states; this one replays every
// order from the start, which is what scripts of a handful of steps need.
package interleave

// Each calls run once for every interleaving of scripts of the given
// lengths: order lists, step by step, the index of the script whose next
// step comes next (script i appears counts[i] times). The steps of each
// script keep their order. There are (sum counts)! / prod(counts[i]!)
// interleavings. order is reused between calls; run must not keep it.
func Each(counts []int, run func(order []int)) {
	total := 0
	for _, c := range counts {
		if c < 0 {
			panic("interleave: negative step count")
		}
		total += c
	}
	left := append([]int(nil), counts...)
	order := make([]int, 0, total)
	var walk func()
	walk = func() {
		if len(order) == total {
			run(order)
			return
		}
		for i := range left {
			if left[i] == 0 {
				continue
			}
			left[i]--
			order = append(order, i)
			walk()
			order = order[:len(order)-1]
			left[i]++
		}
	}
	walk()
}

// Replay runs the scripts in the given order: step k of the order runs the
// next step of script order[k].
func Replay(order []int, scripts ...[]func()) {
	next := make([]int, len(scripts))
	for _, i := range order {
		scripts[i][next[i]]()
		next[i]++
	}
}

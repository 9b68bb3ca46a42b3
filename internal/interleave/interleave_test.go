package interleave

import (
	"fmt"
	"slices"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestEachVisitsEveryInterleavingOnce(t *testing.T) {
	seen := map[string]bool{}
	Each([]int{2, 1, 2}, func(order []int) {
		k := fmt.Sprint(order)
		if seen[k] {
			t.Fatalf("order %v twice", order)
		}
		seen[k] = true
		// Each script's steps appear in their count.
		for i, want := range []int{2, 1, 2} {
			n := 0
			for _, o := range order {
				if o == i {
					n++
				}
			}
			if n != want {
				t.Fatalf("order %v: script %d appears %d times, want %d", order, i, n, want)
			}
		}
	})
	if len(seen) != 30 { // 5! / (2! 1! 2!)
		t.Fatalf("%d interleavings, want 30", len(seen))
	}
}

func TestReplayKeepsEachScriptInOrder(t *testing.T) {
	var got []string
	step := func(s string) func() { return func() { got = append(got, s) } }
	Replay([]int{1, 0, 1, 0}, []func(){step("a1"), step("a2")}, []func(){step("b1"), step("b2")})
	if want := []string{"b1", "a1", "b2", "a2"}; !slices.Equal(got, want) {
		t.Fatalf("replayed %v, want %v", got, want)
	}
}

func TestEachWithNoStepsRunsOnce(t *testing.T) {
	n := 0
	Each([]int{0, 0}, func(order []int) {
		if len(order) != 0 {
			t.Fatalf("order %v, want empty", order)
		}
		n++
	})
	if n != 1 {
		t.Fatalf("ran %d times, want 1", n)
	}
}

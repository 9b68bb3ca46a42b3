package main

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// An -only value ending in "$" selects the one bench whose name ends in the
// rest, so that compare.sh can run notify_one_10 without notify_one_100;
// any other value selects by substring, as before.
func TestOnlyWithDollarSelectsOneBenchBySuffix(t *testing.T) {
	for _, c := range []struct {
		name, only string
		want       bool
	}{
		{"notify_one_10", "", true},
		{"notify_one_100", "notify_one_10", true},
		{"notify_one_10", "notify_one_10$", true},
		{"notify_one_100", "notify_one_10$", false},
		{"mpsc_contention_bounded_full", "mpsc_contention_bounded$", false},
		{"mpsc_contention_bounded", "mpsc_contention_bounded$", true},
		{"notify_one_10", "waiters", false},
	} {
		if got := benchWanted(c.name, c.only); got != c.want {
			t.Errorf("benchWanted(%q, %q) = %v, want %v", c.name, c.only, got, c.want)
		}
	}
}

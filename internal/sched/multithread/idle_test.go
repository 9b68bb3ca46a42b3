package multithread

import "testing"

// At most half the workers may search at once (Tokio's soft limit).
func TestSearchingLimitIsHalf(t *testing.T) {
	for _, workers := range []int{1, 2, 3, 4, 8} {
		i := newIdle(workers)
		n := 0
		for i.transitionToSearching() {
			n++
			if n > workers {
				t.Fatalf("%d workers: searching unbounded", workers)
			}
		}
		want := (workers + 1) / 2
		if n != want {
			t.Fatalf("%d workers: %d may search, want %d", workers, n, want)
		}
	}
}

// A parked worker is woken for new work only when nobody searches.
func TestWakeOnlyWhenNobodySearches(t *testing.T) {
	i := newIdle(4)
	if w := i.workerToNotify(); w != -1 {
		t.Fatalf("woke %d with nobody parked", w)
	}
	i.transitionToParked(3, false)
	i.transitionToParked(2, false)
	if !i.transitionToSearching() {
		t.Fatal("could not search")
	}
	if w := i.workerToNotify(); w != -1 {
		t.Fatalf("woke %d while a worker searches", w)
	}
	if last := i.transitionFromSearching(); !last {
		t.Fatal("the only searcher was not the last")
	}
	w := i.workerToNotify()
	if w != 2 {
		t.Fatalf("woke %d, want the last parked (2)", w)
	}
	if i.numSearching() != 1 || i.numUnparked() != 3 {
		t.Fatalf("after wake: searching %d unparked %d", i.numSearching(), i.numUnparked())
	}
	if i.isParked(2) || !i.isParked(3) {
		t.Fatal("sleepers list wrong after wake")
	}
}

// The last searcher to park must be told so, so that it re-checks the queues.
func TestLastSearcherParkingIsReported(t *testing.T) {
	i := newIdle(4)
	i.transitionToSearching()
	i.transitionToSearching()
	if i.transitionToParked(0, true) {
		t.Fatal("first of two searchers reported as last")
	}
	if !i.transitionToParked(1, true) {
		t.Fatal("last searcher not reported")
	}
	if i.transitionToParked(2, false) {
		t.Fatal("a non-searcher reported as last searcher")
	}
	if !i.unparkWorker(1) || i.unparkWorker(1) {
		t.Fatal("unparkWorker should succeed once")
	}
}

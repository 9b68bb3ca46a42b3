package monotime

import (
	"testing"
	"time"
)

// TestTimeAgreesWithNow: a reading taken between two time.Now calls turns
// into a time between them.
func TestTimeAgreesWithNow(t *testing.T) {
	before := time.Now()
	ns := Now()
	after := time.Now()
	got := Time(ns)
	if got.Before(before) || got.After(after) {
		t.Fatalf("Time(Now()) = %v, not within [%v, %v]", got, before, after)
	}
	if Now() < ns {
		t.Fatal("Now went backwards")
	}
}

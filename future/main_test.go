package future_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine they started (a waker
// on another goroutine, a Block caller) is still running at the end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

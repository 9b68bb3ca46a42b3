package task

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no test of the package (internal or external: they
// share one test binary, so this is the only TestMain) leaves a goroutine
// behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

package weft_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain is the only TestMain of the root package: every test of package
// weft and weft_test runs under it, and no test may leave a goroutine behind.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

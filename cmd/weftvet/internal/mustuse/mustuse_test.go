package mustuse_test

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/weftrt/weft/cmd/weftvet/internal/mustuse"
)

// TestDroppedFuturesAndHandlesAreReported runs the analysis over
// testdata/src/a, which has every kind of finding (bare statements, _,
// go and defer, observer-only calls, unused locals, futures known by type
// only) and every kind of use that is not one (awaited, polled, spawned,
// joined, detached, aborted, stored, returned, passed, captured, dropped
// with Drop, conversions, tuples, type parameters, other modules), against
// stand-ins of weft's packages in testdata/src/github.com/weftrt/weft.
func TestDroppedFuturesAndHandlesAreReported(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), mustuse.Analyzer, "a")
}

// TestIgnoreDirectiveNeedsAReasonAndATarget checks //weftvet:ignore: it
// suppresses a finding on its line or the next, and is itself reported
// when it has no reason or suppresses nothing.
func TestIgnoreDirectiveNeedsAReasonAndATarget(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), mustuse.Analyzer, "ignore")
}

// TestRealWeftTypesAreRecognized runs the analysis over testdata/realapi,
// which uses weft's own packages (module mode, from the repository root):
// the rule must recognize the real futures and JoinHandles, not only the
// stand-ins.
func TestRealWeftTypesAreRecognized(t *testing.T) {
	root, err := filepath.Abs("../../../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found: %v", err)
	}
	analysistest.Run(t, root, mustuse.Analyzer, "./cmd/weftvet/internal/mustuse/testdata/realapi")
}

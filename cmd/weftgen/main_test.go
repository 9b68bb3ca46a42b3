package main

import (
	"bytes"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestCheckModeAcceptsCommittedOutput is CI's check: the corpus's
// committed generated files are what weftgen writes, so -n changes nothing
// and exits 0.
func TestCheckModeAcceptsCommittedOutput(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-n", "./internal/corpus"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, &out, &errb)
	}
}

// TestRefusalsArePrintedWithPositions runs weftgen on the refusal cases:
// it exits 1 and prints file:line:col: message lines.
func TestRefusalsArePrintedWithPositions(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-n", "./internal/gen/testdata/errs"}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	first, _, _ := strings.Cut(errb.String(), "\n")
	if !strings.Contains(first, "errs.go:") || strings.Count(first, ":") < 3 {
		t.Fatalf("first refusal %q has no file:line:col", first)
	}
}

func TestBadFlag(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"-nope"}, &out, &errb); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
}

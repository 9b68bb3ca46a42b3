package gen

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden compiles testdata/golden and compares the output with the
// golden file; -update rewrites it (read the diff before committing it).
func TestGolden(t *testing.T) {
	res, err := Generate(".", []string{"./testdata/golden"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 {
		t.Fatalf("got %d files, want 1", len(res.Files))
	}
	golden := filepath.Join("testdata", "golden", "golden_weft.go.golden")
	got := res.Files[0].Content
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("generated code differs from %s (run go test -update and read the diff):\n%s", golden, got)
	}
	// Same input, same output.
	again, err := Generate(".", []string{"./testdata/golden"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Files[0].Content, got) {
		t.Error("two runs generated different code")
	}
}

var errorComment = regexp.MustCompile(`// ERROR "([^"]*)"`)

// TestRefusals compiles testdata/errs, where each refused construct's
// line says what the refusal must contain: every such line gets its
// refusal, with the file and line, and no other line gets one.
func TestRefusals(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "errs", "errs.go"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{}
	for i, line := range strings.Split(string(src), "\n") {
		if m := errorComment.FindStringSubmatch(line); m != nil {
			want[i+1] = m[1]
		}
	}
	_, err = Generate(".", []string{"./testdata/errs"})
	list, ok := err.(ErrorList)
	if !ok {
		t.Fatalf("got %v, want an ErrorList", err)
	}
	got := map[int][]string{}
	for _, e := range list {
		if filepath.Base(e.Pos.Filename) != "errs.go" || e.Pos.Line == 0 {
			t.Errorf("refusal without a position in errs.go: %v", e)
			continue
		}
		got[e.Pos.Line] = append(got[e.Pos.Line], e.Msg)
	}
	var lines []int
	for l := range want {
		lines = append(lines, l)
	}
	sort.Ints(lines)
	for _, l := range lines {
		msgs := got[l]
		found := false
		for _, m := range msgs {
			if strings.Contains(m, want[l]) {
				found = true
			}
		}
		if !found {
			t.Errorf("errs.go:%d: want a refusal containing %q, got %q", l, want[l], msgs)
		}
		delete(got, l)
	}
	for l, msgs := range got {
		t.Errorf("errs.go:%d: unexpected refusal %q", l, msgs)
	}
}

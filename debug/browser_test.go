package debug_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/weftrt/weft/debug"
)

// chromium returns the path of a Chromium to drive, or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium on this machine (Debian: apt-get install -y chromium); the page's browser test is skipped")
	return ""
}

// TestPageShowsTheTasksInABrowser loads the live page in headless Chromium
// from a server that mounts the handler under a prefix, lets its scripts
// run, and reads the resulting DOM: the task table must have a row per
// task, with its state and what it waits for, and each worker must have its
// charts.
func TestPageShowsTheTasksInABrowser(t *testing.T) {
	bin := chromium(t)
	f := newFixture(t)
	mux := http.NewServeMux()
	mux.Handle("/debug/weft/", http.StripPrefix("/debug/weft", debug.Handler(f.rt)))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	profile := t.TempDir()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir="+profile,
		// Virtual time runs the page's timers (two refreshes) without
		// waiting for them in real time; it waits for the fetches.
		"--virtual-time-budget=2500",
		"--dump-dom", srv.URL+"/debug/weft/")
	cmd.Env = append(os.Environ(), "HOME="+profile)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	dom := string(out)
	if !strings.Contains(dom, `data-loaded="true"`) {
		t.Fatalf("the page never loaded its data; error line: %q\nDOM:\n%s", firstMatch(dom, `<div id="error">(.*?)</div>`), dom)
	}
	for name, id := range f.ids {
		row := firstMatch(dom, `(<tr[^>]*data-task-id="`+id.String()+`"[^>]*>.*?</tr>)`)
		if row == "" {
			t.Errorf("no row for the %s task %v in the table", name, id)
			continue
		}
		want := map[string]string{"notify": "Map{Notify.Notified (waiting, ", "sleep": "Map{Sleep(", "async": "Async{Notify.Notified"}[name]
		if !strings.Contains(row, `data-status="idle"`) || !strings.Contains(row, want) || !strings.Contains(row, "handler_test.go:") {
			t.Errorf("row of the %s task: %s\nwant idle, %q and its spawn site", name, row, want)
		}
	}
	for _, want := range []string{`data-worker="0"`, `data-worker="1"`, `<svg class="chart depth"`, `<svg class="chart busy"`, "<polyline points=", "flavor: multi-thread"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
}

func firstMatch(s, expr string) string {
	m := regexp.MustCompile("(?s)" + expr).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}

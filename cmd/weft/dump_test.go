package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/debug"
	"github.com/weftrt/weft/future"
)

// serveDebug runs a runtime with one idle task and serves its debug handler
// under /debug/weft; it returns the server and the task's ID.
func serveDebug(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	rt, err := weft.New(weft.WithWorkers(1))
	if err != nil {
		t.Fatal(err)
	}
	jh := weft.Spawn(rt, future.Pending[int]())
	mux := http.NewServeMux()
	mux.Handle("/debug/weft/", http.StripPrefix("/debug/weft", debug.Handler(rt)))
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		jh.Abort()
		if err := rt.Close(); err != nil {
			t.Error(err)
		}
	})
	// Wait until the task has run, so that every dump shows it idle.
	for {
		d, err := rt.Dump(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Tasks) == 1 && d.Tasks[0].Status == weft.TaskIdle {
			return srv, jh.ID().String()
		}
	}
}

func dump(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = dumpMain(args, &o, &e)
	return code, o.String(), e.String()
}

func TestDumpPrintsTheTextDump(t *testing.T) {
	srv, id := serveDebug(t)
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, base := range []string{srv.URL + "/debug/weft", srv.URL + "/debug/weft/", srv.URL + "/debug/weft/tasks", host + "/debug/weft"} {
		code, out, errOut := dump(base)
		if code != 0 || errOut != "" {
			t.Fatalf("weft dump %s: exit %d, stderr %q", base, code, errOut)
		}
		if !strings.HasPrefix(out, "weft task dump: 1 tasks, multi-thread runtime") || !strings.Contains(out, "\ntask "+id+" [idle]") ||
			!strings.Contains(out, "Pending (never completes)") {
			t.Errorf("weft dump %s printed:\n%s", base, out)
		}
	}
}

func TestDumpPrintsJSONWhenAsked(t *testing.T) {
	srv, id := serveDebug(t)
	code, out, errOut := dump("-json", "-stacks=false", srv.URL+"/debug/weft")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var d struct {
		Tasks []struct {
			ID json.Number `json:"id"`
		} `json:"tasks"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil || len(d.Tasks) != 1 || d.Tasks[0].ID.String() != id {
		t.Fatalf("JSON %v, %+v:\n%s", err, d, out)
	}
}

func TestDumpExplainsFailures(t *testing.T) {
	srv, _ := serveDebug(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage: weft dump"},
		{[]string{"a", "b"}, 2, "usage: weft dump"},
		{[]string{"-nope", srv.URL}, 2, "flag provided but not defined"},
		{[]string{"ftp://host/x"}, 2, "want http or https"},
		{[]string{"http:///x"}, 2, "no host"},
		{[]string{closedURL + "/debug/weft"}, 1, "weft dump: cannot reach " + closedURL + "/debug/weft/tasks?format=text"},
		{[]string{srv.URL + "/wrong"}, 1, "weft dump: GET " + srv.URL + "/wrong/tasks?format=text: 404 Not Found: 404 page not found (is the URL where debug.Handler is mounted?)"},
	} {
		code, out, errOut := dump(c.args...)
		if code != c.code || out != "" || !strings.Contains(errOut, c.want) {
			t.Errorf("weft dump %q: exit %d, stdout %q, stderr %q; want exit %d and %q", c.args, code, out, errOut, c.code, c.want)
		}
	}
	if code, _, _ := dump("-h"); code != 0 {
		t.Errorf("-h: exit %d, want 0", code)
	}
}

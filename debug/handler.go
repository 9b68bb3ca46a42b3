package debug

import (
	"context"
	_ "embed"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/weftrt/weft"
)

//go:embed page.html
var page []byte

// DumpTimeout bounds how long /tasks waits for the runtime's LocalSets, and
// for the driver of a current-thread runtime, to answer (see
// weft.Runtime.Dump): a driver stuck inside a poll does not, and the dump
// then says so in Dump.Incomplete. The request's own context ends
// it sooner when the client goes away.
const DumpTimeout = 5 * time.Second

// Handler returns a handler that serves rt's task dump at /tasks, its metrics
// at /metrics and a live page at /; see the package documentation. Other
// paths get 404, and methods other than GET and HEAD get 405. Each request
// to /tasks takes a fresh dump; the handler keeps no state and may serve any
// number of requests at once.
func Handler(rt *weft.Runtime) http.Handler {
	if rt == nil {
		panic("debug: Handler of a nil *weft.Runtime")
	}
	return &handler{rt: rt}
}

type handler struct {
	rt *weft.Runtime
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "debug: method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	switch r.URL.Path {
	case "", "/":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.Method != http.MethodHead {
			_, _ = w.Write(page)
		}
	case "/tasks":
		h.serveTasks(w, r)
	case "/metrics":
		w.Header().Set("Content-Type", "application/json")
		if r.Method != http.MethodHead {
			h.serveMetrics(w)
		}
	default:
		http.NotFound(w, r)
	}
}

func (h *handler) serveTasks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	text := false
	switch q.Get("format") {
	case "text":
		text = true
	case "json":
	case "":
		text = wantsText(r.Header.Get("Accept"))
	default:
		http.Error(w, "debug: format must be json or text", http.StatusBadRequest)
		return
	}
	if text {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", "application/json")
	}
	if r.Method == http.MethodHead {
		return // no dump for a HEAD
	}
	stacks := q.Get("stacks") != "0"
	ctx, cancel := context.WithTimeout(r.Context(), DumpTimeout)
	defer cancel()
	d, err := h.rt.Dump(ctx, weft.DumpStacks(stacks))
	if d == nil {
		http.Error(w, "debug: no dump: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	// A partial dump (a LocalSet that did not answer) is still served: it
	// says what is missing in its "incomplete" list.
	if text {
		_ = d.WriteText(w)
		return
	}
	_ = d.WriteJSON(w)
}

// wantsText reports whether an Accept header asks for text/plain rather
// than JSON: it names text/plain and does not name JSON before it.
func wantsText(accept string) bool {
	t := strings.Index(accept, "text/plain")
	if t < 0 {
		return false
	}
	j := strings.Index(accept, "application/json")
	return j < 0 || t < j
}

func (h *handler) serveMetrics(w http.ResponseWriter) {
	b, err := json.MarshalIndent(viewMetrics(h.rt.Metrics()), "", "  ")
	if err != nil {
		http.Error(w, "debug: "+err.Error(), http.StatusInternalServerError)
		return
	}
	_, _ = w.Write(append(b, '\n'))
}

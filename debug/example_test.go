package debug_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/weftrt/weft"
	"github.com/weftrt/weft/debug"
)

// Mount the handler under a prefix, as net/http/pprof is mounted. The page
// is then at /debug/weft/, the dump at /debug/weft/tasks.
func ExampleHandler() {
	rt, err := weft.New(weft.WithWorkers(1), weft.WithSpawnSites(true))
	if err != nil {
		panic(err)
	}
	defer rt.Close()

	mux := http.NewServeMux()
	mux.Handle("/debug/weft/", http.StripPrefix("/debug/weft", debug.Handler(rt)))
	// A program serves mux on a private address, for example with
	// go http.ListenAndServe("localhost:6060", mux); the example uses a
	// test server.
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, path := range []string{"/debug/weft/", "/debug/weft/tasks", "/debug/weft/tasks?format=text", "/debug/weft/metrics"} {
		res, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			panic(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		fmt.Println(path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	// Output:
	// /debug/weft/ 200 text/html; charset=utf-8
	// /debug/weft/tasks 200 application/json
	// /debug/weft/tasks?format=text 200 text/plain; charset=utf-8
	// /debug/weft/metrics 200 application/json
}

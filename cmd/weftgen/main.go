// Command weftgen compiles the functions marked //weft:async into
// state-machine futures.
//
// Usage:
//
//	weftgen [-n] [packages]
//
// For each source file of the named packages (default ".") that has marked
// functions, weftgen writes file_weft.go beside it, and it removes the
// file_weft.go files whose source has none any more. With -n it writes
// nothing and exits 1 when a file would change (a check for CI). A marked
// function
//
//	//weft:async
//	func Fetch(a *weft.A, rx *mpsc.Receiver[int]) int { ... }
//
// runs unchanged as a weft.Async body, and FetchFuture(rx) returns the same
// code as a state machine that holds only the variables live across its
// awaits. Run it with go generate:
//
//	//go:generate go run github.com/weftrt/weft/cmd/weftgen
//
// Refusals (constructs weftgen cannot compile) are printed as
// file:line:col: message, and the exit status is 1.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/weftrt/weft/cmd/weftgen/internal/gen"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("weftgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dry := fs.Bool("n", false, "write nothing; exit 1 if a generated file would change")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: weftgen [-n] [packages]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	res, err := gen.Generate(".", fs.Args())
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	stale := false
	for _, f := range res.Files {
		old, _ := os.ReadFile(f.Path)
		if bytes.Equal(old, f.Content) {
			continue
		}
		stale = true
		if *dry {
			fmt.Fprintf(stdout, "would write %s\n", f.Path)
			continue
		}
		if err := os.WriteFile(f.Path, f.Content, 0o644); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	for _, p := range res.Remove {
		stale = true
		if *dry {
			fmt.Fprintf(stdout, "would remove %s\n", p)
			continue
		}
		if err := os.Remove(p); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	if *dry && stale {
		return 1
	}
	return 0
}

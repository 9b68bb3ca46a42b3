package main

import (
	"golang.org/x/tools/go/analysis/singlechecker"

	"github.com/weftrt/weft/cmd/weftvet/internal/mustuse"
)

// main runs the analysis as a standalone checker (weftvet ./...) or, when
// go vet passes it a .cfg file, as a -vettool (unitchecker protocol).
func main() { singlechecker.Main(mustuse.Analyzer) }

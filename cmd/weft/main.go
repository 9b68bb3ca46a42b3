// Command weft is weft's companion tool.
//
// Usage:
//
//	weft dump [flags] URL   print the task dump of a program serving weft/debug
package main

import (
	"fmt"
	"os"
)

// This file only dispatches; each command lives in its own file.
func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: weft <command> [flags]\n\ncommands:\n\tdump\tprint the task dump of a program serving weft/debug")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "dump":
		os.Exit(runDump(os.Args[2:]))
	default:
		fmt.Fprintf(os.Stderr, "weft: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
}

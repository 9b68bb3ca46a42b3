package main

import (
	"fmt"
	"io"
)

// demo is a placeholder until the demo command (a realistic workload with
// the live debug page) is built; it replaces this file.
func init() {
	register(&command{
		name:    "demo",
		summary: "a realistic workload with the live debug page (not built yet)",
		run: func(_ []string, _, stderr io.Writer) int {
			fmt.Fprintln(stderr, "demo: not built yet")
			return 2
		},
	})
}

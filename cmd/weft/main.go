// Command weft is weft's companion tool.
//
// Usage:
//
//	weft <command> [flags]
//
// Run weft without arguments for the list of commands, and
// `weft <command> -h` for a command's flags. Among them:
//
//	bench   runtime benchmarks: weft against goroutines, or bench/compare.sh's lines
//	demo    a realistic workload with the live debug page
//
// Each command lives in its own file (bench.go, demo.go, ...) and registers
// itself from an init function, so adding one does not touch this file.
package main

import (
	"fmt"
	"io"
	"os"
	"slices"
)

// A command is one subcommand. Each lives in its own file, which registers
// it from an init function; main.go only dispatches.
type command struct {
	name    string
	summary string
	// run runs the command with the arguments after its name and returns
	// the process's exit code.
	run func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]*command{}

// register adds a command; it panics on a duplicate name (a programming
// error).
func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("weft: command " + c.name + " registered twice")
	}
	commands[c.name] = c
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run dispatches args to a command and returns the exit code: 2 for a usage
// error, as the flag package does.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "weft: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprint(w, "weft is the companion tool of the weft task runtime.\n\nUsage:\n\n\tweft <command> [flags]\n\nCommands:\n\n")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		fmt.Fprintf(w, "\t%-8s %s\n", name, commands[name].summary)
	}
	fmt.Fprint(w, "\nRun 'weft <command> -h' for a command's flags.\n")
}

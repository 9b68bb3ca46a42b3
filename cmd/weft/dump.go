package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const dumpUsage = `usage: weft dump [flags] URL

Prints the task dump of a running program that serves the weft debug handler
(github.com/weftrt/weft/debug). URL is where the handler is mounted, for
example http://localhost:6060/debug/weft; the dump is fetched from URL/tasks.

Flags:
`

func init() {
	register(&command{
		name:    "dump",
		summary: "print the task dump of a program serving weft/debug",
		run:     dumpMain,
	})
}

// dumpMain is the dump command: weft dump [flags] URL. It returns the exit
// code: 0 on success, 1 when the dump cannot be fetched, 2 for a usage
// error.
func dumpMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dump", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the dump as JSON instead of text")
	stacks := fs.Bool("stacks", true, "include the goroutine stacks of Async bodies (each dump stops the program's world for them)")
	timeout := fs.Duration("timeout", 10*time.Second, "give up after this long")
	fs.Usage = func() {
		fmt.Fprint(stderr, dumpUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	target, err := tasksURL(fs.Arg(0), *asJSON, *stacks)
	if err != nil {
		fmt.Fprintf(stderr, "weft dump: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := fetchDump(ctx, target, stdout); err != nil {
		fmt.Fprintf(stderr, "weft dump: %v\n", err)
		return 1
	}
	return 0
}

// tasksURL turns the handler's address into the URL of its dump: base/tasks
// with the format and stacks parameters. A base that already ends in /tasks
// is used as it is.
func tasksURL(base string, asJSON, stacks bool) (string, error) {
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("bad URL %q: %v", base, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("bad URL %q: want http or https", base)
	}
	if u.Host == "" {
		return "", fmt.Errorf("bad URL %q: no host", base)
	}
	if !strings.HasSuffix(u.Path, "/tasks") {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/tasks"
	}
	q := u.Query()
	q.Set("format", "text")
	if asJSON {
		q.Set("format", "json")
	}
	if !stacks {
		q.Set("stacks", "0")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// fetchDump GETs the dump and copies it to w. It fails with a message that
// says what went wrong: the program could not be reached, or it answered
// with something other than 200 (the first line of the answer is quoted).
func fetchDump(ctx context.Context, target string, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	client := &http.Client{}
	defer client.CloseIdleConnections()
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach %s: %v", target, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		line, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		msg := fmt.Sprintf("GET %s: %s", target, res.Status)
		if line != "" {
			msg += ": " + line
		}
		if res.StatusCode == http.StatusNotFound {
			msg += " (is the URL where debug.Handler is mounted?)"
		}
		return errors.New(msg)
	}
	if _, err := io.Copy(w, res.Body); err != nil {
		return fmt.Errorf("reading %s: %v", target, err)
	}
	return nil
}

// Command reeflow-conformance checks what this SDK documents and assumes about the Reeflow API
// against the real API, with your credentials, and prints one row per fact: confirmed,
// contradicted, inconclusive or skipped, with its evidence.
//
//	export REEFLOW_API_KEY_ID=key_... REEFLOW_API_KEY_SECRET=...
//	go run ./cmd/reeflow-conformance            # read-only: GETs, and POST /sessions (mints tokens, stores nothing)
//	go run ./cmd/reeflow-conformance -write     # also creates, renames and deletes one throwaway connection,
//	                                            # and sends creates with an empty config, which Reeflow refuses
//	                                            # naming the fields it wants (anything created is deleted)
//	go run ./cmd/reeflow-conformance -json -save-spec reeflow-openapi.json
//
// It sends at most 45 requests (and a few more per connection it must clean up after -write)
// within 30 seconds, pacing the HMAC candidates, and prints no secret, token, password, key ID
// or claim value, so its output is safe to paste into an issue. REEFLOW_BASE_URL (default https://api.reeflow.com)
// follows the SDK's rules: https, or http on loopback.
//
// Exit status: 0 when no documented fact is contradicted; 1 when one is; 2 when the probe could
// not run (flags, credentials, base URL); 3 when the throwaway connection of -write could not be
// deleted, or its create got no answer and it was still absent after a few looks over about 7
// seconds: it may yet appear (the program names it).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/reeflow/reeflow-go/reeflow"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitOK           = 0
	exitContradicted = 1
	exitUsage        = 2
	exitLeftBehind   = 3
)

// run runs the probe with the given arguments and environment, writes the report to stdout
// and anything else to stderr, and returns the exit status.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("reeflow-conformance", flag.ContinueOnError)
	flags.SetOutput(stderr)
	asJSON := flags.Bool("json", false, "write the rows as one JSON array to standard output")
	write := flags.Bool("write", false, "also create, read, rename and delete one throwaway connection (always deleted)")
	saveSpec := flags.String("save-spec", "", "save Reeflow's OpenAPI document (GET /openapi) to this `file`")
	pace := flags.Duration("pace", 250*time.Millisecond, "pause between HMAC candidate requests")
	timeout := flags.Duration("timeout", 30*time.Second, "bound on the whole run (the clean-up of -write gets its own 20 s after it)")
	flags.Usage = func() {
		fmt.Fprintf(stderr, "usage: reeflow-conformance [-json] [-write] [-save-spec file]\n\n"+
			"Checks what reeflow-go documents and assumes about the Reeflow API against the real API.\n"+
			"Credentials: %s, %s; base URL: %s (default %s).\n\n",
			"REEFLOW_API_KEY_ID", "REEFLOW_API_KEY_SECRET", "REEFLOW_BASE_URL", reeflow.DefaultBaseURL)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "reeflow-conformance: unexpected arguments: %v\n", flags.Args())
		return exitUsage
	}
	if *pace < 0 || *timeout <= 0 {
		fmt.Fprintln(stderr, "reeflow-conformance: -pace must not be negative and -timeout must be positive")
		return exitUsage
	}

	cfg := config{
		baseURL:  getenv("REEFLOW_BASE_URL"),
		keyID:    getenv("REEFLOW_API_KEY_ID"),
		secret:   getenv("REEFLOW_API_KEY_SECRET"),
		write:    *write,
		saveSpec: *saveSpec,
		pace:     *pace,
	}
	p, err := newProbe(cfg, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "reeflow-conformance:", err)
		return exitUsage
	}
	defer p.close()

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	start := time.Now()
	p.run(ctx)
	elapsed := time.Since(start)

	rows := p.report()
	summary := summarize(rows, p.sent, elapsed)
	if *asJSON {
		if err := writeJSON(stdout, rows); err != nil {
			fmt.Fprintln(stderr, "reeflow-conformance:", err)
			return exitUsage
		}
		fmt.Fprintln(stderr, summary)
	} else {
		fmt.Fprintf(stdout, "reeflow-conformance against %s (%s)\n\n", p.base, mode(cfg.write))
		writeText(stdout, rows)
		fmt.Fprintln(stdout)
		fmt.Fprintln(stdout, summary)
	}
	switch {
	case p.leftBehind != "":
		fmt.Fprintln(stderr, "reeflow-conformance:", p.safe(p.leftBehind, maxLeftBehind))
		return exitLeftBehind
	case documentedContradicted(rows):
		return exitContradicted
	}
	return exitOK
}

// maxLeftBehind bounds the clean-up's message on stderr: a name, an ID and a reply's evidence.
const maxLeftBehind = 1000

func mode(write bool) string {
	if write {
		return "with -write: one throwaway connection is created and deleted, and creates no server should accept are sent"
	}
	return "read-only"
}

// config is what run hands the probe.
type config struct {
	baseURL, keyID, secret string
	write                  bool
	saveSpec               string
	pace                   time.Duration
}

func (c config) base() string {
	if c.baseURL == "" {
		return reeflow.DefaultBaseURL
	}
	return strings.TrimRight(c.baseURL, "/")
}

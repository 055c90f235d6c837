// Command reeflow-mock serves the fake Reeflow API of package reeflowtest, for non-Go clients
// and local development.
//
//	go run ./cmd/reeflow-mock                     # http://127.0.0.1:4010
//	go run ./cmd/reeflow-mock -addr 127.0.0.1:9000 -tls
//	go run ./cmd/reeflow-mock -seed connections.json -log-requests
//	go run ./cmd/reeflow-mock -fault 'POST /sessions status=503 retry-after=2s times=1'
//
// The default key comes from REEFLOW_API_KEY_ID and REEFLOW_API_KEY_SECRET when they are set;
// otherwise a random key is created and printed. Each request is logged on one line, without
// credentials; -log-requests adds its query, headers and JSON body, secrets redacted. -seed
// loads connections from a JSON file (see seed.go for its format). -fault, repeatable, makes
// the requests of a method and path fail with a status, wait, or lose their connection, as
// reeflowtest.Fault does, so that a client in any language can test its error handling (see
// -help for the syntax). It listens on loopback addresses only unless -allow-remote says
// otherwise, and cuts clients that are slow to send a request (-read-timeout) or that hold an
// idle connection (-idle-timeout). SIGINT or SIGTERM stops it cleanly.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "reeflow-mock:", err)
		os.Exit(2)
	}
}

// run serves until ctx is done. started, when set, receives the server once it listens.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, started func(*reeflowtest.Server)) error {
	flags := flag.NewFlagSet("reeflow-mock", flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", "127.0.0.1:4010", "listen address (plain HTTP is allowed on loopback only)")
	useTLS := flags.Bool("tls", false, "serve HTTPS with a self-signed certificate")
	allowRemote := flags.Bool("allow-remote", false, "allow a non-loopback -addr: other machines can then use the fake and its key")
	seedFile := flags.String("seed", "", "load connections from this JSON file at start")
	logRequests := flags.Bool("log-requests", false, "log each request's query, headers and JSON body, secrets redacted")
	readTimeout := flags.Duration("read-timeout", 10*time.Second, "longest time a client may take to send a request")
	idleTimeout := flags.Duration("idle-timeout", 60*time.Second, "longest time an idle keep-alive connection stays open")
	var faults faultFlags
	flags.Var(&faults, "fault", faultUsage)
	var quotas quotaFlags
	flags.Var(&quotas, "quota", quotaUsage)
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", flags.Args())
	}
	if err := checkListenAddr(*addr, *allowRemote); err != nil {
		return err
	}
	var seed []reeflow.Connection
	if *seedFile != "" {
		var err error
		if seed, err = readSeed(*seedFile); err != nil {
			return err
		}
	}

	level := slog.LevelInfo
	if *logRequests {
		level = slog.LevelDebug // reeflowtest adds the request's details at Debug
	}
	opts := []reeflowtest.Option{
		reeflowtest.WithAddr(*addr),
		reeflowtest.WithLogger(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))),
		reeflowtest.WithTimeouts(*readTimeout, *idleTimeout),
		reeflowtest.WithRequestLogLimit(0), // nothing reads Server.Requests here: keep no bodies in memory
	}
	if !*useTLS {
		opts = append(opts, reeflowtest.WithoutTLS())
	}
	opts = append(opts, quotas...)
	id, secret := os.Getenv("REEFLOW_API_KEY_ID"), os.Getenv("REEFLOW_API_KEY_SECRET")
	fromEnv := id != "" || secret != ""
	if fromEnv {
		opts = append(opts, reeflowtest.WithKey(id, secret))
	}
	srv, err := reeflowtest.Start(opts...)
	if err != nil {
		return err
	}
	defer srv.Close()
	if u, _ := url.Parse(srv.URL); !*allowRemote && !isLoopback(u.Hostname()) {
		return fmt.Errorf("%s resolved to %s, which is not a loopback address; pass -allow-remote to serve it", *addr, u.Host)
	}
	for _, c := range seed {
		if _, err := srv.SeedConnection(c); err != nil {
			return fmt.Errorf("-seed %s: %w", *seedFile, err)
		}
	}
	for _, f := range faults {
		srv.AddFault(f) // checked by the flag already
	}

	fmt.Fprintf(stdout, "reeflow-mock: fake Reeflow API on %s\n", srv.URL)
	if *allowRemote {
		fmt.Fprintln(stdout, "warning: -allow-remote: anyone who can reach this address can use the key below")
	}
	if len(seed) > 0 {
		fmt.Fprintf(stdout, "seeded %d connections from %s\n", len(seed), *seedFile)
	}
	if len(faults) > 0 {
		fmt.Fprintf(stdout, "injecting %d fault(s) given by -fault\n", len(faults))
	}
	if fromEnv {
		fmt.Fprintf(stdout, "default key: %s (secret from %s)\n", srv.Key().ID, "REEFLOW_API_KEY_SECRET")
	} else {
		key := srv.Key()
		fmt.Fprintf(stdout, "default key (random, for this run only):\n  export %s=%s\n  export %s=%s\n",
			"REEFLOW_API_KEY_ID", key.ID, "REEFLOW_API_KEY_SECRET", key.Secret)
	}
	if *useTLS {
		fmt.Fprintln(stdout, "the certificate is self-signed: use curl -k, or the reeflowtest package from Go")
	}
	fmt.Fprintf(stdout, "try: curl -u \"$%s:$%s\" %s/connections\n", "REEFLOW_API_KEY_ID", "REEFLOW_API_KEY_SECRET", srv.URL)
	if started != nil {
		started(srv)
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "reeflow-mock: shutting down")
	return nil
}

// checkListenAddr refuses a listen address other machines could reach, unless allowed: the
// fake accepts a key it prints, and would serve it to the whole network.
func checkListenAddr(addr string, allowRemote bool) error {
	if allowRemote {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	if !isLoopback(host) {
		return fmt.Errorf("-addr %q is not a loopback address: other machines could use the fake and its key; "+
			"pass -allow-remote to serve them, or use 127.0.0.1", addr)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

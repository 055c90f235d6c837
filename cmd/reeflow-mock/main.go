// Command reeflow-mock serves the fake Reeflow API of package reeflowtest, for non-Go clients
// and local development.
//
//	go run ./cmd/reeflow-mock                     # http://127.0.0.1:4010
//	go run ./cmd/reeflow-mock -addr 127.0.0.1:9000 -tls
//
// The default key comes from REEFLOW_API_KEY_ID and REEFLOW_API_KEY_SECRET when they are set;
// otherwise a random key is created and printed. Each request is logged on one line, without
// credentials. SIGINT or SIGTERM stops it cleanly.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

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
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", flags.Args())
	}

	opts := []reeflowtest.Option{
		reeflowtest.WithAddr(*addr),
		reeflowtest.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))),
	}
	if !*useTLS {
		opts = append(opts, reeflowtest.WithoutTLS())
	}
	id, secret := os.Getenv(reeflow.EnvAPIKeyID), os.Getenv(reeflow.EnvAPIKeySecret)
	fromEnv := id != "" || secret != ""
	if fromEnv {
		opts = append(opts, reeflowtest.WithKey(id, secret))
	}
	srv, err := reeflowtest.Start(opts...)
	if err != nil {
		return err
	}
	defer srv.Close()

	fmt.Fprintf(stdout, "reeflow-mock: fake Reeflow API on %s\n", srv.URL)
	if fromEnv {
		fmt.Fprintf(stdout, "default key: %s (secret from %s)\n", srv.Key().ID, reeflow.EnvAPIKeySecret)
	} else {
		key := srv.Key()
		fmt.Fprintf(stdout, "default key (random, for this run only):\n  export %s=%s\n  export %s=%s\n",
			reeflow.EnvAPIKeyID, key.ID, reeflow.EnvAPIKeySecret, key.Secret)
	}
	if *useTLS {
		fmt.Fprintln(stdout, "the certificate is self-signed: use curl -k, or the reeflowtest package from Go")
	}
	fmt.Fprintf(stdout, "try: curl -u \"$%s:$%s\" %s/connections\n", reeflow.EnvAPIKeyID, reeflow.EnvAPIKeySecret, srv.URL)
	if started != nil {
		started(srv)
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "reeflow-mock: shutting down")
	return nil
}

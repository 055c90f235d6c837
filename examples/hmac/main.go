// Command hmac calls Reeflow in HMAC signature mode: every request is signed with the key's
// secret, which never travels, and a captured request expires within minutes.
//
//	go run ./examples/hmac
//
// With REEFLOW_API_KEY_ID and REEFLOW_API_KEY_SECRET set it talks to Reeflow; otherwise it
// runs against an embedded fake server.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/reeflow/reeflow-go/examples/internal/exampleenv"
	"github.com/reeflow/reeflow-go/reeflow"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "hmac:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	// Without credentials in the environment, fake reaches an embedded fake server.
	fake, srv, stop, err := exampleenv.FakeUnlessConfigured(w)
	if err != nil {
		return err
	}
	defer stop()
	if srv == nil {
		// On Reeflow, sign with the key from the environment (REEFLOW_AUTH_MODE=hmac and a bare
		// NewClient() would do the same).
		client, err := reeflow.NewClient(reeflow.WithHMACAuth(os.Getenv("REEFLOW_API_KEY_ID"), os.Getenv("REEFLOW_API_KEY_SECRET")))
		if err != nil {
			return err
		}
		defer client.CloseIdleConnections()
		return calls(w, client)
	}
	key := srv.Key()
	client, err := reeflow.NewClient(append(fake, reeflow.WithHMACAuth(key.ID, key.Secret))...)
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	if err := calls(w, client); err != nil {
		return err
	}
	fmt.Fprintf(w, "The fake server verified the %s signature of each request.\n", srv.Requests()[0].AuthMode)

	// The client learns a server clock that is off by 10 minutes and corrects its timestamps.
	srv.SetClock(func() time.Time { return time.Now().Add(10 * time.Minute) })
	if _, err := client.Connections.List(context.Background()); err != nil {
		return err
	}
	fmt.Fprintln(w, "The server's clock is 10 minutes ahead: the client corrected its timestamps and the call succeeded.")
	return nil
}

func calls(w io.Writer, client *reeflow.Client) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conns, err := client.Connections.List(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Signed GET /connections: %d connection(s).\n", len(conns))
	sess, err := client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "user_1234"})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Signed POST /sessions: a token valid until %s.\n", sess.ExpiresAt.Format(time.RFC3339))
	return nil
}

// Command sessions mints an embed session token for a user of your application, to hand to
// <reeflow-provider auth-token=…> in the page that embeds a dashboard.
//
//	go run ./examples/sessions
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/reeflow/reeflow-go/examples/internal/exampleenv"
	"github.com/reeflow/reeflow-go/reeflow"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sessions:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	// Without credentials in the environment, fake reaches an embedded fake server.
	fake, _, stop, err := exampleenv.FakeUnlessConfigured(w)
	if err != nil {
		return err
	}
	defer stop()
	client, err := reeflow.NewClient(fake...)
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	sess, err := client.Sessions.Create(ctx, reeflow.CreateSessionParams{
		UserID:         "user_1234",
		OrganizationID: "org_acme",
		Expiration:     time.Now().Add(2 * time.Hour),
	})
	if err != nil {
		return err
	}
	// The token is a credential: print its shape, never its value.
	fmt.Fprintf(w, "Minted a session token for user_1234 (%d characters, a JWT), valid for about %s.\n",
		len(sess.Token), time.Until(sess.ExpiresAt).Round(time.Hour))
	fmt.Fprintf(w, "Printed or logged, the session hides its token: %v\n", sess)

	// More than 24 hours is refused with Reeflow's INVALID_EXPIRATION error.
	_, err = client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "user_1234", Expiration: time.Now().Add(48 * time.Hour)})
	var bad *reeflow.BadRequestError
	if !errors.As(err, &bad) || bad.Code != "INVALID_EXPIRATION" {
		return fmt.Errorf("expected INVALID_EXPIRATION, got %w", err)
	}
	fmt.Fprintf(w, "A 48-hour session is refused: %s (%s).\n", bad.Code, bad.Message)
	return nil
}

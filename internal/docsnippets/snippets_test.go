package docsnippets_test

// Each function below holds, verbatim, one snippet of README.md or docs/options.md, with the
// variables the snippet takes for granted as parameters. TestSnippetsAreTheTestedCode checks
// that every snippet appears here line for line, so editing either side fails a test.

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/embedding"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// readmeFirstProgram is the body of main in README.md's "A first program".
func readmeFirstProgram() {
	ctx := context.Background()

	client, err := reeflow.NewClient() // reads REEFLOW_API_KEY_ID and REEFLOW_API_KEY_SECRET
	if err != nil {
		log.Fatal(err) // names the missing variable or the problem, never the secret
	}

	conns, err := client.Connections.List(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range conns {
		fmt.Println(c.ID, c.Name, c.Type)
	}

	sess, err := client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "user-42"})
	if err != nil {
		log.Fatal(err)
	}
	// sess.Token goes to <reeflow-provider auth-token=…> in the page that embeds the dashboard.
	fmt.Println("session token valid until", sess.ExpiresAt)
}

// readmeCreateConnection is README.md's Connections.Create snippet.
func readmeCreateConnection(ctx context.Context, client *reeflow.Client, dbPassword string) (*reeflow.Connection, error) {
	conn, err := client.Connections.Create(ctx, reeflow.CreateConnectionParams{
		Name: "Analytics",
		Config: reeflow.PostgresConfig{
			Host: "db.example.com", Port: 5432, Database: "analytics",
			User: "reeflow_reader", Password: dbPassword, SSL: true,
		},
	})
	return conn, err
}

// readmeDo is README.md's (and docs/options.md's) Client.Do snippet.
func readmeDo(ctx context.Context, client *reeflow.Client, id string) (map[string]any, error) {
	var user map[string]any
	err := client.Do(ctx, http.MethodGet, "embedded-users/"+url.PathEscape(id), nil, &user)
	return user, err
}

// readmeEmbedding is README.md's "Sessions and embedding" snippet.
func readmeEmbedding(client *reeflow.Client) error {
	cache, err := embedding.NewCache(client.Sessions) // one per client, shared by every request
	if err != nil {
		return err
	}
	resolve := func(r *http.Request) (reeflow.CreateSessionParams, error) {
		user, ok := currentUser(r) // your own login session
		if !ok {
			return reeflow.CreateSessionParams{}, embedding.ErrNotLoggedIn // 401
		}
		return reeflow.CreateSessionParams{
			UserID:         user.ID,
			OrganizationID: user.TenantID,
			UserAttributes: reeflow.Attributes{"region": user.Region}, // read by RF_USER_ATTR('region')
		}, nil
	}
	handler, err := embedding.NewHandler(cache.Get, resolve)
	if err != nil {
		return err
	}
	// Answers POST with {"token": "…", "expires_at": "…"}, to pages of your own origin only.
	http.Handle("/reeflow/session", http.NewCrossOriginProtection().Handler(handler))
	return nil
}

// readmeErrors is README.md's "Errors" snippet.
func readmeErrors(ctx context.Context, client *reeflow.Client, id string) error {
	conn, err := client.Connections.Get(ctx, id)
	switch {
	case errors.Is(err, reeflow.ErrNotFound):
		// gone
	case errors.Is(err, reeflow.ErrAPIKeyDisabled):
		// re-enable the key in the Reeflow Console
	case err != nil:
		var apiErr *reeflow.APIError
		if errors.As(err, &apiErr) {
			log.Printf("reeflow: %d %s (request %s)", apiErr.StatusCode, apiErr.Message, apiErr.RequestID)
		}
		return err
	}
	_ = conn
	return nil
}

// readmeOptions is README.md's "Options" snippet, which shows the options, not the error
// handling between the calls.
//
//nolint:ineffassign,staticcheck // verbatim from README.md
func readmeOptions(ctx context.Context, logger *slog.Logger, id string) error {
	client, err := reeflow.NewClient(reeflow.WithMaxRetries(5), reeflow.WithLogger(logger))
	conns, err := client.Connections.List(ctx, reeflow.WithMaxRetries(0)) // this call only: no retries

	var resp reeflow.Response // status, headers, request ID, attempts, raw body
	conn, err := client.Connections.Get(ctx, id, reeflow.WithResponseInto(&resp))
	log.Printf("got %s in %d attempt(s), request %s", conn.ID, resp.Attempts, resp.RequestID)
	_ = conns
	return err
}

// TestProvisioning is README.md's "Testing with reeflowtest" snippet, a test of its own.
func TestProvisioning(t *testing.T) {
	srv := reeflowtest.NewServer(t) // HTTPS on loopback, closed when the test ends
	client := srv.Client()          // trusts the server's certificate, authenticates with srv.Key()

	require.NoError(t, provisionTenant(t.Context(), client, "acme")) // your code

	require.Len(t, srv.Connections(), 1) // what the server stored, secrets included
}

// optionsPerCall is docs/options.md's first snippet.
//
//nolint:ineffassign,staticcheck // verbatim from docs/options.md
func optionsPerCall(ctx context.Context) error {
	client, err := reeflow.NewClient(reeflow.WithMaxRetries(5))
	conns, err := client.Connections.List(ctx, reeflow.WithMaxRetries(0)) // this call: no retries
	_ = conns
	return err
}

// optionsUnmodeledFields is docs/options.md's snippet for the fields the SDK does not model.
func optionsUnmodeledFields(ctx context.Context, client *reeflow.Client, params reeflow.CreateConnectionParams, traceID string) error {
	var resp reeflow.Response
	conn, err := client.Connections.Create(ctx, params,
		reeflow.WithResponseInto(&resp),                        // status, headers, request ID, attempts, raw body
		reeflow.WithBodyField("config.sslmode", "verify-full"), // a JSON field the params do not have
		reeflow.WithHeader("X-Trace-Id", traceID),
		reeflow.WithMaxRetries(5), reeflow.WithAttemptTimeout(10*time.Second),
	)
	if err != nil {
		return err
	}
	log.Printf("created %s (request %s)", conn.ID, resp.RequestID)
	return nil
}

// optionsHMAC is docs/options.md's HMAC snippet.
func optionsHMAC(keyID, secret string) (*reeflow.Client, error) {
	client, err := reeflow.NewClient(reeflow.WithHMACAuth(keyID, secret))
	return client, err
}

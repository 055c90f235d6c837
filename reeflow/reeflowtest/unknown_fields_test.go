package reeflowtest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// TestUnknownFieldsAreRefusedByDefault: the fake refuses a field openapi.yaml lacks, as it
// always did, so a typo in a test's body is still caught.
func TestUnknownFieldsAreRefusedByDefault(t *testing.T) {
	t.Parallel()
	_, client := newServer(t)
	_, err := client.Connections.Create(context.Background(), pgParams("db", "pw"),
		reeflow.WithBodyField("config.sslmode", "verify-full"))
	require.ErrorIs(t, err, reeflow.ErrBadRequest)
	assert.Contains(t, err.Error(), `"sslmode" is unsupported`)
}

// TestWithUnknownFieldsAcceptsFieldsTheSpecLacks: with WithUnknownFields, a field the SDK does
// not model reaches the fake, at any depth, on create and update, and Requests shows it as sent;
// the spec's other rules still hold.
func TestWithUnknownFieldsAcceptsFieldsTheSpecLacks(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t, reeflowtest.WithUnknownFields())
	ctx := context.Background()

	conn, err := client.Connections.Create(ctx, pgParams("db", "pw"),
		reeflow.WithBodyField("config.sslmode", "verify-full"), reeflow.WithBodyField("region", "eu"))
	require.NoError(t, err)
	assert.Equal(t, "db", conn.Name)
	_, err = client.Connections.Update(ctx, conn.ID, reeflow.UpdateConnectionParams{Config: pgParams("db", "pw2").Config},
		reeflow.WithBodyField("config.sslmode", "require"))
	require.NoError(t, err)
	sess, err := client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "u1", UserAttributes: reeflow.Attributes{"region": "eu"}},
		reeflow.WithBodyField("theme", "dark"))
	require.NoError(t, err)
	claims, err := srv.ParseSessionToken(sess.Token)
	require.NoError(t, err)
	assert.Equal(t, "eu", claims.UserAttributes["region"], "an open map (user_attributes) keeps every key")

	reqs := srv.Requests()
	require.Len(t, reqs, 3)
	var sent struct {
		Region string
		Config struct{ SSLMode string }
	}
	require.NoError(t, json.Unmarshal(reqs[0].Body, &sent))
	assert.Equal(t, "verify-full", sent.Config.SSLMode)
	assert.Equal(t, "eu", sent.Region)
	require.NoError(t, json.Unmarshal(reqs[1].Body, &sent))
	assert.Equal(t, "require", sent.Config.SSLMode)

	_, err = client.Connections.Create(ctx, pgParams("db", "pw"), reeflow.WithBodyField("config.port", "5432"))
	require.ErrorIs(t, err, reeflow.ErrBadRequest, "a known field still has its type")
	// The SDK refuses an UnknownConfig of a type it knows, so the incomplete config goes raw.
	err = client.Do(ctx, http.MethodPost, "connections",
		json.RawMessage(`{"name":"x","type":"pg","config":{"sslmode":"require"}}`), nil)
	require.ErrorIs(t, err, reeflow.ErrBadRequest, "required fields are still required")
}

package reeflowtest_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// A create beyond the connections quota gets the documented 403, which the SDK reports as
// ErrQuotaExceeded; reading, updating and deleting are not limited, and a delete makes room.
func TestConnectionQuota(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t, reeflowtest.WithQuota("connections", 2))
	ctx := context.Background()
	first, err := client.Connections.Create(ctx, pgParams("one", "pw"))
	require.NoError(t, err)
	_, err = srv.SeedConnection(reeflow.Connection{Name: "two", Config: reeflow.TinybirdConfig{Host: "h"}})
	require.NoError(t, err)

	_, err = client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "three", Config: bigQuery(t)})
	require.ErrorIs(t, err, reeflow.ErrQuotaExceeded)
	var denied *reeflow.PermissionDeniedError
	require.ErrorAs(t, err, &denied)
	var quota *reeflow.QuotaError
	require.ErrorAs(t, err, &quota)
	assert.Equal(t, "connections", quota.Resource)
	assert.Equal(t, 2, quota.Maximum)
	assert.Equal(t, 2, quota.Current)
	assert.JSONEq(t, `{"message":"Quota exceeded: maximum 2 connections allowed per organization (currently: 2)","statusCode":403,"error":"Forbidden"}`, string(quota.Body))
	_, err = srv.SeedConnection(reeflow.Connection{Name: "three", Config: reeflow.TinybirdConfig{Host: "h"}})
	assert.ErrorContains(t, err, "reeflowtest: SeedConnection: Quota exceeded: maximum 2 connections allowed per organization (currently: 2)")
	assert.Len(t, srv.Connections(), 2, "nothing was stored")

	_, err = client.Connections.List(ctx)
	require.NoError(t, err)
	renamed := "renamed"
	_, err = client.Connections.Update(ctx, first.ID, reeflow.UpdateConnectionParams{Name: &renamed})
	require.NoError(t, err, "updates are not limited")
	require.NoError(t, client.Connections.Delete(ctx, first.ID))
	_, err = client.Connections.Create(ctx, pgParams("three", "pw"))
	require.NoError(t, err, "a delete makes room")
}

// Validation comes first: a create that is both invalid and beyond the quota gets its 400.
func TestQuotaAfterValidation(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, reeflowtest.WithQuota("connections", 0))
	status, _, body := raw(t, srv, "POST", "/connections", `{"name":"n","type":"pg","config":{}}`, basic(srv.Key()))
	assert.Equal(t, http.StatusBadRequest, status, body)
	status, _, body = raw(t, srv, "POST", "/connections", `{"name":"n","type":"tinybird","config":{"host":"h"}}`, basic(srv.Key()))
	assert.Equal(t, http.StatusForbidden, status)
	assert.JSONEq(t, `{"message":"Quota exceeded: maximum 0 connections allowed per organization (currently: 0)","statusCode":403,"error":"Forbidden"}`, body)
}

// The organization has at most 20 API keys (documented), the default key included: the 21st is
// refused with the documented message. WithQuota changes the number.
func TestAPIKeyQuota(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	for i := 2; i <= 19; i++ {
		srv.AddKey(fmt.Sprintf("key %d", i))
	}
	_, err := srv.SeedAPIKey(reeflow.APIKey{Name: "twentieth", Enabled: true})
	require.NoError(t, err)
	_, err = srv.SeedAPIKey(reeflow.APIKey{Name: "one too many", Enabled: true})
	require.EqualError(t, err, "reeflowtest: SeedAPIKey: Quota exceeded: maximum 20 API keys allowed per organization (currently: 20)")
	rec := &fatalRecorder{TB: t}
	capped := reeflowtest.NewServer(rec, reeflowtest.WithQuota("api-keys", 1))
	assert.Equal(t, reeflowtest.Key{}, capped.AddKey("second"))
	require.Len(t, rec.messages, 1)
	assert.Equal(t, "reeflowtest: AddKey: Quota exceeded: maximum 1 API keys allowed per organization (currently: 1)", rec.messages[0])
	keys, err := capped.Client().APIKeys.List(context.Background())
	require.NoError(t, err)
	assert.Len(t, keys, 1, "the refused key was not stored")
}

func TestWithQuotaRefusesWhatCannotBeAQuota(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		resource string
		max      int
		want     string
	}{
		{"sessions", 5, `reeflowtest: WithQuota: unknown resource "sessions": use api-keys or connections`},
		{"connections", -1, "reeflowtest: WithQuota: a quota of -1 connections: it must be at least 0"},
		{"api-keys", 0, "reeflowtest: WithQuota: a quota of 0 api-keys: it must be at least 1"},
	} {
		srv, err := reeflowtest.Start(reeflowtest.WithQuota(tc.resource, tc.max))
		require.EqualError(t, err, tc.want)
		assert.Nil(t, srv)
	}
	srv, err := reeflowtest.Start(reeflowtest.WithQuota("api-keys", 1))
	require.NoError(t, err)
	srv.Close()
}

package reeflowtest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

func TestSeedConnection(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return now })
	created, updated := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), time.Date(2025, 6, 7, 8, 9, 10, 0, time.UTC)

	pg, err := srv.SeedConnection(reeflow.Connection{
		ID: "conn_warehouse", Name: "Warehouse", CreatedAt: created, UpdatedAt: updated,
		Config: reeflow.PostgresConfig{Host: "db.internal", Port: 5432, Database: "dw", User: "bi", Password: "seeded-pw", SSL: true},
	})
	require.NoError(t, err)
	assert.Equal(t, reeflow.Connection{
		ID: "conn_warehouse", Name: "Warehouse", Type: reeflow.ConnectionTypePostgres, CreatedAt: created, UpdatedAt: updated,
		Config: reeflow.PostgresConfig{Host: "db.internal", Port: 5432, Database: "dw", User: "bi", Password: "seeded-pw", SSL: true},
	}, pg, "returned as stored")
	tb, err := srv.SeedConnection(reeflow.Connection{Name: "Events", Config: &reeflow.TinybirdConfig{Host: "api.tinybird.co", Token: "seeded-token"}})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(tb.ID, "conn_"), tb.ID)
	assert.Equal(t, now, tb.CreatedAt, "a zero CreatedAt is the server's clock")
	assert.Equal(t, now, tb.UpdatedAt)

	// The API shows them like any other connection, without their secrets (the contract client
	// checks every response against openapi.yaml).
	conns, err := client.Connections.List(ctx)
	require.NoError(t, err)
	require.Len(t, conns, 2)
	assert.Equal(t, reeflow.Connection{
		ID: "conn_warehouse", Name: "Warehouse", Type: reeflow.ConnectionTypePostgres, CreatedAt: created, UpdatedAt: updated,
		Config: reeflow.PostgresConfig{Host: "db.internal", Port: 5432, Database: "dw", User: "bi", SSL: true},
	}, conns[0])
	assert.Equal(t, tb.ID, conns[1].ID)
	assert.Equal(t, reeflow.TinybirdConfig{Host: "api.tinybird.co"}, conns[1].Config)

	// And the API works on them: a rename keeps the seeded password.
	name := "DW"
	_, err = client.Connections.Update(ctx, "conn_warehouse", reeflow.UpdateConnectionParams{Name: &name})
	require.NoError(t, err)
	assert.Equal(t, "seeded-pw", srv.Connections()[0].Config.(reeflow.PostgresConfig).Password)
	require.NoError(t, client.Connections.Delete(ctx, tb.ID))
	assert.Len(t, srv.Connections(), 1)
	assert.Empty(t, srv.Requests()[0].Body, "seeding sends no request")
}

func TestSeedConnectionRefusesWhatTheAPICouldNotStore(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	pg := reeflow.PostgresConfig{Host: "h", Port: 5432, Database: "d", User: "u", Password: "CANARY-PASSWORD"}
	_, err := srv.SeedConnection(reeflow.Connection{ID: "conn_taken", Name: "n", Config: pg})
	require.NoError(t, err)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		conn reeflow.Connection
		want string
	}{
		{"taken ID", reeflow.Connection{ID: "conn_taken", Name: "n", Config: pg}, `connection "conn_taken" already exists`},
		{"ID without prefix", reeflow.Connection{ID: "warehouse", Name: "n", Config: pg}, `ID "warehouse" must start with "conn_"`},
		{"ID with a slash", reeflow.Connection{ID: "conn_a/b", Name: "n", Config: pg}, `ID "conn_a/b" may hold only letters, digits, '_' and '-'`},
		{"no name", reeflow.Connection{Config: pg}, "name"},
		{"no config", reeflow.Connection{Name: "n"}, "no config: set a reeflow.PostgresConfig, TinybirdConfig, BigQueryConfig or SnowflakeConfig"},
		{"nil pointer config", reeflow.Connection{Name: "n", Config: (*reeflow.PostgresConfig)(nil)}, "nil *reeflow.PostgresConfig"},
		{"unknown type", reeflow.Connection{Name: "n", Config: reeflow.UnknownConfig{Type: "mysql", Raw: []byte(`{}`)}}, "a config of type reeflow.UnknownConfig"},
		{"type mismatch", reeflow.Connection{Name: "n", Type: reeflow.ConnectionTypeTinybird, Config: pg}, `type "tinybird" does not match a config of type "pg"`},
		{"port out of range", reeflow.Connection{Name: "n", Config: reeflow.PostgresConfig{Host: "h", Port: 70000, Database: "d", User: "u", Password: "CANARY-PASSWORD"}}, "config.port"},
		{"no host", reeflow.Connection{Name: "n", Config: reeflow.TinybirdConfig{Token: "CANARY-TOKEN"}}, "config.host"},
		{"updated before created", reeflow.Connection{Name: "n", Config: pg, CreatedAt: t0, UpdatedAt: t0.Add(-time.Hour)}, "UpdatedAt 2025-12-31T23:00:00Z is before CreatedAt 2026-01-01T00:00:00Z"},
	}
	for _, tc := range cases {
		_, err := srv.SeedConnection(tc.conn)
		require.Error(t, err, tc.name)
		assert.Contains(t, err.Error(), "reeflowtest: SeedConnection: ", tc.name)
		assert.Contains(t, err.Error(), tc.want, tc.name)
		assert.NotContains(t, err.Error(), "CANARY", tc.name)
	}
	assert.Len(t, srv.Connections(), 1, "nothing refused was stored")
}

func TestSeedAPIKey(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second) // near the real clock: HMAC mode learns only a bounded offset
	srv.SetClock(func() time.Time { return now })
	created, lastUsed := now.AddDate(-1, 0, 0), now.AddDate(0, -3, 0)

	stale, err := srv.SeedAPIKey(reeflow.APIKey{ID: "key_stale", Name: "old-cron", Enabled: true, CreatedAt: created, LastUsedAt: &lastUsed})
	require.NoError(t, err)
	assert.Equal(t, "key_stale", stale.ID)
	assert.NotEmpty(t, stale.Secret)
	disabled, err := srv.SeedAPIKey(reeflow.APIKey{Name: "revoked"})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(disabled.ID, "key_"), disabled.ID)

	keys, err := client.APIKeys.List(ctx)
	require.NoError(t, err)
	require.Len(t, keys, 3)
	assert.Equal(t, reeflow.APIKey{ID: "key_stale", Name: "old-cron", Enabled: true, CreatedAt: created, LastUsedAt: &lastUsed}, keys[1])
	assert.Equal(t, reeflow.APIKey{ID: disabled.ID, Name: "revoked", Enabled: false, CreatedAt: now}, keys[2], "Enabled is taken as given")

	// The seeded key authenticates, which records its use; the disabled one gets the documented 403.
	_, err = srv.Client(reeflow.WithHMACAuth(stale.ID, stale.Secret)).Connections.List(ctx)
	require.NoError(t, err)
	k, err := client.APIKeys.Get(ctx, "key_stale")
	require.NoError(t, err)
	assert.Equal(t, now, *k.LastUsedAt)
	_, err = srv.Client(reeflow.WithBasicAuth(disabled.ID, disabled.Secret)).Connections.List(ctx)
	require.ErrorIs(t, err, reeflow.ErrAPIKeyDisabled)

	for _, tc := range []struct {
		key  reeflow.APIKey
		want string
	}{
		{reeflow.APIKey{ID: srv.Key().ID}, "already exists"},
		{reeflow.APIKey{ID: "stale"}, `ID "stale" must start with "key_"`},
		{reeflow.APIKey{ID: "key_"}, `ID "key_" must start with "key_"`},
		{reeflow.APIKey{ID: "key_a b"}, "may hold only letters"},
		{reeflow.APIKey{CreatedAt: now, LastUsedAt: &created}, "LastUsedAt " + created.Format(time.RFC3339) + " is before CreatedAt " + now.Format(time.RFC3339)},
	} {
		_, err := srv.SeedAPIKey(tc.key)
		require.Error(t, err, tc.want)
		assert.Contains(t, err.Error(), "reeflowtest: SeedAPIKey: ")
		assert.Contains(t, err.Error(), tc.want)
	}
	keys, err = client.APIKeys.List(ctx)
	require.NoError(t, err)
	assert.Len(t, keys, 3, "nothing refused was stored")
}

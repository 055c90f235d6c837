package reeflowtest_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// canaryPrivateKey and canaryPAT must never appear in a response, the requests log or a log line.
const (
	canaryPrivateKey = "CANARYPRIVATEKEY0123456789"
	canaryPAT        = "CANARYPAT-snowflake-0123"
)

// serviceAccountKey is shaped like the key file Google Cloud downloads for a service account.
const serviceAccountKey = `{
  "type": "service_account",
  "project_id": "my-gcp-project",
  "private_key_id": "0123456789abcdef0123456789abcdef01234567",
  "private_key": "-----BEGIN PRIVATE KEY-----\n` + canaryPrivateKey + `\n-----END PRIVATE KEY-----\n",
  "client_email": "reeflow-reader@my-gcp-project.iam.gserviceaccount.com",
  "client_id": "123456789012345678901",
  "token_uri": "https://oauth2.googleapis.com/token"
}`

func bigQuery(t *testing.T) reeflow.BigQueryConfig {
	t.Helper()
	cfg, err := reeflow.BigQueryConfigFromKey([]byte(serviceAccountKey), "EU")
	require.NoError(t, err)
	return cfg
}

func snowflake() reeflow.SnowflakeConfig {
	return reeflow.SnowflakeConfig{Account: "myorg-myaccount", User: "READER", Token: canaryPAT, Warehouse: "WH", Database: "DB", Schemas: []string{"PUBLIC"}}
}

// BigQuery and Snowflake connections are created, read, listed and updated like the others:
// the API never returns the key or the token, the fake keeps them, and an update without them
// keeps the stored ones.
func TestBigQueryAndSnowflakeConnections(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t)
	ctx := context.Background()

	bq, err := client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "Warehouse", Config: bigQuery(t)})
	require.NoError(t, err)
	assert.Equal(t, reeflow.ConnectionTypeBigQuery, bq.Type)
	assert.Equal(t, reeflow.BigQueryConfig{ProjectID: "my-gcp-project", Location: "EU"}, bq.Config, "the key is never returned")
	sfCfg := snowflake()
	sf, err := client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "Snow", Config: &sfCfg})
	require.NoError(t, err)
	assert.Equal(t, reeflow.ConnectionTypeSnowflake, sf.Type)
	assert.Equal(t, reeflow.SnowflakeConfig{Account: "myorg-myaccount", User: "READER", Warehouse: "WH", Database: "DB", Schemas: []string{"PUBLIC"}}, sf.Config,
		"the token is never returned")

	got, err := client.Connections.Get(ctx, bq.ID)
	require.NoError(t, err)
	assert.Equal(t, bq, got)
	conns, err := client.Connections.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, []reeflow.Connection{*bq, *sf}, conns)

	stored := srv.Connections()
	assert.Equal(t, bigQuery(t), stored[0].Config, "the fake keeps the key, for tests to check")
	assert.Equal(t, canaryPAT, stored[1].Config.(reeflow.SnowflakeConfig).Token)

	_, err = client.Connections.Update(ctx, bq.ID, reeflow.UpdateConnectionParams{Config: reeflow.BigQueryConfig{ProjectID: "billing-project", Location: "EU"}})
	require.NoError(t, err)
	_, err = client.Connections.Update(ctx, sf.ID, reeflow.UpdateConnectionParams{Config: reeflow.SnowflakeConfig{Account: "myorg-myaccount", User: "READER", Warehouse: "WH2", Database: "DB"}})
	require.NoError(t, err)
	stored = srv.Connections()
	assert.Equal(t, reeflow.BigQueryConfig{ServiceAccountKey: serviceAccountKey, ProjectID: "billing-project", Location: "EU"}, stored[0].Config, "the stored key is kept")
	assert.Equal(t, reeflow.SnowflakeConfig{Account: "myorg-myaccount", User: "READER", Token: canaryPAT, Warehouse: "WH2", Database: "DB"}, stored[1].Config, "the stored token is kept")

	_, err = client.Connections.Update(ctx, sf.ID, reeflow.UpdateConnectionParams{Config: reeflow.SnowflakeConfig{Account: "a", User: "u", Token: "new-pat", Warehouse: "w", Database: "d"}})
	require.NoError(t, err)
	assert.Equal(t, "new-pat", srv.Connections()[1].Config.(reeflow.SnowflakeConfig).Token, "a new token replaces the stored one")

	for _, r := range srv.Requests() {
		assert.NotContains(t, string(r.Body), canaryPrivateKey)
		assert.NotContains(t, string(r.Body), canaryPAT)
	}
}

// The fake refuses what openapi.yaml does not allow, naming the field, and lists the types it
// accepts when the type is unknown.
func TestNewConnectionTypesAreValidated(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t)
	ctx := context.Background()
	for name, tc := range map[string]struct {
		cfg  reeflow.ConnectionConfig
		want string
	}{
		"BigQuery without a key":        {reeflow.BigQueryConfig{ProjectID: "p", Location: "EU"}, `config.service_account_key: property "service_account_key" is missing`},
		"BigQuery without a location":   {reeflow.BigQueryConfig{ServiceAccountKey: serviceAccountKey, ProjectID: "p"}, "config.location"},
		"Snowflake without a token":     {reeflow.SnowflakeConfig{Account: "a", User: "u", Warehouse: "w", Database: "d"}, `config.token: property "token" is missing`},
		"Snowflake without a warehouse": {reeflow.SnowflakeConfig{Account: "a", User: "u", Token: canaryPAT, Database: "d"}, "config.warehouse"},
		"an unknown type":               {reeflow.UnknownConfig{Type: "mysql", Raw: []byte(`{}`)}, "type must be one of the following values: pg, tinybird, bigquery, snowflake"},
	} {
		_, err := client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "n", Config: tc.cfg})
		require.ErrorIs(t, err, reeflow.ErrBadRequest, name)
		assert.ErrorContains(t, err, tc.want, name)
	}
	bq, err := client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "Warehouse", Config: bigQuery(t)})
	require.NoError(t, err)
	_, err = client.Connections.Update(ctx, bq.ID, reeflow.UpdateConnectionParams{Config: snowflake()})
	assert.ErrorContains(t, err, "config must be a bigquery config")
	assert.Len(t, srv.Connections(), 1)
}

// The requests log and the debug log lines redact the service-account key, whether it is sent
// as a string or as an object, and the PAT.
func TestRequestsLogRedactsServiceAccountKeysAndTokens(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	srv := reeflowtest.NewServer(t, reeflowtest.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	client := srv.Client()
	ctx := context.Background()
	_, err := client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "Warehouse", Config: bigQuery(t)})
	require.NoError(t, err)
	_, err = client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "Snow", Config: snowflake()})
	require.NoError(t, err)
	// A key sent as an object (Reeflow's field may take one), with its private key inside.
	status, _, _ := raw(t, srv, "POST", "/connections", `{"name":"n","type":"bigquery","config":{"service_account_key":`+serviceAccountKey+`,"project_id":"p","location":"EU"}}`, basic(srv.Key()))
	assert.Equal(t, 400, status)
	status, _, _ = raw(t, srv, "POST", "/connections", `{"name":"n","type":"custom","config":{"gcp":{"private_key":"`+canaryPrivateKey+`"}}}`, basic(srv.Key()))
	assert.Equal(t, 400, status)

	reqs := srv.Requests()
	require.Len(t, reqs, 4)
	assert.JSONEq(t, `{"name":"Warehouse","type":"bigquery","config":{"service_account_key":"[REDACTED]","project_id":"my-gcp-project","location":"EU"}}`, string(reqs[0].Body))
	assert.JSONEq(t, `{"name":"Snow","type":"snowflake","config":{"account":"myorg-myaccount","user":"READER","token":"[REDACTED]","warehouse":"WH","database":"DB","schemas":["PUBLIC"]}}`, string(reqs[1].Body))
	assert.JSONEq(t, `{"name":"n","type":"bigquery","config":{"service_account_key":"[REDACTED]","project_id":"p","location":"EU"}}`, string(reqs[2].Body))
	assert.JSONEq(t, `{"name":"n","type":"custom","config":{"gcp":{"private_key":"[REDACTED]"}}}`, string(reqs[3].Body))
	var all strings.Builder
	for _, r := range reqs {
		all.Write(r.Body)
	}
	all.Write(logs.Bytes())
	assert.Contains(t, logs.String(), `[REDACTED]`)
	for _, canary := range []string{canaryPrivateKey, canaryPAT, "reeflow-reader@"} {
		assert.NotContains(t, all.String(), canary)
	}
}

// SeedConnection stores BigQuery and Snowflake connections, and refuses one the API could not
// have created.
func TestSeedNewConnectionTypes(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t)
	bq := bigQuery(t)
	seeded, err := srv.SeedConnection(reeflow.Connection{Name: "Warehouse", Config: &bq})
	require.NoError(t, err)
	assert.Equal(t, reeflow.ConnectionTypeBigQuery, seeded.Type)
	assert.Equal(t, bq, seeded.Config)
	schemas := []string{"PUBLIC"}
	_, err = srv.SeedConnection(reeflow.Connection{Name: "Snow", Config: reeflow.SnowflakeConfig{Account: "a", User: "u", Token: canaryPAT, Warehouse: "w", Database: "d", Schemas: schemas}})
	require.NoError(t, err)
	schemas[0] = "CHANGED"
	conns, err := client.Connections.List(context.Background())
	require.NoError(t, err)
	require.Len(t, conns, 2)
	assert.Equal(t, reeflow.BigQueryConfig{ProjectID: "my-gcp-project", Location: "EU"}, conns[0].Config)
	assert.Equal(t, reeflow.SnowflakeConfig{Account: "a", User: "u", Warehouse: "w", Database: "d", Schemas: []string{"PUBLIC"}}, conns[1].Config,
		"the fake copied the caller's schemas")

	for name, tc := range map[string]struct {
		cfg  reeflow.ConnectionConfig
		want string
	}{
		"no key":        {reeflow.BigQueryConfig{ProjectID: "p", Location: "EU"}, "service_account_key"},
		"no project":    {reeflow.BigQueryConfig{ServiceAccountKey: serviceAccountKey, Location: "EU"}, "config.project_id"},
		"nil BigQuery":  {(*reeflow.BigQueryConfig)(nil), "nil *reeflow.BigQueryConfig"},
		"nil Snowflake": {(*reeflow.SnowflakeConfig)(nil), "nil *reeflow.SnowflakeConfig"},
		"no token":      {reeflow.SnowflakeConfig{Account: "a", User: "u", Warehouse: "w", Database: "d"}, "config.token"},
	} {
		_, err := srv.SeedConnection(reeflow.Connection{Name: "n", Config: tc.cfg})
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), tc.want, name)
		assert.NotContains(t, err.Error(), canaryPrivateKey, name)
	}
}

package reeflow_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// Models marshal to exactly Reeflow's JSON and round-trip without loss.
func TestModelsJSONIsTheWireFormat(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	updated := created.Add(time.Hour)
	used := created.Add(2 * time.Hour)
	cases := []struct {
		name  string
		value any
		wire  string
		into  func() any
	}{
		{"PostgresConfig", reeflow.PostgresConfig{Host: "db", Port: 5432, Database: "app", User: "u", Password: "pw", SSL: true},
			`{"host":"db","port":5432,"database":"app","user":"u","password":"pw","ssl":true}`, func() any { return new(reeflow.PostgresConfig) }},
		{"PostgresConfig without TLS", reeflow.PostgresConfig{Host: "db", Port: 5432, Database: "app", User: "u", InsecureNoSSL: true},
			`{"host":"db","port":5432,"database":"app","user":"u","ssl":false}`, func() any { return new(reeflow.PostgresConfig) }},
		{"TinybirdConfig", reeflow.TinybirdConfig{Host: "api.tinybird.co", Token: "p.tok"},
			`{"host":"api.tinybird.co","token":"p.tok"}`, func() any { return new(reeflow.TinybirdConfig) }},
		{"Connection", reeflow.Connection{ID: "conn_1", Name: "Main", Type: reeflow.ConnectionTypePostgres,
			Config:    reeflow.PostgresConfig{Host: "db", Port: 5432, Database: "app", User: "u", SSL: true},
			CreatedAt: created, UpdatedAt: updated},
			`{"id":"conn_1","name":"Main","type":"pg","config":{"host":"db","port":5432,"database":"app","user":"u","ssl":true},"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T04:04:05Z"}`,
			func() any { return new(reeflow.Connection) }},
		{"Connection of an unknown type", reeflow.Connection{ID: "conn_2", Name: "My", Type: "mysql",
			Config:    reeflow.UnknownConfig{Type: "mysql", Raw: json.RawMessage(`{"host":"m","password":"pw"}`)},
			CreatedAt: created, UpdatedAt: updated},
			`{"id":"conn_2","name":"My","type":"mysql","config":{"host":"m","password":"pw"},"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T04:04:05Z"}`,
			func() any { return new(reeflow.Connection) }},
		{"Session", reeflow.Session{Token: "h.p.s", ExpiresAt: created},
			`{"token":"h.p.s","expires_at":"2026-01-02T03:04:05Z"}`, func() any { return new(reeflow.Session) }},
		{"APIKey", reeflow.APIKey{ID: "key_1", Name: "ci", Enabled: true, CreatedAt: created, LastUsedAt: &used},
			`{"id":"key_1","name":"ci","enabled":true,"created_at":"2026-01-02T03:04:05Z","last_used_at":"2026-01-02T05:04:05Z"}`,
			func() any { return new(reeflow.APIKey) }},
		{"APIKey never used", reeflow.APIKey{ID: "key_2", Name: "new", CreatedAt: created},
			`{"id":"key_2","name":"new","enabled":false,"created_at":"2026-01-02T03:04:05Z","last_used_at":null}`,
			func() any { return new(reeflow.APIKey) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tc.value)
			require.NoError(t, err)
			assert.JSONEq(t, tc.wire, string(b))
			back := tc.into()
			require.NoError(t, json.Unmarshal(b, back))
			assert.Equal(t, tc.value, derefAny(back), "round trip")
		})
	}
}

func derefAny(p any) any {
	switch v := p.(type) {
	case *reeflow.PostgresConfig:
		return *v
	case *reeflow.TinybirdConfig:
		return *v
	case *reeflow.Connection:
		return *v
	case *reeflow.Session:
		return *v
	case *reeflow.APIKey:
		return *v
	}
	panic(fmt.Sprintf("unexpected %T", p))
}

// A connection read from Reeflow goes back as it came: a config read with "ssl": false can be
// sent again without InsecureNoSSL being set by hand.
func TestConnectionReadCanBeSentBack(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(200, `{"id":"conn_1","name":"Local","type":"pg","config":{"host":"localhost","port":5432,"database":"mydb","user":"myuser","ssl":false},"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z"}`))
	ctx := context.Background()
	conn, err := client.Connections.Get(ctx, "conn_1")
	require.NoError(t, err)
	cfg := conn.Config.(reeflow.PostgresConfig)
	assert.True(t, cfg.InsecureNoSSL)
	cfg.Password = "new-password"
	_, err = client.Connections.Update(ctx, conn.ID, reeflow.UpdateConnectionParams{Config: cfg})
	require.NoError(t, err)
	assert.JSONEq(t, `{"config":{"host":"localhost","port":5432,"database":"mydb","user":"myuser","password":"new-password","ssl":false}}`, string(rec.last(t).Body))
}

// The zero value of PostgresConfig.SSL is not taken as "connect in the clear".
func TestPostgresConfigNeedsAnExplicitTLSChoice(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(201, pgConnectionJSON))
	ctx := context.Background()
	forgot := reeflow.PostgresConfig{Host: "db", Port: 5432, Database: "app", User: "u", Password: "pw"}
	_, err := client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "n", Config: forgot})
	require.ErrorContains(t, err, "PostgresConfig.SSL is false: set SSL to true, or InsecureNoSSL to true")
	_, err = client.Connections.Update(ctx, "conn_1", reeflow.UpdateConnectionParams{Config: &forgot})
	require.ErrorContains(t, err, "PostgresConfig.SSL is false")
	both := forgot
	both.SSL, both.InsecureNoSSL = true, true
	_, err = client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "n", Config: both})
	require.ErrorContains(t, err, "both SSL and InsecureNoSSL")
	assert.Empty(t, rec.all())

	clear := forgot
	clear.InsecureNoSSL = true
	_, err = client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "n", Config: clear})
	require.NoError(t, err)
	assert.Contains(t, string(rec.last(t).Body), `"ssl":false`)
}

// encoding/json would send invalid UTF-8 as U+FFFD: Reeflow would store another password.
func TestInvalidUTF8IsRefusedNamingTheField(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(201, pgConnectionJSON))
	ctx := context.Background()
	bad := "pa\xffss"
	pg := func(mod func(*reeflow.PostgresConfig)) reeflow.PostgresConfig {
		c := reeflow.PostgresConfig{Host: "db", Port: 5432, Database: "app", User: "u", Password: "pw", SSL: true}
		mod(&c)
		return c
	}
	for field, p := range map[string]reeflow.CreateConnectionParams{
		"Name":                    {Name: bad, Config: pg(func(*reeflow.PostgresConfig) {})},
		"PostgresConfig.Password": {Name: "n", Config: pg(func(c *reeflow.PostgresConfig) { c.Password = bad })},
		"PostgresConfig.User":     {Name: "n", Config: pg(func(c *reeflow.PostgresConfig) { c.User = bad })},
		"PostgresConfig.Host":     {Name: "n", Config: pg(func(c *reeflow.PostgresConfig) { c.Host = bad })},
		"TinybirdConfig.Token":    {Name: "n", Config: reeflow.TinybirdConfig{Host: "h", Token: bad}},
	} {
		_, err := client.Connections.Create(ctx, p)
		require.ErrorContains(t, err, field+" is not valid UTF-8", field)
		assert.NotContains(t, err.Error(), "pa", "the value is never quoted")
	}
	name := bad
	_, err := client.Connections.Update(ctx, "conn_1", reeflow.UpdateConnectionParams{Name: &name})
	require.ErrorContains(t, err, "Name is not valid UTF-8")
	_, err = client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: bad})
	require.ErrorContains(t, err, "UserID is not valid UTF-8")
	assert.Empty(t, rec.all())
}

func TestSecretIsOpaque(t *testing.T) {
	t.Parallel()
	s := reeflow.NewSecret(canarySecret)
	assert.Equal(t, canarySecret, s.Reveal())
	assert.True(t, s.Equal(reeflow.NewSecret(canarySecret)))
	assert.False(t, s.Equal(reeflow.NewSecret(canarySecret+"x")))
	assert.Empty(t, reeflow.Secret{}.Reveal())

	var c reeflow.Credentials
	err := json.Unmarshal([]byte(`{"KeyID":"key_1","Secret":"[REDACTED]"}`), &c)
	require.ErrorContains(t, err, "a Secret is not decoded from JSON")

	// A key ID that fails validation may be a secret in the wrong field: it never prints.
	swapped := reeflow.Credentials{KeyID: canarySecret, Secret: reeflow.NewSecret("key_abc")}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, swapped)
		assert.NotContains(t, out, canarySecret, verb)
		assert.Contains(t, out, "[INVALID]", verb)
	}
	assert.Contains(t, fmt.Sprintf("%v", reeflow.Credentials{KeyID: "key_ok", Secret: s}), "key_ok", "a well-formed ID still prints")
}

// A config read from a file without "ssl" has not chosen: it is refused, not sent in the clear.
func TestPostgresConfigFromJSONWithoutSSLIsRefused(t *testing.T) {
	t.Parallel()
	var cfg reeflow.PostgresConfig
	require.NoError(t, json.Unmarshal([]byte(`{"host":"db","port":5432,"database":"d","user":"u","password":"p"}`), &cfg))
	assert.False(t, cfg.InsecureNoSSL)
	client, rec := newRecorder(t, reply(201, pgConnectionJSON))
	_, err := client.Connections.Create(context.Background(), reeflow.CreateConnectionParams{Name: "n", Config: cfg})
	require.ErrorContains(t, err, "PostgresConfig.SSL is false")
	assert.Empty(t, rec.all())
}

package reeflow_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// TestWireFormat checks what each operation puts on the wire: method, path, headers and body.
func TestWireFormat(t *testing.T) {
	t.Parallel()
	expiration := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name       string
		respond    http.HandlerFunc
		call       func(*reeflow.Client) error
		method     string
		path, body string // body "" means no body
	}{
		{
			name: "list connections", respond: reply(200, `[]`), method: "GET", path: "/connections",
			call: func(c *reeflow.Client) error { _, err := c.Connections.List(context.Background()); return err },
		},
		{
			name: "get connection", respond: reply(200, pgConnectionJSON), method: "GET", path: "/connections/conn_1",
			call: func(c *reeflow.Client) error { _, err := c.Connections.Get(context.Background(), "conn_1"); return err },
		},
		{
			name: "create pg connection", respond: reply(201, pgConnectionJSON), method: "POST", path: "/connections",
			body: `{"name":"My Database","type":"pg","config":{"host":"localhost","port":5432,"database":"mydb","user":"myuser","password":"mypassword","ssl":false}}`,
			call: func(c *reeflow.Client) error {
				_, err := c.Connections.Create(context.Background(), reeflow.CreateConnectionParams{
					Name:   "My Database",
					Config: reeflow.PostgresConfig{Host: "localhost", Port: 5432, Database: "mydb", User: "myuser", Password: "mypassword", InsecureNoSSL: true},
				})
				return err
			},
		},
		{
			name: "create tinybird connection", respond: reply(201, `{"id":"conn_2","name":"TB","type":"tinybird","config":{"host":"api.tinybird.co"},"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z"}`),
			method: "POST", path: "/connections",
			body: `{"name":"TB","type":"tinybird","config":{"host":"api.tinybird.co","token":"p.tok"}}`,
			call: func(c *reeflow.Client) error {
				_, err := c.Connections.Create(context.Background(), reeflow.CreateConnectionParams{
					Name: "TB", Config: &reeflow.TinybirdConfig{Host: "api.tinybird.co", Token: "p.tok"},
				})
				return err
			},
		},
		{
			name: "create connection of a type unknown to the SDK", respond: reply(201, `{"id":"conn_3","name":"CH","type":"clickhouse","config":{"url":"x"},"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z"}`),
			method: "POST", path: "/connections",
			body: `{"name":"CH","type":"clickhouse","config":{"url":"x"}}`,
			call: func(c *reeflow.Client) error {
				_, err := c.Connections.Create(context.Background(), reeflow.CreateConnectionParams{
					Name: "CH", Config: reeflow.UnknownConfig{Type: "clickhouse", Raw: json.RawMessage(`{"url":"x"}`)},
				})
				return err
			},
		},
		{
			name: "update name only", respond: reply(200, pgConnectionJSON), method: "PATCH", path: "/connections/conn_1",
			body: `{"name":"Renamed"}`,
			call: func(c *reeflow.Client) error {
				_, err := c.Connections.Update(context.Background(), "conn_1", reeflow.UpdateConnectionParams{Name: strPtr("Renamed")})
				return err
			},
		},
		{
			name: "update config only, keeping the password", respond: reply(200, pgConnectionJSON), method: "PATCH", path: "/connections/conn_1",
			body: `{"config":{"host":"db2","port":6432,"database":"app","user":"u","ssl":true}}`,
			call: func(c *reeflow.Client) error {
				_, err := c.Connections.Update(context.Background(), "conn_1", reeflow.UpdateConnectionParams{
					Config: reeflow.PostgresConfig{Host: "db2", Port: 6432, Database: "app", User: "u", SSL: true},
				})
				return err
			},
		},
		{
			name: "delete connection", respond: reply(204, ``), method: "DELETE", path: "/connections/conn_1",
			call: func(c *reeflow.Client) error { return c.Connections.Delete(context.Background(), "conn_1") },
		},
		{
			name: "create session with defaults", respond: reply(201, `{"token":"eyJ.x.y","expires_at":"2026-11-27T10:00:00Z"}`),
			method: "POST", path: "/sessions", body: `{"user":{"id":"user_1"}}`,
			call: func(c *reeflow.Client) error {
				_, err := c.Sessions.Create(context.Background(), reeflow.CreateSessionParams{UserID: "user_1"})
				return err
			},
		},
		{
			name: "create session with every field", respond: reply(201, `{"token":"eyJ.x.y","expires_at":"2026-11-27T10:00:00Z"}`),
			method: "POST", path: "/sessions",
			body: `{"user":{"id":"user_1"},"organization":{"id":"org_1"},"expiration":"2026-11-27T10:00:00Z","not_before":"2026-11-27T09:00:00Z"}`,
			call: func(c *reeflow.Client) error {
				_, err := c.Sessions.Create(context.Background(), reeflow.CreateSessionParams{
					UserID: "user_1", OrganizationID: "org_1", Expiration: expiration, NotBefore: expiration.Add(-time.Hour),
				})
				return err
			},
		},
		{
			name: "list API keys", respond: reply(200, `[]`), method: "GET", path: "/api-keys",
			call: func(c *reeflow.Client) error { _, err := c.APIKeys.List(context.Background()); return err },
		},
		{
			name: "get API key", respond: reply(200, `{"id":"key_1","name":"ci","enabled":true,"created_at":"2026-01-02T03:04:05Z","last_used_at":null}`),
			method: "GET", path: "/api-keys/key_1",
			call: func(c *reeflow.Client) error { _, err := c.APIKeys.Get(context.Background(), "key_1"); return err },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			client, rec := newRecorder(t, tc.respond, reeflow.WithUserAgent("acme-billing/2.1"))
			require.NoError(t, tc.call(client))
			got := rec.last(t)
			assert.Len(t, rec.all(), 1)
			assert.Equal(t, tc.method, got.Method)
			assert.Equal(t, tc.path, got.RawPath)
			assert.Empty(t, got.Query)
			assert.Equal(t, docHeader, got.Header.Get("Authorization"))
			assert.Empty(t, got.Header.Get("X-API-Key"))
			assert.Equal(t, "reeflow-go/"+reeflow.Version+" acme-billing/2.1", got.Header.Get("User-Agent"))
			if tc.body == "" {
				assert.Empty(t, got.Body)
				return
			}
			assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
			assert.JSONEq(t, tc.body, string(got.Body))
		})
	}
}

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

func TestDecodesConnectionsOfEveryType(t *testing.T) {
	t.Parallel()
	body := `[` + pgConnectionJSON + `,
	{"id":"conn_2","name":"Events","type":"tinybird","config":{"host":"api.tinybird.co"},"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z"},
	{"id":"conn_3","name":"Future","type":"clickhouse","config":{"account":"acme","warehouse":"wh"},"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z","new_field":1}]`
	client, _ := newRecorder(t, reply(200, body))
	conns, err := client.Connections.List(context.Background())
	require.NoError(t, err)
	require.Len(t, conns, 3)

	assert.Equal(t, reeflow.Connection{
		ID: "conn_1", Name: "Main", Type: reeflow.ConnectionTypePostgres,
		Config:    reeflow.PostgresConfig{Host: "db", Port: 5432, Database: "app", User: "u", SSL: true},
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), UpdatedAt: time.Date(2026, 1, 2, 3, 4, 6, 0, time.UTC),
	}, conns[0])
	assert.Equal(t, reeflow.TinybirdConfig{Host: "api.tinybird.co"}, conns[1].Config)
	assert.Equal(t, reeflow.ConnectionTypeTinybird, conns[1].Config.ConnectionType())

	unknown, ok := conns[2].Config.(reeflow.UnknownConfig)
	require.True(t, ok, "an unknown type decodes as UnknownConfig")
	assert.Equal(t, reeflow.ConnectionType("clickhouse"), unknown.Type)
	assert.JSONEq(t, `{"account":"acme","warehouse":"wh"}`, string(unknown.Raw))
}

func TestConnectionUnmarshalJSON(t *testing.T) {
	t.Parallel()
	var c reeflow.Connection
	require.NoError(t, json.Unmarshal([]byte(pgConnectionJSON), &c))
	assert.Equal(t, "conn_1", c.ID)
	for name, body := range map[string]string{
		"no id":              `{"name":"x","type":"pg","config":{}}`,
		"no type":            `{"id":"conn_1","config":{}}`,
		"config not object":  `{"id":"conn_1","type":"pg","config":"host=db"}`,
		"no config":          `{"id":"conn_1","type":"pg"}`,
		"null config":        `{"id":"conn_1","type":"tinybird","config":null}`,
		"port is a string":   `{"id":"conn_1","type":"pg","config":{"port":"5432"}}`,
		"unknown, no config": `{"id":"conn_1","type":"x"}`,
	} {
		assert.Error(t, json.Unmarshal([]byte(body), &c), name)
	}
}

func TestBrokenSuccessBodies(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"empty":      ``,
		"html":       `<html>hello</html>`,
		"truncated":  `[{"id":"conn_1","name":"Main","type":"pg","con`,
		"object":     `{"id":"conn_1"}`,
		"null":       `null`,
		"half-empty": `[{}]`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			client, _ := newRecorder(t, reply(200, body))
			conns, err := client.Connections.List(context.Background())
			require.Error(t, err)
			assert.Nil(t, conns, "never a half-filled result")
			assert.Contains(t, err.Error(), "list connections")
			assert.Contains(t, err.Error(), "200")
		})
	}
	for name, body := range map[string]string{"empty": ``, "no token": `{"expires_at":"2026-11-27T10:00:00Z"}`, "html": `<p>`} {
		client, _ := newRecorder(t, reply(201, body))
		sess, err := client.Sessions.Create(context.Background(), reeflow.CreateSessionParams{UserID: "u"})
		require.Error(t, err, name)
		assert.Nil(t, sess, name)
		assert.Contains(t, err.Error(), "create session", name)
	}
	client, _ := newRecorder(t, reply(200, `{"name":"no id"}`))
	key, err := client.APIKeys.Get(context.Background(), "key_1")
	require.Error(t, err)
	assert.Nil(t, key)
}

func TestDecodesAPIKeysAndSessions(t *testing.T) {
	t.Parallel()
	client, _ := newRecorder(t, reply(200, `[{"id":"key_1","name":"ci","enabled":true,"created_at":"2026-01-02T03:04:05Z","last_used_at":null},
	{"id":"key_2","name":"web","enabled":false,"created_at":"2026-01-02T03:04:05Z","last_used_at":"2026-02-02T00:00:00Z"}]`))
	keys, err := client.APIKeys.List(context.Background())
	require.NoError(t, err)
	require.Len(t, keys, 2)
	assert.Nil(t, keys[0].LastUsedAt)
	assert.True(t, keys[0].Enabled)
	require.NotNil(t, keys[1].LastUsedAt)
	assert.Equal(t, time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC), *keys[1].LastUsedAt)

	client, _ = newRecorder(t, reply(201, `{"token":"eyJ.a.b","expires_at":"2026-11-27T10:00:00Z"}`))
	sess, err := client.Sessions.Create(context.Background(), reeflow.CreateSessionParams{UserID: "u"})
	require.NoError(t, err)
	assert.Equal(t, "eyJ.a.b", sess.Token)
	assert.Equal(t, time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), sess.ExpiresAt)
}

// A create whose answer cannot be decoded says the connection may exist.
func TestUndecodableCreateSaysTheConnectionMayExist(t *testing.T) {
	t.Parallel()
	client, _ := newRecorder(t, reply(201, `{"id":"conn_1","type":"pg","config":{"port":"`+strings.Repeat("9", 60_000)+`"}}`))
	_, err := client.Connections.Create(context.Background(), pgParamsSSL)
	require.Error(t, err)
	assert.ErrorContains(t, err, "the connection may have been created")
	assert.Less(t, len(err.Error()), 700, "the decoder's message is bounded")
}

func TestListsReturnNilOnError(t *testing.T) {
	t.Parallel()
	client, _ := newRecorder(t, reply(200, `[{"id":"key_1","name":"ci","enabled":true,"created_at":"2026-01-02T03:04:05Z","last_used_at":null},{"name":"no id"}]`))
	keys, err := client.APIKeys.List(context.Background())
	require.ErrorContains(t, err, "API key 1 has no id")
	assert.Nil(t, keys, "no partial list with an error")

	client, _ = newRecorder(t, reply(200, `[`+pgConnectionJSON+`,{"id":"conn_2"}]`))
	conns, err := client.Connections.List(context.Background())
	require.ErrorContains(t, err, "connection conn_2 has no type")
	assert.Nil(t, conns)
}

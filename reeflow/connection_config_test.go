package reeflow_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

const canaryPAT = "CANARYPAT-snowflake-0123"

func bigQueryConfig(t *testing.T) reeflow.BigQueryConfig {
	t.Helper()
	cfg, err := reeflow.BigQueryConfigFromKey([]byte(serviceAccountKeyJSON), "EU")
	require.NoError(t, err)
	return cfg
}

var snowflakeConfig = reeflow.SnowflakeConfig{
	Account: "myorg-myaccount", User: "REEFLOW_READER", Token: canaryPAT,
	Warehouse: "ANALYTICS_WH", Database: "ANALYTICS", Schemas: []string{"PUBLIC", "MARTS"},
}

// The BigQuery and Snowflake configs marshal to the (assumed) wire format, secrets included,
// and a connection of either type decodes to its typed config.
func TestNewConfigsJSONIsTheWireFormat(t *testing.T) {
	t.Parallel()
	bq := bigQueryConfig(t)
	keyString, err := json.Marshal(serviceAccountKeyJSON)
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		value reeflow.ConnectionConfig
		wire  string
		into  reeflow.ConnectionConfig
	}{
		"BigQueryConfig":             {bq, `{"service_account_key":` + string(keyString) + `,"project_id":"my-gcp-project","location":"EU"}`, new(reeflow.BigQueryConfig)},
		"BigQueryConfig as returned": {reeflow.BigQueryConfig{ProjectID: "p", Location: "US"}, `{"project_id":"p","location":"US"}`, new(reeflow.BigQueryConfig)},
		"SnowflakeConfig": {snowflakeConfig,
			`{"account":"myorg-myaccount","user":"REEFLOW_READER","token":"` + canaryPAT + `","warehouse":"ANALYTICS_WH","database":"ANALYTICS","schemas":["PUBLIC","MARTS"]}`,
			new(reeflow.SnowflakeConfig)},
		"SnowflakeConfig as returned": {reeflow.SnowflakeConfig{Account: "a", User: "u", Warehouse: "w", Database: "d"},
			`{"account":"a","user":"u","warehouse":"w","database":"d"}`, new(reeflow.SnowflakeConfig)},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tc.value)
			require.NoError(t, err)
			assert.JSONEq(t, tc.wire, string(b))
			require.NoError(t, json.Unmarshal(b, tc.into))
			switch back := tc.into.(type) {
			case *reeflow.BigQueryConfig:
				assert.Equal(t, tc.value, *back)
			case *reeflow.SnowflakeConfig:
				assert.Equal(t, tc.value, *back)
			}

			conn := reeflow.Connection{ID: "conn_1", Name: "n", Type: tc.value.ConnectionType(), Config: tc.value}
			b, err = json.Marshal(conn)
			require.NoError(t, err)
			var decoded reeflow.Connection
			require.NoError(t, json.Unmarshal(b, &decoded))
			assert.Equal(t, conn, decoded, "a connection of the type decodes to its typed config")
		})
	}
	var conn reeflow.Connection
	err = json.Unmarshal([]byte(`{"id":"conn_1","type":"snowflake","config":{"schemas":"PUBLIC"}}`), &conn)
	assert.ErrorContains(t, err, "snowflake config")
}

// The key and the PAT never show where fmt and slog print the configs, alone or inside a
// connection or parameters; the rest stays readable.
func TestNewConfigsNeverPrintTheirSecrets(t *testing.T) {
	t.Parallel()
	bq, sf := bigQueryConfig(t), snowflakeConfig
	for name, v := range map[string]any{
		"BigQueryConfig": bq, "*BigQueryConfig": &bq, "SnowflakeConfig": sf, "*SnowflakeConfig": &sf,
		"Connection":    reeflow.Connection{ID: "conn_1", Type: reeflow.ConnectionTypeBigQuery, Config: bq},
		"create params": reeflow.CreateConnectionParams{Name: "n", Config: &sf},
		"update params": reeflow.UpdateConnectionParams{Config: bq},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			printed := printAll(t, v, true)
			assert.NotContains(t, printed, canaryPrivateKey)
			assert.NotContains(t, printed, "PRIVATE KEY")
			assert.NotContains(t, printed, "reeflow-reader@", "nothing of the key shows")
			assert.NotContains(t, printed, canaryPAT)
			assert.Contains(t, printed, "[REDACTED]")
		})
	}
	assert.Equal(t, `reeflow.BigQueryConfig{ServiceAccountKey:"[REDACTED]", ProjectID:"my-gcp-project", Location:"EU"}`, fmt.Sprintf("%#v", bq))
	assert.Equal(t, `{Account:myorg-myaccount User:REEFLOW_READER Token:[REDACTED] Warehouse:ANALYTICS_WH Database:ANALYTICS Schemas:[PUBLIC MARTS]}`, fmt.Sprintf("%+v", sf))
	assert.Equal(t, `{ p US}`, fmt.Sprint(reeflow.BigQueryConfig{ProjectID: "p", Location: "US"}), "an unset key prints empty")
	forged := reeflow.SnowflakeConfig{Account: "a", Schemas: []string{"PUBLIC\x1b[2J"}}
	assert.NotContains(t, fmt.Sprint(forged), "\x1b", "server-chosen text prints without control characters")
	assert.Equal(t, []string{"PUBLIC\x1b[2J"}, forged.Schemas, "printing does not change the caller's schemas")
}

// Create and Update send the configs as the wire format; an update with an empty key or token
// leaves it out, so that Reeflow keeps the stored one.
func TestNewConfigsAreSent(t *testing.T) {
	t.Parallel()
	bq := bigQueryConfig(t)
	keyString, err := json.Marshal(serviceAccountKeyJSON)
	require.NoError(t, err)
	client, rec := newRecorder(t, reply(201, `{"id":"conn_1","name":"n","type":"bigquery","config":{"project_id":"p","location":"EU"},"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z"}`))
	ctx := context.Background()

	conn, err := client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "Warehouse", Config: bq})
	require.NoError(t, err)
	assert.Equal(t, reeflow.BigQueryConfig{ProjectID: "p", Location: "EU"}, conn.Config)
	assert.JSONEq(t, `{"name":"Warehouse","type":"bigquery","config":{"service_account_key":`+string(keyString)+`,"project_id":"my-gcp-project","location":"EU"}}`, string(rec.last(t).Body))

	_, err = client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "Snow", Config: &snowflakeConfig})
	require.NoError(t, err)
	assert.JSONEq(t, `{"name":"Snow","type":"snowflake","config":{"account":"myorg-myaccount","user":"REEFLOW_READER","token":"`+canaryPAT+`","warehouse":"ANALYTICS_WH","database":"ANALYTICS","schemas":["PUBLIC","MARTS"]}}`, string(rec.last(t).Body))

	_, err = client.Connections.Update(ctx, "conn_1", reeflow.UpdateConnectionParams{Config: reeflow.BigQueryConfig{ProjectID: "billing", Location: "EU"}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"config":{"project_id":"billing","location":"EU"}}`, string(rec.last(t).Body))
	_, err = client.Connections.Update(ctx, "conn_1", reeflow.UpdateConnectionParams{Config: reeflow.SnowflakeConfig{Account: "a", User: "u", Warehouse: "w", Database: "d"}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"config":{"account":"a","user":"u","warehouse":"w","database":"d"}}`, string(rec.last(t).Body))
}

// A malformed key set by hand, a nil pointer or invalid UTF-8 is refused before anything is
// sent, and the error quotes none of the key.
func TestNewConfigsAreCheckedBeforeSending(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(201, `{}`))
	for name, tc := range map[string]struct {
		cfg  reeflow.ConnectionConfig
		want string
	}{
		"a key that is not JSON": {reeflow.BigQueryConfig{ServiceAccountKey: "-----BEGIN PRIVATE KEY-----" + canaryPrivateKey, ProjectID: "p", Location: "EU"}, "service-account key is not a JSON object"},
		"a user's credential":    {reeflow.BigQueryConfig{ServiceAccountKey: `{"type":"authorized_user","refresh_token":"` + canaryPrivateKey + `"}`, ProjectID: "p", Location: "EU"}, `its "type" is not "service_account"`},
		"nil *BigQueryConfig":    {(*reeflow.BigQueryConfig)(nil), "config is a nil *BigQueryConfig"},
		"nil *SnowflakeConfig":   {(*reeflow.SnowflakeConfig)(nil), "config is a nil *SnowflakeConfig"},
		"invalid UTF-8 location": {reeflow.BigQueryConfig{ProjectID: "p", Location: "E\xffU"}, "BigQueryConfig.Location is not valid UTF-8"},
		"invalid UTF-8 token":    {reeflow.SnowflakeConfig{Account: "a", Token: canaryPAT + "\xff"}, "SnowflakeConfig.Token is not valid UTF-8"},
		"invalid UTF-8 schema":   {reeflow.SnowflakeConfig{Account: "a", Schemas: []string{"ok", "\xff"}}, "SnowflakeConfig.Schemas[1] is not valid UTF-8"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := client.Connections.Create(context.Background(), reeflow.CreateConnectionParams{Name: "n", Config: tc.cfg})
			require.ErrorContains(t, err, tc.want)
			assert.NotContains(t, err.Error(), canaryPrivateKey)
			assert.NotContains(t, err.Error(), canaryPAT)
			_, err = client.Connections.Update(context.Background(), "conn_1", reeflow.UpdateConnectionParams{Config: tc.cfg})
			require.ErrorContains(t, err, tc.want)
		})
	}
	assert.Empty(t, rec.all(), "nothing was sent")
}

// A PostgresConfig read from JSON (a config file, a Connection from Reeflow) with a field of
// the wrong type is an error: taken as its zero value, "port":"5432" would connect to port 0
// and "ssl":"yes" would turn TLS off.
func TestPostgresConfigJSONWithWrongTypesIsAnError(t *testing.T) {
	t.Parallel()
	for name, config := range map[string]string{
		`"port":"5432"`:  `{"host":"db","port":"5432","database":"app","user":"u","ssl":true}`,
		`"port":5432.5`:  `{"host":"db","port":5432.5,"database":"app","user":"u","ssl":true}`,
		`"ssl":"yes"`:    `{"host":"db","port":5432,"database":"app","user":"u","ssl":"yes"}`,
		`"ssl":1`:        `{"host":"db","port":5432,"database":"app","user":"u","ssl":1}`,
		`"ssl":"true"`:   `{"host":"db","port":5432,"database":"app","user":"u","ssl":"true"}`,
		`"host":["db"]`:  `{"host":["db"],"port":5432,"database":"app","user":"u","ssl":true}`,
		`not an object`:  `["db",5432]`,
		`"ssl":"false"`:  `{"host":"db","port":5432,"database":"app","user":"u","ssl":"false"}`,
		`trailing comma`: `{"host":"db","port":5432,}`,
	} {
		var c reeflow.PostgresConfig
		err := json.Unmarshal([]byte(config), &c)
		assert.Error(t, err, "PostgresConfig from %s", name)
		if strings.HasPrefix(name, `"ssl"`) {
			assert.ErrorContains(t, err, `"ssl" is not a boolean`, name)
		}

		var conn reeflow.Connection
		err = json.Unmarshal([]byte(`{"id":"conn_1","name":"Main","type":"pg","config":`+config+`}`), &conn)
		assert.Error(t, err, "Connection with %s", name)
	}

	var c reeflow.PostgresConfig
	require.NoError(t, json.Unmarshal([]byte(`{"host":"db","port":5432,"database":"app","user":"u","ssl":false}`), &c))
	assert.Equal(t, reeflow.PostgresConfig{Host: "db", Port: 5432, Database: "app", User: "u", InsecureNoSSL: true}, c)
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

func FuzzDecodeConfig(f *testing.F) {
	for _, seed := range []struct{ typ, raw string }{
		{"pg", `{"host":"db","port":5432,"database":"app","user":"u","ssl":true}`},
		{"tinybird", `{"host":"api.tinybird.co"}`},
		{"clickhouse", `{"account":"x"}`}, {"snowflake", `{"account":"x","schemas":["PUBLIC"]}`}, {"bigquery", `{"project_id":"p"}`},
		{"pg", `{"port":"5432"}`}, {"pg", `null`}, {"", `{}`}, {"tinybird", `[]`},
	} {
		f.Add(seed.typ, []byte(seed.raw))
	}
	f.Fuzz(func(t *testing.T, typ string, raw []byte) {
		cfg, err := reeflow.DecodeConfig(reeflow.ConnectionType(typ), json.RawMessage(raw))
		if err != nil {
			if cfg != nil {
				t.Fatal("a config with an error")
			}
			return
		}
		if cfg.ConnectionType() != reeflow.ConnectionType(typ) {
			t.Fatalf("type %q decoded as %q", typ, cfg.ConnectionType())
		}
		switch typ {
		case "pg":
			_ = cfg.(reeflow.PostgresConfig)
		case "tinybird":
			_ = cfg.(reeflow.TinybirdConfig)
		case "bigquery":
			_ = cfg.(reeflow.BigQueryConfig)
		case "snowflake":
			_ = cfg.(reeflow.SnowflakeConfig)
		default:
			if u := cfg.(reeflow.UnknownConfig); string(u.Raw) != string(raw) {
				t.Fatal("raw config altered")
			}
		}
	})
}

// An UnknownConfig of a type this SDK knows would skip that type's checks (a PostgresConfig
// with "ssl": false is sent only with InsecureNoSSL): it is refused before sending, naming the
// config type to use. An UnknownConfig of any other type is still sent.
func TestUnknownConfigOfAKnownTypeIsRefused(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(201, pgConnectionJSON))
	ctx := context.Background()
	for typ, use := range map[reeflow.ConnectionType]string{
		reeflow.ConnectionTypePostgres: "PostgresConfig", reeflow.ConnectionTypeTinybird: "TinybirdConfig",
		reeflow.ConnectionTypeBigQuery: "BigQueryConfig", reeflow.ConnectionTypeSnowflake: "SnowflakeConfig",
	} {
		cfg := reeflow.UnknownConfig{Type: typ, Raw: json.RawMessage(`{"host":"h","port":5432,"database":"d","user":"u","password":"p","ssl":false}`)}
		want := fmt.Sprintf("UnknownConfig.Type is %q, a type this SDK knows: use %s", typ, use)
		for _, c := range []reeflow.ConnectionConfig{cfg, &cfg} {
			_, err := client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "n", Config: c})
			assert.ErrorContains(t, err, want)
			_, err = client.Connections.Update(ctx, "conn_1", reeflow.UpdateConnectionParams{Config: c})
			assert.ErrorContains(t, err, want)
		}
	}
	assert.Empty(t, rec.all(), "nothing was sent")

	_, err := client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "n", Config: reeflow.UnknownConfig{Type: "clickhouse", Raw: json.RawMessage(`{}`)}})
	require.NoError(t, err)
	assert.Len(t, rec.all(), 1)
}

package reeflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

const (
	canarySecret   = "CANARYSECRET0123456789abcdef"
	canaryPassword = "CANARYPASSWORD-xyz"
	canaryToken    = "CANARYTOKEN.abc.def"
)

var canaries = []string{canarySecret, canaryPassword, canaryToken}

// printAll renders v every way a secret could escape: fmt verbs, slog text and JSON handlers.
func printAll(t *testing.T, v any) string {
	t.Helper()
	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		fmt.Fprintf(&out, verb+"\n", v)
		fmt.Fprintf(&out, verb+"\n", []any{v})
		fmt.Fprintf(&out, verb+"\n", struct{ Field any }{v})
	}
	fmt.Fprintln(&out, v)
	slog.New(slog.NewTextHandler(&out, nil)).Info("value", "v", v)
	slog.New(slog.NewJSONHandler(&out, nil)).Info("value", "v", v)
	return out.String()
}

func assertNoCanary(t *testing.T, printed string) {
	t.Helper()
	for _, c := range canaries {
		assert.NotContains(t, printed, c)
	}
}

func TestRedaction(t *testing.T) {
	t.Parallel()
	client, err := reeflow.NewClient(reeflow.WithBasicAuth("key_redact", canarySecret))
	require.NoError(t, err)
	hmacClient, err := reeflow.NewClient(reeflow.WithHMACAuth("key_redact", canarySecret))
	require.NoError(t, err)
	pg := reeflow.PostgresConfig{Host: "db", Port: 5432, Database: "app", User: "u", Password: canaryPassword}
	tb := reeflow.TinybirdConfig{Host: "api.tinybird.co", Token: canaryToken}
	values := map[string]any{
		"Secret":            reeflow.Secret(canarySecret),
		"Credentials":       reeflow.Credentials{KeyID: "key_redact", Secret: canarySecret},
		"*Credentials":      &reeflow.Credentials{KeyID: "key_redact", Secret: canarySecret},
		"Client":            client,
		"Client value":      *client,
		"HMAC client":       hmacClient,
		"PostgresConfig":    pg,
		"*PostgresConfig":   &pg,
		"TinybirdConfig":    tb,
		"*TinybirdConfig":   &tb,
		"UnknownConfig":     reeflow.UnknownConfig{Type: "x", Raw: json.RawMessage(`{"password":"` + canaryPassword + `"}`)},
		"Connection":        reeflow.Connection{ID: "conn_1", Config: pg},
		"create params":     reeflow.CreateConnectionParams{Name: "n", Config: pg},
		"update params":     reeflow.UpdateConnectionParams{Config: &tb},
		"Session":           reeflow.Session{Token: canaryToken, ExpiresAt: time.Now()},
		"*Session":          &reeflow.Session{Token: canaryToken},
		"[]Session":         []reeflow.Session{{Token: canaryToken}},
		"map of *Session":   map[string]*reeflow.Session{"s": {Token: canaryToken}},
		"[]*Connection":     []*reeflow.Connection{{ID: "conn_1", Config: &pg}},
		"[]*Credentials":    []*reeflow.Credentials{{KeyID: "key_1", Secret: canarySecret}},
		"APIError":          &reeflow.APIError{StatusCode: 401, Message: "Invalid API key", Body: []byte(canarySecret)},
		"AuthenticationErr": &reeflow.AuthenticationError{APIError: &reeflow.APIError{StatusCode: 401, Body: []byte(canarySecret)}},
	}
	for name, v := range values {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			printed := printAll(t, v)
			assertNoCanary(t, printed)
		})
	}
}

func TestRedactionKeepsWhatIsUseful(t *testing.T) {
	t.Parallel()
	pg := reeflow.PostgresConfig{Host: "db.internal", Port: 5432, Database: "app", User: "reader", Password: canaryPassword, SSL: true}
	assert.Equal(t, `{Host:db.internal Port:5432 Database:app User:reader Password:[REDACTED] SSL:true}`, fmt.Sprintf("%+v", pg))
	assert.Equal(t, `reeflow.PostgresConfig{Host:"db.internal", Port:5432, Database:"app", User:"reader", Password:"[REDACTED]", SSL:true}`, fmt.Sprintf("%#v", pg))
	assert.Equal(t, `{db.internal 5432 app reader  false}`, fmt.Sprint(reeflow.PostgresConfig{Host: "db.internal", Port: 5432, Database: "app", User: "reader"}),
		"an unset password prints empty, so a missing one is visible")
	assert.Equal(t, "[REDACTED]", reeflow.Secret(canarySecret).String())
	assert.Equal(t, canarySecret, string(reeflow.Secret(canarySecret)), "the value stays usable")

	b, err := json.Marshal(reeflow.Credentials{KeyID: "key_1", Secret: canarySecret})
	require.NoError(t, err)
	assert.JSONEq(t, `{"KeyID":"key_1","Secret":"[REDACTED]"}`, string(b))

	client, err := reeflow.NewClient(reeflow.WithBaseURL("https://eu.reeflow.example"), reeflow.WithHMACAuth("key_1", canarySecret))
	require.NoError(t, err)
	assert.Equal(t, "reeflow.Client{BaseURL:https://eu.reeflow.example/ Auth:hmac}", fmt.Sprint(client))
}

func TestPasswordStillReachesTheAPI(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(201, pgConnectionJSON))
	_, err := client.Connections.Create(context.Background(), reeflow.CreateConnectionParams{
		Name: "db", Config: reeflow.PostgresConfig{Host: "h", Port: 1, Database: "d", User: "u", Password: canaryPassword},
	})
	require.NoError(t, err)
	assert.Contains(t, string(rec.last(t).Body), `"password":"`+canaryPassword+`"`)
}

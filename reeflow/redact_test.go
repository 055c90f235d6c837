package reeflow_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
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

// printAll renders v every way fmt and slog print a value whose methods they can call: fmt
// verbs (alone, in a slice, in an exported struct field), slog's text handler, and slog's JSON
// handler unless the value's JSON is the wire format and slog cannot call its LogValue (see
// docs/security.md, "JSON is the wire format; printing is redacted").
func printAll(t *testing.T, v any, jsonIsWire bool) string {
	t.Helper()
	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		fmt.Fprintf(&out, verb+"\n", v)
		fmt.Fprintf(&out, verb+"\n", []any{v})
		fmt.Fprintf(&out, verb+"\n", struct{ Field any }{v})
	}
	fmt.Fprintln(&out, v)
	slog.New(slog.NewTextHandler(&out, nil)).Info("value", "v", v)
	if _, logValuer := v.(slog.LogValuer); !jsonIsWire || logValuer {
		slog.New(slog.NewJSONHandler(&out, nil)).Info("value", "v", v)
	}
	return out.String()
}

// printHidden renders v from an unexported field of a caller's struct, where fmt and slog
// cannot call its methods and print it through reflection.
func printHidden(v any) string {
	type service struct {
		name  string
		creds any
	}
	var out bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		fmt.Fprintf(&out, verb+"\n", service{"svc", v})
		fmt.Fprintf(&out, verb+"\n", &service{"svc", v})
	}
	slog.New(slog.NewTextHandler(&out, nil)).Info("value", "svc", service{"svc", v})
	slog.New(slog.NewJSONHandler(&out, nil)).Info("value", "svc", service{"svc", v})
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
	pg := reeflow.PostgresConfig{Host: "db", Port: 5432, Database: "app", User: "u", Password: canaryPassword, SSL: true}
	tb := reeflow.TinybirdConfig{Host: "api.tinybird.co", Token: canaryToken}
	creds := reeflow.Credentials{KeyID: "key_redact", Secret: reeflow.NewSecret(canarySecret)}
	// Credentials never show, even from an unexported field.
	credentials := map[string]any{
		"Secret":            reeflow.NewSecret(canarySecret),
		"Credentials":       creds,
		"*Credentials":      &creds,
		"[]*Credentials":    []*reeflow.Credentials{&creds},
		"Client":            client,
		"Client value":      *client,
		"HMAC client":       hmacClient,
		"APIError":          &reeflow.APIError{StatusCode: 401, Message: "Invalid API key", Body: []byte(canarySecret)},
		"AuthenticationErr": &reeflow.AuthenticationError{APIError: &reeflow.APIError{StatusCode: 401, Body: []byte(canarySecret)}},
	}
	for name, v := range credentials {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			assertNoCanary(t, printAll(t, v, false))
			assertNoCanary(t, printHidden(v))
		})
	}
	// Models hide passwords and tokens wherever fmt and slog call their methods; their JSON is
	// the wire format (TestModelsJSONIsTheWireFormat).
	models := map[string]any{
		"PostgresConfig":  pg,
		"*PostgresConfig": &pg,
		"TinybirdConfig":  tb,
		"*TinybirdConfig": &tb,
		"UnknownConfig":   reeflow.UnknownConfig{Type: "x", Raw: json.RawMessage(`{"password":"` + canaryPassword + `"}`)},
		"Connection":      reeflow.Connection{ID: "conn_1", Config: pg},
		"create params":   reeflow.CreateConnectionParams{Name: "n", Config: pg},
		"update params":   reeflow.UpdateConnectionParams{Config: &tb},
		"Session":         reeflow.Session{Token: canaryToken, ExpiresAt: time.Now()},
		"*Session":        &reeflow.Session{Token: canaryToken},
		"[]Session":       []reeflow.Session{{Token: canaryToken}},
		"map of *Session": map[string]*reeflow.Session{"s": {Token: canaryToken}},
		"[]*Connection":   []*reeflow.Connection{{ID: "conn_1", Config: &pg}},
	}
	for name, v := range models {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			assertNoCanary(t, printAll(t, v, true))
		})
	}
}

func TestRedactionKeepsWhatIsUseful(t *testing.T) {
	t.Parallel()
	pg := reeflow.PostgresConfig{Host: "db.internal", Port: 5432, Database: "app", User: "reader", Password: canaryPassword, SSL: true}
	assert.Equal(t, `{Host:db.internal Port:5432 Database:app User:reader Password:[REDACTED] SSL:true InsecureNoSSL:false}`, fmt.Sprintf("%+v", pg))
	assert.Equal(t, `reeflow.PostgresConfig{Host:"db.internal", Port:5432, Database:"app", User:"reader", Password:"[REDACTED]", SSL:true, InsecureNoSSL:false}`, fmt.Sprintf("%#v", pg))
	assert.Equal(t, `{db.internal 5432 app reader  true false}`, fmt.Sprint(reeflow.PostgresConfig{Host: "db.internal", Port: 5432, Database: "app", User: "reader", SSL: true}),
		"an unset password prints empty, so a missing one is visible")
	assert.Equal(t, "[REDACTED]", reeflow.NewSecret(canarySecret).String())
	assert.Equal(t, canarySecret, reeflow.NewSecret(canarySecret).Reveal(), "the value stays usable")

	b, err := json.Marshal(reeflow.Credentials{KeyID: "key_1", Secret: reeflow.NewSecret(canarySecret)})
	require.NoError(t, err)
	assert.JSONEq(t, `{"KeyID":"key_1","Secret":"[REDACTED]"}`, string(b))
}

func TestPasswordStillReachesTheAPI(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(201, pgConnectionJSON))
	_, err := client.Connections.Create(context.Background(), reeflow.CreateConnectionParams{
		Name: "db", Config: reeflow.PostgresConfig{Host: "h", Port: 1, Database: "d", User: "u", Password: canaryPassword, SSL: true},
	})
	require.NoError(t, err)
	assert.Contains(t, string(rec.last(t).Body), `"password":"`+canaryPassword+`"`)
}

// A Response holds the raw body, session tokens included: printing and logging show its size.
func TestResponseNeverPrintsItsBody(t *testing.T) {
	t.Parallel()
	resp := reeflow.Response{StatusCode: 201, RequestID: "req_1", Attempts: 1, Body: []byte(`{"token":"` + canaryToken + `"}`)}
	out := printAll(t, resp, false) // like a model, not from an unexported field: see docs/security.md
	assert.NotContains(t, out, canaryToken)
	assert.Contains(t, fmt.Sprint(resp), "Body:[")
	var logged strings.Builder
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("call", "resp", resp)
	assert.Contains(t, logged.String(), `"body_bytes"`)
	assert.NotContains(t, logged.String(), canaryToken)

	// Nested in a slice or a struct, slog's JSON handler encodes a Response with encoding/json,
	// which would write the body in base64: its JSON is what LogValue logs.
	b, err := json.Marshal(resp)
	require.NoError(t, err)
	assert.JSONEq(t, fmt.Sprintf(`{"status":201,"request_id":"req_1","attempts":1,"body_bytes":%d}`, len(resp.Body)), string(b))
	logged.Reset()
	logger := slog.New(slog.NewJSONHandler(&logged, nil))
	logger.Info("calls", "responses", []reeflow.Response{resp})
	logger.Info("call", "result", struct{ Resp reeflow.Response }{resp})
	assert.Equal(t, 2, strings.Count(logged.String(), `"body_bytes":`), logged.String())
	assert.NotContains(t, logged.String(), canaryToken)
	assert.NotContains(t, logged.String(), base64.StdEncoding.EncodeToString(resp.Body)[:16], "the body, base64-encoded")
}

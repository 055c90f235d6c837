package reeflow_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/testlog"
	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// TestNoSecretLeaks sends a canary API secret and a canary database password through every
// failure path, collects every error, every Debug log line and every print of the values
// involved, and looks for the canaries.
func TestNoSecretLeaks(t *testing.T) {
	t.Parallel()
	sink := &testlog.Sink{}
	logger := slog.New(slog.NewTextHandler(sink, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := reeflowtest.NewServer(t, reeflowtest.WithKey("key_canary", canarySecret))
	ctx := context.Background()
	pg := reeflow.PostgresConfig{Host: "db", Port: 5432, Database: "app", User: "u", Password: canaryPassword, SSL: true}
	params := reeflow.CreateConnectionParams{Name: "leak", Config: pg}
	var collected []any
	keep := func(v ...any) { collected = append(collected, v...) }

	for _, mode := range []func(id, secret string) reeflow.Option{reeflow.WithBasicAuth, reeflow.WithHMACAuth} {
		base := append(noWaits(&waits{}), reeflow.WithLogger(logger))
		client := srv.Client(append(base, mode("key_canary", canarySecret))...)
		keep(client)

		// Bad credentials, refused before sending.
		_, err := reeflow.NewClient(mode("key_canary", canarySecret+"\n"))
		keep(err)
		_, err = reeflow.NewClient(mode(canarySecret, "key_canary"))
		keep(err)

		// Documented authentication errors.
		for _, wrong := range []*reeflow.Client{
			srv.Client(append(base, mode("key_canary", canarySecret+"x"))...),
			srv.Client(append(base, mode("key_unknown", canarySecret))...),
		} {
			_, err = wrong.Connections.Create(ctx, params)
			keep(err)
		}
		other := srv.AddKey("disabled")
		srv.DisableKey(other.ID)
		_, err = srv.Client(append(base, mode(other.ID, other.Secret))...).Connections.List(ctx)
		keep(err)

		// Retries exhausted, on a request whose body carries the password.
		created, err := client.Connections.Create(ctx, params)
		require.NoError(t, err)
		keep(created)
		srv.FailNext(3, http.StatusServiceUnavailable, time.Second)
		_, err = client.Connections.Update(ctx, created.ID, reeflow.UpdateConnectionParams{Config: pg})
		require.ErrorContains(t, err, "giving up")
		keep(err)
		srv.FailNext(1, http.StatusServiceUnavailable, 0)
		_, err = client.Connections.Create(ctx, params)
		keep(err)
	}

	// Timeouts, redirects and broken bodies, against focused servers.
	hang := func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	for _, h := range []http.HandlerFunc{
		hang,
		func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example/connections", http.StatusFound)
		},
		reply(201, `<html>`+canaryPassword+`</html>`),
		reply(201, `{"id":"conn_1","type":"pg","config":{"password":`),
		reply(400, `{"message":["config.password must be longer"],"error":"Bad Request","statusCode":400}`),
	} {
		client, _ := newRecorder(t, h, reeflow.WithBasicAuth("key_canary", canarySecret), reeflow.WithAttemptTimeout(500*time.Millisecond), reeflow.WithLogger(logger))
		_, err := client.Connections.Create(ctx, params)
		keep(err)
	}

	// A panic in user code recovered by the caller: what it carries must not hold a canary either.
	func() {
		defer func() { keep(recover()) }()
		client := srv.Client(reeflow.WithBasicAuth("key_canary", canarySecret))
		_, _ = client.Connections.Create(ctx, params, reeflow.RequestEditorFn(func(context.Context, *http.Request) error { panic("editor failed") }))
	}()

	keep(reeflow.Credentials{KeyID: "key_canary", Secret: reeflow.NewSecret(canarySecret)}, pg, &pg, params, reeflow.NewSecret(canarySecret))

	var printed strings.Builder
	for _, v := range collected {
		require.NotNil(t, v)
		if err, ok := v.(error); ok {
			printed.WriteString(err.Error() + "\n")
		}
		_, isErr := v.(error)
		printed.WriteString(printAll(t, v, !isErr))
	}
	printed.WriteString(sink.String())
	out := printed.String()
	assert.NotContains(t, out, canarySecret)
	assert.NotContains(t, out, canaryPassword)
	assert.Contains(t, out, "Invalid API key secret", "the collection did see the failures")
	assert.Contains(t, out, "giving up after 3 attempts")
	assert.Contains(t, out, "redirect refused")
	assert.Contains(t, out, "deadline exceeded")
	assert.Contains(t, out, "level=DEBUG")
	t.Logf("checked %d values and %d bytes of output", len(collected), len(out))
}

// TestNoSecretReachableByReflection walks everything a Client holds, unexported fields included,
// as a reflection-based printer or differ (go-spew, testify's diffs) would, after calls in every
// auth mode: the secret is in no string or byte slice it can reach. Closures are opaque to
// reflection, which is where the credentials live; the HTTP client's connection state is not
// walked (net/http's business).
func TestNoSecretReachableByReflection(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t, reeflowtest.WithKey("key_canary", canarySecret))
	provider := staticProvider{creds: reeflow.Credentials{KeyID: "key_canary", Secret: reeflow.NewSecret(canarySecret)}}
	for name, auth := range map[string]reeflow.Option{
		"basic":          reeflow.WithBasicAuth("key_canary", canarySecret),
		"hmac":           reeflow.WithHMACAuth("key_canary", canarySecret),
		"provider basic": reeflow.WithCredentialsProvider(provider, reeflow.AuthBasic),
		"provider hmac":  reeflow.WithCredentialsProvider(provider, reeflow.AuthHMAC),
	} {
		client := srv.Client(auth)
		_, err := client.Connections.List(context.Background())
		require.NoError(t, err, name)
		path, found := findString(reflect.ValueOf(client), canarySecret, "client", map[uintptr]bool{})
		assert.False(t, found, "%s: the secret is reachable at %s", name, path)
	}
}

var httpClientType = reflect.TypeFor[http.Client]()

// findString looks for s in every string and byte slice reachable from v.
func findString(v reflect.Value, s, path string, seen map[uintptr]bool) (string, bool) {
	switch v.Kind() {
	case reflect.String:
		return path, strings.Contains(v.String(), s)
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", false
		}
		if v.Kind() == reflect.Pointer {
			if seen[v.Pointer()] || v.Type().Elem() == httpClientType {
				return "", false
			}
			seen[v.Pointer()] = true
		}
		return findString(v.Elem(), s, path, seen)
	case reflect.Struct:
		for i := range v.NumField() {
			if p, ok := findString(v.Field(i), s, path+"."+v.Type().Field(i).Name, seen); ok {
				return p, true
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return path, strings.Contains(string(v.Bytes()), s)
		}
		for i := range v.Len() {
			if p, ok := findString(v.Index(i), s, fmt.Sprintf("%s[%d]", path, i), seen); ok {
				return p, true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if p, ok := findString(it.Value(), s, path+"[…]", seen); ok {
				return p, true
			}
		}
	}
	return "", false
}

// A server or proxy that echoes the request's Authorization header, or the secret in it, in
// its error must not put the credential into the error, its printed forms or the log: the
// pipeline knows what it sent, and removes it from the server's text before keeping it. The
// secret's characters are ones JSON escapes ("<", ">", "&"), and its Basic token has "/" and
// "+", which a PHP server writes as "\/"; a server may escape any character.
func TestEchoedCredentialsAreRedacted(t *testing.T) {
	t.Parallel()
	const keyID, secret = "key_abc123xyz", "sec>ret?>?>?>xyz&<"
	decoded := keyID + ":" + secret
	token := base64.StdEncoding.EncodeToString([]byte(decoded))
	require.Contains(t, token, "/")
	echo := func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		w.Header().Set("X-Request-Id", "req_"+auth)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		body, _ := json.Marshal(map[string]any{
			"message": []string{"bad header Authorization: " + auth, "secret " + secret + " is wrong", "pair " + decoded},
			"code":    "BAD_" + secret,
		})
		body = bytes.ReplaceAll(body, []byte("/"), []byte(`\/`))
		// The reason escapes every character of the token, as JSON allows: only the decoded
		// field shows the credential.
		var escaped strings.Builder
		for _, c := range strings.TrimPrefix(auth, "Basic ") {
			fmt.Fprintf(&escaped, `\u%04x`, c)
		}
		body = append(body[:len(body)-1], `,"error":"Bad Request `+escaped.String()+`"}`...)
		_, _ = w.Write(body)
	}
	sink := &testlog.Sink{}
	client, _ := newRecorder(t, echo, reeflow.WithBasicAuth(keyID, secret),
		reeflow.WithLogger(slog.New(slog.NewJSONHandler(sink, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	var resp reeflow.Response
	_, err := client.Connections.List(context.Background(), reeflow.WithResponseInto(&resp))
	require.ErrorIs(t, err, reeflow.ErrBadRequest)
	var apiErr *reeflow.APIError
	require.ErrorAs(t, err, &apiErr)

	printed := map[string]string{
		"Error":         err.Error(),
		"%v":            fmt.Sprintf("%v", err),
		"%+v":           fmt.Sprintf("%+v", err),
		"%#v":           fmt.Sprintf("%#v", err),
		"%#v APIError":  fmt.Sprintf("%#v", apiErr),
		"Message":       apiErr.Message,
		"Messages":      strings.Join(apiErr.Messages, "|"),
		"Reason":        apiErr.Reason,
		"Code":          apiErr.Code,
		"RequestID":     apiErr.RequestID,
		"Response":      fmt.Sprintf("%+v", resp),
		"APIError.Body": string(apiErr.Body),
		"Response.Body": string(resp.Body),
		"log":           sink.String(),
	}
	jsonForm := func(s string) string { b, _ := json.Marshal(s); return string(b[1 : len(b)-1]) }
	for name, text := range printed {
		for _, needle := range []string{"Basic " + token, token, decoded, secret,
			strings.ReplaceAll(token, "/", `\/`), jsonForm(secret), "sec>ret", `sec\u003eret`} {
			assert.NotContains(t, text, needle, name)
		}
	}
	assert.Equal(t, "bad header Authorization: [REDACTED]; secret [REDACTED] is wrong; pair [REDACTED]", apiErr.Message)
	assert.Equal(t, "Bad Request [REDACTED]", apiErr.Reason)
	assert.Equal(t, "BAD_[REDACTED]", apiErr.Code)
	assert.Equal(t, "req_[REDACTED]", apiErr.RequestID)
	assert.Equal(t, "req_[REDACTED]", resp.RequestID)
	assert.Contains(t, err.Error(), "400 Bad Request [BAD_[REDACTED]]: bad header Authorization: [REDACTED]")
	assert.Contains(t, sink.String(), `"request_id":"req_[REDACTED]"`)
}

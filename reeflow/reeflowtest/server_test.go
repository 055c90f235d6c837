package reeflowtest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

func pgParams(name, password string) reeflow.CreateConnectionParams {
	return reeflow.CreateConnectionParams{Name: name, Config: reeflow.PostgresConfig{
		Host: "db.example.com", Port: 5432, Database: "app", User: "reader", Password: password, SSL: true,
	}}
}

func TestConnectionLifecycle(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t)
	ctx := context.Background()

	conns, err := client.Connections.List(ctx)
	require.NoError(t, err)
	assert.Empty(t, conns)

	created, err := client.Connections.Create(ctx, pgParams("Main", "pw-1"))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(created.ID, "conn_"), created.ID)
	assert.Equal(t, reeflow.ConnectionTypePostgres, created.Type)
	assert.Equal(t, reeflow.PostgresConfig{Host: "db.example.com", Port: 5432, Database: "app", User: "reader", SSL: true}, created.Config,
		"the password is never returned")
	assert.False(t, created.CreatedAt.IsZero())

	tb, err := client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "Events", Config: reeflow.TinybirdConfig{Host: "api.tinybird.co", Token: "tb-token"}})
	require.NoError(t, err)
	assert.Equal(t, reeflow.TinybirdConfig{Host: "api.tinybird.co"}, tb.Config)

	got, err := client.Connections.Get(ctx, created.ID)
	require.NoError(t, err)
	assert.Equal(t, created, got)

	conns, err = client.Connections.List(ctx)
	require.NoError(t, err)
	require.Len(t, conns, 2)
	assert.Equal(t, []string{created.ID, tb.ID}, []string{conns[0].ID, conns[1].ID})

	// Renaming keeps the config; a config without password keeps the stored password.
	renamed := "Primary"
	updated, err := client.Connections.Update(ctx, created.ID, reeflow.UpdateConnectionParams{Name: &renamed})
	require.NoError(t, err)
	assert.Equal(t, "Primary", updated.Name)
	assert.Equal(t, created.Config, updated.Config)
	_, err = client.Connections.Update(ctx, created.ID, reeflow.UpdateConnectionParams{
		Config: reeflow.PostgresConfig{Host: "db2.example.com", Port: 6432, Database: "app", User: "reader", SSL: true},
	})
	require.NoError(t, err)
	_, err = client.Connections.Update(ctx, tb.ID, reeflow.UpdateConnectionParams{Config: reeflow.TinybirdConfig{Host: "eu.tinybird.co"}})
	require.NoError(t, err)
	stored := srv.Connections()
	require.Len(t, stored, 2)
	assert.Equal(t, reeflow.PostgresConfig{Host: "db2.example.com", Port: 6432, Database: "app", User: "reader", Password: "pw-1", SSL: true}, stored[0].Config)
	assert.Equal(t, reeflow.TinybirdConfig{Host: "eu.tinybird.co", Token: "tb-token"}, stored[1].Config)

	// A new password replaces the stored one.
	_, err = client.Connections.Update(ctx, created.ID, reeflow.UpdateConnectionParams{
		Config: reeflow.PostgresConfig{Host: "db2.example.com", Port: 6432, Database: "app", User: "reader", Password: "pw-2", SSL: true},
	})
	require.NoError(t, err)
	assert.Equal(t, "pw-2", srv.Connections()[0].Config.(reeflow.PostgresConfig).Password)

	require.NoError(t, client.Connections.Delete(ctx, created.ID))
	_, err = client.Connections.Get(ctx, created.ID)
	require.ErrorIs(t, err, reeflow.ErrNotFound)
	require.ErrorIs(t, client.Connections.Delete(ctx, created.ID), reeflow.ErrNotFound)
	assert.Len(t, srv.Connections(), 1)
}

func TestResponsesNeverCarrySecrets(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t)
	ctx := context.Background()
	c, err := client.Connections.Create(ctx, pgParams("x", "CANARY-PASSWORD"))
	require.NoError(t, err)
	_, err = client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "tb", Config: reeflow.TinybirdConfig{Host: "h", Token: "CANARY-TOKEN"}})
	require.NoError(t, err)
	for _, path := range []string{"/connections", "/connections/" + c.ID, "/api-keys", "/api-keys/" + srv.Key().ID} {
		status, _, body := raw(t, srv, "GET", path, "", basic(srv.Key()))
		require.Equal(t, 200, status, path)
		assert.NotContains(t, body, "CANARY", path)
		assert.NotContains(t, body, srv.Key().Secret, path)
		assert.NotContains(t, body, "password", path)
		assert.NotContains(t, body, "token", path)
	}
}

func TestUnknownIDs(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t)
	ctx := context.Background()
	_, err := client.Connections.Get(ctx, "conn_missing")
	var apiErr *reeflow.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 404, apiErr.StatusCode)
	assert.Equal(t, "Connection not found", apiErr.Message)
	assert.Equal(t, "Not Found", apiErr.Reason)
	name := "x"
	_, err = client.Connections.Update(ctx, "conn_missing", reeflow.UpdateConnectionParams{Name: &name})
	assert.ErrorIs(t, err, reeflow.ErrNotFound)
	_, err = client.APIKeys.Get(ctx, "key_missing")
	assert.ErrorIs(t, err, reeflow.ErrNotFound)

	status, _, body := raw(t, srv, "GET", "/connections/conn_missing", "", basic(srv.Key()))
	assert.Equal(t, 404, status)
	assert.JSONEq(t, `{"message":"Connection not found","error":"Not Found","statusCode":404}`, body)
	status, _, body = raw(t, srv, "GET", "/nowhere", "", basic(srv.Key()))
	assert.Equal(t, 404, status)
	assert.JSONEq(t, `{"message":"Cannot GET /nowhere","error":"Not Found","statusCode":404}`, body)
}

func TestValidation(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	cases := []struct {
		name, method, path, body string
		wantMessages             []string // substrings, each in some message
	}{
		{"missing name", "POST", "/connections", `{"type":"pg","config":{"host":"h","port":5432,"database":"d","user":"u"}}`, []string{"name"}},
		{"port out of range", "POST", "/connections", `{"name":"n","type":"pg","config":{"host":"h","port":70000,"database":"d","user":"u"}}`, []string{"port"}},
		{"unknown type", "POST", "/connections", `{"name":"n","type":"oracle","config":{}}`, []string{"type"}},
		{"empty name on update", "PATCH", "/connections/conn_x", `{"name":""}`, []string{"name"}},
		{"user id too long", "POST", "/sessions", `{"user":{"id":"` + strings.Repeat("u", 65) + `"}}`, []string{"id"}},
		{"no user", "POST", "/sessions", `{}`, []string{"user"}},
		{"bad expiration", "POST", "/sessions", `{"user":{"id":"u"},"expiration":"tomorrow"}`, []string{"expiration"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, _, body := raw(t, srv, tc.method, tc.path, tc.body, basic(srv.Key()))
			require.Equal(t, 400, status, body)
			var parsed struct {
				Message    []string `json:"message"`
				Error      string   `json:"error"`
				StatusCode int      `json:"statusCode"`
			}
			require.NoError(t, json.Unmarshal([]byte(body), &parsed), "validation errors carry an array of messages: %s", body)
			assert.Equal(t, "Bad Request", parsed.Error)
			assert.Equal(t, 400, parsed.StatusCode)
			joined := strings.Join(parsed.Message, "\n")
			for _, want := range tc.wantMessages {
				assert.Contains(t, joined, want)
			}
		})
	}
}

func TestMalformedJSON(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	for _, body := range []string{`{"name":`, `not json`, `{"name":"x"}}`} {
		status, _, got := raw(t, srv, "POST", "/connections", body, basic(srv.Key()))
		assert.Equal(t, 400, status, body)
		assert.JSONEq(t, `{"message":"Malformed JSON in request body","error":"Bad Request","statusCode":400}`, got)
	}
}

func TestUpdateRefusesAConfigOfAnotherType(t *testing.T) {
	t.Parallel()
	_, client := newServer(t)
	ctx := context.Background()
	c, err := client.Connections.Create(ctx, pgParams("x", "pw"))
	require.NoError(t, err)
	_, err = client.Connections.Update(ctx, c.ID, reeflow.UpdateConnectionParams{Config: reeflow.TinybirdConfig{Host: "h", Token: "t"}})
	var bad *reeflow.BadRequestError
	require.ErrorAs(t, err, &bad)
	assert.Contains(t, bad.Message, "config must be a pg config")
}

func TestDocumentedAuthErrors(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	disabled := srv.AddKey("disabled")
	srv.DisableKey(disabled.ID)
	good := srv.Key()
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		name     string
		header   http.Header
		status   int
		message  string
		sentinel error
	}{
		{"unknown key", basic(reeflowtest.Key{ID: "key_unknown", Secret: "x"}), 401, "Invalid API key", reeflow.ErrInvalidAPIKey},
		{"wrong secret", basic(reeflowtest.Key{ID: good.ID, Secret: "wrong"}), 401, "Invalid API key secret", reeflow.ErrInvalidAPIKeySecret},
		{"not Basic", http.Header{"Authorization": {"Bearer abc"}}, 401, "Invalid Basic auth format", reeflow.ErrInvalidBasicAuthFormat},
		{"not base64", http.Header{"Authorization": {"Basic !!!"}}, 401, "Invalid Basic auth format", reeflow.ErrInvalidBasicAuthFormat},
		{"no colon", http.Header{"Authorization": {"Basic " + b64(good.ID)}}, 401, "Invalid Basic auth format", reeflow.ErrInvalidBasicAuthFormat},
		{"disabled key", basic(disabled), 403, "API key is disabled", reeflow.ErrAPIKeyDisabled},
		{"both credentials", http.Header{"Authorization": basic(good)["Authorization"], "X-Api-Key": {good.ID}}, 400, "Multiple credentials provided", reeflow.ErrMultipleCredentials},
		{"no credentials", http.Header{}, 401, "Missing credentials", reeflow.ErrUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, header, body := raw(t, srv, "GET", "/connections", "", tc.header)
			assert.Equal(t, tc.status, status)
			assert.JSONEq(t, fmt.Sprintf(`{"message":%q,"error":%q,"statusCode":%d}`, tc.message, http.StatusText(tc.status), tc.status), body)
			assert.NotEmpty(t, header.Get("X-Request-Id"))
		})
	}
	// The same rows through the SDK, each recognised by its sentinel.
	for _, tc := range cases[:len(cases)-1] {
		if tc.name == "both credentials" || strings.HasPrefix(tc.name, "not") || tc.name == "no colon" {
			continue // the SDK refuses to send these
		}
		user, pass, _ := (&http.Request{Header: tc.header}).BasicAuth()
		client := srv.Client(reeflow.WithBasicAuth(user, pass))
		_, err := client.Connections.List(context.Background())
		assert.ErrorIs(t, err, tc.sentinel, tc.name)
	}
}

func TestKeysAndLastUsedAt(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return now })
	other := srv.AddKey("billing")

	keys, err := client.APIKeys.List(context.Background())
	require.NoError(t, err)
	require.Len(t, keys, 2)
	assert.Equal(t, srv.Key().ID, keys[0].ID)
	require.NotNil(t, keys[0].LastUsedAt, "the key that just authenticated was used")
	assert.Equal(t, now, *keys[0].LastUsedAt)
	assert.Equal(t, other.ID, keys[1].ID)
	assert.Equal(t, "billing", keys[1].Name)
	assert.True(t, keys[1].Enabled)
	assert.Nil(t, keys[1].LastUsedAt)

	srv.DisableKey(other.ID)
	k, err := client.APIKeys.Get(context.Background(), other.ID)
	require.NoError(t, err)
	assert.False(t, k.Enabled)
	_, err = srv.Client(reeflow.WithBasicAuth(other.ID, other.Secret)).Connections.List(context.Background())
	require.ErrorIs(t, err, reeflow.ErrAPIKeyDisabled)
	srv.EnableKey(other.ID)
	_, err = srv.Client(reeflow.WithBasicAuth(other.ID, other.Secret)).Connections.List(context.Background())
	require.NoError(t, err)
}

func TestSessionTokens(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return now })
	ctx := context.Background()

	sess, err := client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "user_42", OrganizationID: "org_7"})
	require.NoError(t, err)
	assert.Equal(t, now.Add(time.Hour), sess.ExpiresAt, "one hour by default")
	claims := jwt.MapClaims{}
	_, _, err = jwt.NewParser().ParseUnverified(sess.Token, claims)
	require.NoError(t, err)
	assert.Equal(t, "user_42", claims["user_id"])
	assert.Equal(t, "org_7", claims["organization_id"])
	assert.InDelta(t, float64(now.Add(time.Hour).Unix()), claims["exp"], 0)
	assert.InDelta(t, float64(now.Unix()), claims["nbf"], 0)
	header := strings.Split(sess.Token, ".")[0]
	decoded, err := base64.RawURLEncoding.DecodeString(header)
	require.NoError(t, err)
	assert.Contains(t, string(decoded), `"alg":"HS256"`)

	exp := now.Add(24 * time.Hour)
	sess, err = client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "u", Expiration: exp, NotBefore: now.Add(time.Minute)})
	require.NoError(t, err)
	assert.Equal(t, exp, sess.ExpiresAt)

	_, err = client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "u", Expiration: now.Add(24*time.Hour + time.Second)})
	var bad *reeflow.BadRequestError
	require.ErrorAs(t, err, &bad)
	assert.Equal(t, "INVALID_EXPIRATION", bad.Code)
	assert.Equal(t, "Expiration cannot be more than 86400 seconds from now", bad.Message)
	status, _, body := raw(t, srv, "POST", "/sessions", `{"user":{"id":"u"},"expiration":"2026-11-28T12:00:00Z"}`, basic(srv.Key()))
	assert.Equal(t, 400, status)
	assert.JSONEq(t, `{"code":"INVALID_EXPIRATION","message":"Expiration cannot be more than 86400 seconds from now"}`, body)
}

func TestEveryResponseHasARequestIDAndTheServerDate(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	srv.SetClock(func() time.Time { return time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC) })
	ids := map[string]bool{}
	for _, h := range []http.Header{basic(srv.Key()), {}} {
		_, header, _ := raw(t, srv, "GET", "/connections", "", h)
		id := header.Get("X-Request-Id")
		assert.NotEmpty(t, id)
		ids[id] = true
		assert.Equal(t, "Wed, 02 Jan 2030 03:04:05 GMT", header.Get("Date"))
	}
	assert.Len(t, ids, 2, "request IDs are unique")
}

func TestFailNext(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	srv.FailNext(2, 503, 1500*time.Millisecond)
	for range 2 {
		status, header, body := raw(t, srv, "GET", "/connections", "", nil) // no credentials: failures come first
		assert.Equal(t, 503, status)
		assert.Equal(t, "2", header.Get("Retry-After"))
		assert.JSONEq(t, `{"message":"Service Unavailable","error":"Service Unavailable","statusCode":503}`, body)
	}
	status, _, _ := raw(t, srv, "GET", "/connections", "", basic(srv.Key()))
	assert.Equal(t, 200, status)
	srv.FailNext(1, 429, 0)
	_, header, _ := raw(t, srv, "GET", "/connections", "", basic(srv.Key()))
	assert.Empty(t, header.Get("Retry-After"))
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := client.Connections.Create(ctx, pgParams(fmt.Sprint("db-", i), "pw"))
			if !assert.NoError(t, err) {
				return
			}
			_, err = client.Connections.Get(ctx, c.ID)
			assert.NoError(t, err)
			_, err = client.Connections.List(ctx)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.Len(t, srv.Connections(), 16)
}

func TestOptions(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t, reeflowtest.WithKey("key_fixed", "fixed-secret"))
	assert.Equal(t, reeflowtest.Key{ID: "key_fixed", Secret: "fixed-secret"}, srv.Key())
	_, err := client.Connections.List(context.Background())
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(srv.URL, "https://127.0.0.1:"))

	_, err = reeflowtest.Start(reeflowtest.WithKey("nokeyprefix", "s"))
	assert.Error(t, err)
	_, err = reeflowtest.Start(reeflowtest.WithoutTLS(), reeflowtest.WithAddr("0.0.0.0:0"))
	assert.ErrorContains(t, err, "loopback")

	plain, err := reeflowtest.Start(reeflowtest.WithoutTLS(), reeflowtest.WithAddr("127.0.0.1:0"))
	require.NoError(t, err)
	defer plain.Close()
	assert.True(t, strings.HasPrefix(plain.URL, "http://127.0.0.1:"))
	pc := plain.Client()
	defer pc.CloseIdleConnections()
	_, err = pc.Connections.List(context.Background())
	require.NoError(t, err)
}

// TestKeyNeverEncodesItsSecret: a Key is never a payload, so JSON, slog's JSON and text
// handlers, and a Key nested in a value all redact the secret, as printing does.
func TestKeyNeverEncodesItsSecret(t *testing.T) {
	t.Parallel()
	k := reeflowtest.Key{ID: "key_1", Secret: "CANARY"}
	for name, v := range map[string]any{
		"value": k, "pointer": &k, "nested": struct{ Keys []reeflowtest.Key }{[]reeflowtest.Key{k}}, "map": map[string]reeflowtest.Key{"k": k},
	} {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		assert.NotContains(t, string(b), "CANARY", name)
		assert.Contains(t, string(b), `{"ID":"key_1","Secret":"[REDACTED]"}`, name)
	}
	var out strings.Builder
	slog.New(slog.NewJSONHandler(&out, nil)).Info("key", "key", k)
	slog.New(slog.NewTextHandler(&out, nil)).Info("key", "key", k)
	assert.NotContains(t, out.String(), "CANARY")
	assert.Contains(t, out.String(), "key_1")
	assert.Equal(t, "CANARY", k.Secret, "the value is read explicitly")
}

func TestKeyNeverPrintsItsSecret(t *testing.T) {
	t.Parallel()
	k := reeflowtest.Key{ID: "key_1", Secret: "CANARY"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(verb, k), "CANARY", verb)
		assert.NotContains(t, fmt.Sprintf(verb, &k), "CANARY", verb)
	}
}

// A Server not made by NewServer or Start (a zero value, a nil pointer) says so from every
// method, instead of a nil dereference deep inside; Close does nothing, so a deferred Close of
// a Server whose creation failed is harmless.
func TestServerNotCreatedSaysSo(t *testing.T) {
	t.Parallel()
	const want = "reeflowtest: Server not created with NewServer or Start"
	for name, srv := range map[string]*reeflowtest.Server{"zero": {}, "nil": nil} {
		v := reflect.ValueOf(srv)
		for i := range v.NumMethod() {
			method := v.Type().Method(i)
			fn := v.Method(i)
			args := make([]reflect.Value, fn.Type().NumIn())
			for j := range args {
				args[j] = reflect.Zero(fn.Type().In(j))
			}
			var out []reflect.Value
			panicked := func() (p any) {
				defer func() { p = recover() }()
				if fn.Type().IsVariadic() {
					out = fn.CallSlice(args)
				} else {
					out = fn.Call(args)
				}
				return nil
			}()
			switch {
			case method.Name == "Close":
				assert.Nil(t, panicked, "%s Server: Close does nothing", name)
			case panicked != nil:
				assert.Contains(t, fmt.Sprint(panicked), want, "%s Server: %s", name, method.Name)
			default:
				last := out[len(out)-1]
				err, _ := last.Interface().(error)
				if assert.Error(t, err, "%s Server: %s neither failed nor panicked", name, method.Name) {
					assert.Equal(t, want, err.Error(), "%s Server: %s", name, method.Name)
				}
			}
		}
	}
}

package reeflow_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// fake starts a fake Reeflow server for an example; the examples call Close when done.
func fake() *reeflowtest.Server {
	srv, err := reeflowtest.Start()
	if err != nil {
		log.Fatal(err)
	}
	return srv
}

var postgres = reeflow.PostgresConfig{
	Host: "db.example.com", Port: 5432, Database: "analytics", User: "reeflow_reader", Password: "db-password", SSL: true,
}

// With no auth option, NewClient reads REEFLOW_API_KEY_ID, REEFLOW_API_KEY_SECRET and
// REEFLOW_BASE_URL. Here they point at a local fake server.
func ExampleNewClient() {
	srv, err := reeflowtest.Start(reeflowtest.WithoutTLS())
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	for name, value := range map[string]string{
		"REEFLOW_API_KEY_ID": srv.Key().ID, "REEFLOW_API_KEY_SECRET": srv.Key().Secret, "REEFLOW_BASE_URL": srv.URL,
	} {
		_ = os.Setenv(name, value)
		defer os.Unsetenv(name)
	}

	client, err := reeflow.NewClient()
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()
	conns, err := client.Connections.List(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("connections:", len(conns))
	// Output: connections: 0
}

// Without credentials anywhere, NewClient says which variables to set.
func ExampleNewClient_noCredentials() {
	_ = os.Unsetenv("REEFLOW_API_KEY_ID")
	_ = os.Unsetenv("REEFLOW_API_KEY_SECRET")
	_, err := reeflow.NewClient()
	fmt.Println(errors.Is(err, reeflow.ErrNoCredentials))
	fmt.Println(err)
	// Output:
	// true
	// reeflow: no credentials: set REEFLOW_API_KEY_ID and REEFLOW_API_KEY_SECRET, or pass WithBasicAuth, WithHMACAuth or WithCredentialsProvider
}

func ExampleWithBasicAuth() {
	srv := fake()
	defer srv.Close()
	key := srv.Key()
	client, err := reeflow.NewClient(
		reeflow.WithBaseURL(srv.URL),
		reeflow.WithHTTPClient(srv.HTTPClient()), // trusts the fake's certificate
		reeflow.WithBasicAuth(key.ID, key.Secret),
	)
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.Connections.List(context.Background())
	fmt.Println(err)
	// Output: <nil>
}

func ExampleWithHMACAuth() {
	srv := fake()
	defer srv.Close()
	key := srv.Key()
	client := srv.Client(reeflow.WithHMACAuth(key.ID, key.Secret))
	sess, err := client.Sessions.Create(context.Background(), reeflow.CreateSessionParams{UserID: "user_1"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sess.Token != "")
	// Output: true
}

// BasicAuth signs requests built by hand; CheckResponse turns their failures into typed errors.
func ExampleBasicAuth() {
	srv := fake()
	defer srv.Close()
	auth, err := reeflow.BasicAuth(srv.Key().ID, "not-the-secret")
	if err != nil {
		log.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"/connections", nil)
	if err := auth(req.Context(), req); err != nil {
		log.Fatal(err)
	}
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	err = reeflow.CheckResponse(resp)
	fmt.Println(errors.Is(err, reeflow.ErrInvalidAPIKeySecret))
	// Output: true
}

// HMACAuth signs a request built by hand: the key ID and a signature travel, the secret never does.
func ExampleHMACAuth() {
	sign, err := reeflow.HMACAuth("key_abc123xyz", "a1b2c3d4e5f6789abcdef0123456789abcdef0123456789abcdef0123456789abc")
	if err != nil {
		log.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "https://api.reeflow.com/connections", nil)
	if err := sign(req.Context(), req); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("X-API-Key: %s\n", req.Header.Get("X-API-Key"))
	fmt.Printf("X-API-Signature: %d hex characters\n", len(req.Header.Get("X-API-Signature")))
	fmt.Printf("Authorization: %q\n", req.Header.Get("Authorization"))
	// Output:
	// X-API-Key: key_abc123xyz
	// X-API-Signature: 64 hex characters
	// Authorization: ""
}

func ExampleConnectionsService_Create() {
	srv := fake()
	defer srv.Close()
	client := srv.Client()
	conn, err := client.Connections.Create(context.Background(), reeflow.CreateConnectionParams{Name: "Analytics", Config: postgres})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(conn.Name, conn.Type)
	fmt.Printf("%+v\n", conn.Config) // Reeflow never returns the password
	// Output:
	// Analytics pg
	// {Host:db.example.com Port:5432 Database:analytics User:reeflow_reader Password: SSL:true InsecureNoSSL:false}
}

func ExampleConnectionsService_List() {
	srv := fake()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()
	_, _ = client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "Analytics", Config: postgres})
	_, _ = client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "Events", Config: reeflow.TinybirdConfig{Host: "api.tinybird.co", Token: "p.token"}})

	conns, err := client.Connections.List(ctx)
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range conns {
		switch cfg := c.Config.(type) {
		case reeflow.PostgresConfig:
			fmt.Println(c.Name, "→ PostgreSQL at", cfg.Host)
		case reeflow.TinybirdConfig:
			fmt.Println(c.Name, "→ Tinybird at", cfg.Host)
		case reeflow.UnknownConfig:
			fmt.Println(c.Name, "→ a type this SDK does not know yet:", cfg.Type)
		}
	}
	// Output:
	// Analytics → PostgreSQL at db.example.com
	// Events → Tinybird at api.tinybird.co
}

func ExampleConnectionsService_Get() {
	srv := fake()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()
	created, _ := client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "Analytics", Config: postgres})

	conn, err := client.Connections.Get(ctx, created.ID)
	fmt.Println(conn.Name, err)
	_, err = client.Connections.Get(ctx, "conn_unknown")
	fmt.Println(errors.Is(err, reeflow.ErrNotFound))
	// Output:
	// Analytics <nil>
	// true
}

// Only the fields that are set are sent; a config without a password keeps the stored one.
func ExampleConnectionsService_Update() {
	srv := fake()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()
	created, _ := client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "Analytics", Config: postgres})

	name := "Analytics (replica)"
	replica := postgres
	replica.Host, replica.Password = "replica.example.com", ""
	conn, err := client.Connections.Update(ctx, created.ID, reeflow.UpdateConnectionParams{Name: &name, Config: replica})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(conn.Name, conn.Config.(reeflow.PostgresConfig).Host)
	fmt.Println("password kept:", srv.Connections()[0].Config.(reeflow.PostgresConfig).Password == postgres.Password)
	// Output:
	// Analytics (replica) replica.example.com
	// password kept: true
}

func ExampleConnectionsService_Delete() {
	srv := fake()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()
	created, _ := client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "Analytics", Config: postgres})
	fmt.Println(client.Connections.Delete(ctx, created.ID))
	fmt.Println(errors.Is(client.Connections.Delete(ctx, created.ID), reeflow.ErrNotFound))
	// Output:
	// <nil>
	// true
}

func ExampleSessionsService_Create() {
	srv := fake()
	defer srv.Close()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return now })
	client := srv.Client()

	sess, err := client.Sessions.Create(context.Background(), reeflow.CreateSessionParams{UserID: "user_1234", OrganizationID: "org_acme"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("expires:", sess.ExpiresAt) // one hour by default
	fmt.Printf("%v\n", sess)                // the token is a credential: printing hides it

	_, err = client.Sessions.Create(context.Background(), reeflow.CreateSessionParams{UserID: "user_1234", Expiration: now.Add(48 * time.Hour)})
	var bad *reeflow.BadRequestError
	if errors.As(err, &bad) {
		fmt.Println(bad.Code)
	}
	// Output:
	// expires: 2026-11-26 13:00:00 +0000 UTC
	// {[REDACTED] 2026-11-26 13:00:00 +0000 UTC}
	// INVALID_EXPIRATION
}

func ExampleAPIKeysService_List() {
	srv := fake()
	defer srv.Close()
	srv.AddKey("billing-service")
	client := srv.Client()
	keys, err := client.APIKeys.List(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	for _, k := range keys {
		fmt.Printf("%s enabled=%t used=%t\n", k.Name, k.Enabled, k.LastUsedAt != nil)
	}
	// Output:
	// default enabled=true used=true
	// billing-service enabled=true used=false
}

func ExampleAPIKeysService_Get() {
	srv := fake()
	defer srv.Close()
	other := srv.AddKey("billing-service")
	srv.DisableKey(other.ID)
	key, err := srv.Client().APIKeys.Get(context.Background(), other.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key.Name, key.Enabled)
	// Output: billing-service false
}

// Each row of Reeflow's documented authentication error table has its own sentinel.
func ExampleAPIError() {
	srv := fake()
	defer srv.Close()
	disabled := srv.AddKey("old")
	srv.DisableKey(disabled.ID)
	client := srv.Client(reeflow.WithBasicAuth(disabled.ID, disabled.Secret))

	_, err := client.Connections.List(context.Background())
	var apiErr *reeflow.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Message, apiErr.RequestID != "")
	}
	fmt.Println(errors.Is(err, reeflow.ErrAPIKeyDisabled), errors.Is(err, reeflow.ErrForbidden), errors.Is(err, reeflow.ErrInvalidAPIKey))
	// Output:
	// 403 API key is disabled true
	// true true false
}

// A 503 is retried with backoff; when retries run out the error still matches ErrServer.
func ExampleWithMaxRetries() {
	srv := fake()
	defer srv.Close()
	client := srv.Client(reeflow.WithMaxRetries(1))

	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	_, err := client.Connections.List(context.Background())
	fmt.Println(err)

	srv.FailNext(2, http.StatusServiceUnavailable, 0)
	_, err = client.Connections.List(context.Background())
	var apiErr *reeflow.APIError
	fmt.Println(errors.Is(err, reeflow.ErrServer), errors.As(err, &apiErr), strings.Contains(err.Error(), "giving up after 2 attempts"))
	// Output:
	// <nil>
	// true true true
}

// WithAttemptTimeout bounds each attempt; the context bounds the whole call.
func ExampleWithAttemptTimeout() {
	srv := fake()
	defer srv.Close()
	client := srv.Client(reeflow.WithAttemptTimeout(10 * time.Second))
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	_, err := client.Connections.List(ctx)
	fmt.Println(errors.Is(err, context.DeadlineExceeded))
	// Output: true
}

// Logs carry metadata only: never credentials, passwords, tokens or bodies.
func ExampleWithLogger() {
	srv := fake()
	defer srv.Close()
	quiet := func(_ []string, a slog.Attr) slog.Attr {
		switch a.Key {
		case "time", "duration", "request_id":
			return slog.Attr{} // drop what changes between runs
		}
		return a
	}
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: quiet}))
	client := srv.Client(reeflow.WithLogger(logger))
	_, _ = client.Connections.Create(context.Background(), reeflow.CreateConnectionParams{Name: "Analytics", Config: postgres})
	// Output:
	// level=DEBUG msg="reeflow: request" op="create connection" method=POST path=/connections attempt=1 status=201
}

// keyStore stands for a secret manager whose key is rotated while the program runs.
type keyStore struct {
	mu  sync.Mutex
	key reeflow.Credentials
}

func (s *keyStore) Credentials(context.Context) (reeflow.Credentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.key, nil
}

func (s *keyStore) set(k reeflowtest.Key) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.key = reeflow.Credentials{KeyID: k.ID, Secret: reeflow.NewSecret(k.Secret)}
}

func ExampleWithCredentialsProvider() {
	srv := fake()
	defer srv.Close()
	store := &keyStore{}
	store.set(srv.Key())
	client := srv.Client(reeflow.WithCredentialsProvider(store, reeflow.AuthHMAC))
	ctx := context.Background()
	_, err := client.Connections.List(ctx)
	fmt.Println("before rotation:", err)

	store.set(srv.AddKey("rotated")) // the secret manager now hands out the new key
	srv.DisableKey(srv.Key().ID)     // and the old one is disabled
	_, err = client.Connections.List(ctx)
	fmt.Println("after rotation:", err)
	// Output:
	// before rotation: <nil>
	// after rotation: <nil>
}

func ExampleSecret() {
	creds := reeflow.Credentials{KeyID: "key_abc123xyz", Secret: reeflow.NewSecret("a1b2c3")}
	fmt.Printf("%v\n%+v\n%#v\n", creds, creds, creds)
	fmt.Println(creds.Secret.Reveal()) // the value itself, where it is needed
	// Output:
	// {key_abc123xyz [REDACTED]}
	// {KeyID:key_abc123xyz Secret:[REDACTED]}
	// reeflow.Credentials{KeyID:"key_abc123xyz", Secret:[REDACTED]}
	// a1b2c3
}

func ExampleCredentials_Validate() {
	err := reeflow.Credentials{KeyID: "key_abc123xyz", Secret: reeflow.NewSecret("a1b2c3\n")}.Validate()
	fmt.Println(errors.Is(err, reeflow.ErrInvalidCredentials))
	fmt.Println(err)
	// Output:
	// true
	// reeflow: invalid credentials: API key secret ends with a line break (often left by an env file or `echo`)
}

func ExampleWithBaseURL() {
	_, err := reeflow.NewClient(reeflow.WithBaseURL("http://api.reeflow.com"), reeflow.WithBasicAuth("key_abc123xyz", "a1b2c3"))
	fmt.Println(errors.Is(err, reeflow.ErrInsecureBaseURL))
	_, err = reeflow.NewClient(reeflow.WithBaseURL("http://127.0.0.1:4010"), reeflow.WithBasicAuth("key_abc123xyz", "a1b2c3"))
	fmt.Println(err)
	// Output:
	// true
	// <nil>
}

// CheckResponse gives requests built by hand the SDK's typed errors.
func ExampleCheckResponse() {
	srv := fake()
	defer srv.Close()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"/connections", nil)
	req.Header.Set("Authorization", "Basic not-base64!")
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	err = reeflow.CheckResponse(resp)
	var apiErr *reeflow.APIError
	fmt.Println(errors.Is(err, reeflow.ErrInvalidBasicAuthFormat), errors.As(err, &apiErr), apiErr.Message)
	// Output: true true Invalid Basic auth format
}

// A request editor adds headers to every request; it runs before authentication, so a
// signature covers what it adds.
func ExampleWithRequestEditor() {
	srv := fake()
	defer srv.Close()
	key := srv.Key()
	traced := func(_ context.Context, req *http.Request) error {
		req.Header.Set("X-Trace-Id", "trace-123")
		return nil
	}
	client := srv.Client(reeflow.WithHMACAuth(key.ID, key.Secret), reeflow.WithRequestEditor(traced), reeflow.WithUserAgent("billing/1.4"))
	_, err := client.Connections.List(context.Background())
	fmt.Println(err)
	// Output: <nil>
}

// A connection of a type this SDK does not know yet decodes as UnknownConfig, and one can be
// created from raw JSON.
func ExampleUnknownConfig() {
	var conn reeflow.Connection
	err := json.Unmarshal([]byte(`{"id":"conn_1","name":"Warehouse","type":"clickhouse",
		"config":{"account":"acme","warehouse":"analytics"},
		"created_at":"2026-11-26T12:00:00Z","updated_at":"2026-11-26T12:00:00Z"}`), &conn)
	if err != nil {
		log.Fatal(err)
	}
	if cfg, ok := conn.Config.(reeflow.UnknownConfig); ok {
		fmt.Println(cfg.Type, string(cfg.Raw))
	}
	fmt.Printf("%v\n", conn.Config) // printing shows the size, not the content, which may hold credentials
	// Output:
	// clickhouse {"account":"acme","warehouse":"analytics"}
	// {clickhouse [42 bytes]}
}

// Do calls an endpoint that Reeflow documents and this SDK does not model yet — here embedded
// users, served by the fake through Server.Handle — with the client's authentication (HMAC,
// signed per attempt), retries and typed errors.
func ExampleClient_Do_unmodeledEndpoint() {
	srv := fake()
	defer srv.Close()
	srv.Handle(http.MethodPut, "/embedded-users/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": r.PathValue("id"), "email": body["email"]})
	}))
	client := srv.Client(reeflow.WithHMACAuth(srv.Key().ID, srv.Key().Secret))

	var user struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	}
	err := client.Do(context.Background(), http.MethodPut, "embedded-users/"+url.PathEscape("u_42"),
		map[string]string{"email": "ada@example.com"}, &user)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(user.ID, user.Email)
	fmt.Println(srv.Requests()[0].AuthMode) // the fake checked the signature
	// Output:
	// u_42 ada@example.com
	// hmac
}

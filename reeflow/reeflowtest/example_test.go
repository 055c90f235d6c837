package reeflowtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// In a test, NewServer starts the fake and closes it when the test ends.
func ExampleNewServer() {
	_ = func(t *testing.T) {
		srv := reeflowtest.NewServer(t)
		client := srv.Client()
		conns, err := client.Connections.List(context.Background())
		if err != nil || len(conns) != 0 {
			t.Fatal(conns, err)
		}
	}
}

func ExampleStart() {
	srv, err := reeflowtest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	fmt.Println(strings.HasPrefix(srv.URL, "https://127.0.0.1:"), strings.HasPrefix(srv.Key().ID, "key_"))
	// Output: true true
}

// WithoutTLS serves plain HTTP on loopback, for curl, browsers and other non-Go clients.
func ExampleWithoutTLS() {
	srv, err := reeflowtest.Start(reeflowtest.WithoutTLS(), reeflowtest.WithKey("key_local", "local-secret"))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"/connections", nil)
	req.SetBasicAuth("key_local", "local-secret") // what curl -u sends
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))
	// Output: 200 application/json
}

// FailNext makes the next requests fail before anything else, to test how code copes.
func ExampleServer_FailNext() {
	srv, _ := reeflowtest.Start()
	defer srv.Close()
	client := srv.Client(reeflow.WithMaxRetries(0))

	srv.FailNext(1, http.StatusTooManyRequests, 30*time.Second)
	_, err := client.Connections.List(context.Background())
	var apiErr *reeflow.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.RetryAfter, errors.Is(err, reeflow.ErrRateLimited))
	}
	_, err = client.Connections.List(context.Background())
	fmt.Println(err)
	// Output:
	// 429 30s true
	// <nil>
}

// Requests shows what the code under test sent: here a create, whose token is redacted, as
// every credential and secret is.
func ExampleServer_Requests() {
	srv, _ := reeflowtest.Start()
	defer srv.Close()
	_, _ = srv.Client().Connections.Create(context.Background(), reeflow.CreateConnectionParams{
		Name: "Events", Config: reeflow.TinybirdConfig{Host: "api.tinybird.co", Token: "p.secret-token"},
	})
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Path, r.Status, r.AuthMode, r.KeyID == srv.Key().ID)
		fmt.Println(r.Header.Get("Authorization"))
		fmt.Println(string(r.Body))
	}
	// Output:
	// POST /connections 201 basic true
	// Basic [REDACTED]
	// {"config":{"host":"api.tinybird.co","token":"[REDACTED]"},"name":"Events","type":"tinybird"}
}

// WithRequestLogLimit bounds the requests log to the most recent requests.
func ExampleWithRequestLogLimit() {
	srv, _ := reeflowtest.Start(reeflowtest.WithRequestLogLimit(2))
	defer srv.Close()
	client := srv.Client()
	for _, id := range []string{"conn_1", "conn_2", "conn_3"} {
		_, _ = client.Connections.Get(context.Background(), id)
	}
	for _, r := range srv.Requests() {
		fmt.Println(r.Path, r.Status)
	}
	// Output:
	// /connections/conn_2 404
	// /connections/conn_3 404
}

// AddFault fails one route only: the create fails once, the list is not affected.
func ExampleServer_AddFault() {
	srv, _ := reeflowtest.Start()
	defer srv.Close()
	client := srv.Client(reeflow.WithMaxRetries(0))
	srv.AddFault(reeflowtest.Fault{Method: "POST", Path: "/connections", Times: 1, Status: 503, RetryAfter: 30 * time.Second})

	_, err := client.Connections.Create(context.Background(), reeflow.CreateConnectionParams{
		Name: "Events", Config: reeflow.TinybirdConfig{Host: "api.tinybird.co", Token: "p.token"},
	})
	var apiErr *reeflow.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.RetryAfter)
	}
	_, err = client.Connections.List(context.Background())
	fmt.Println(err)
	// Output:
	// 503 30s
	// <nil>
}

// A Delay makes the server slow, to test timeouts; the wait ends when the client gives up.
func ExampleServer_AddFault_delay() {
	srv, _ := reeflowtest.Start()
	defer srv.Close()
	srv.AddFault(reeflowtest.Fault{Path: "/connections", Delay: time.Hour})
	client := srv.Client(reeflow.WithAttemptTimeout(50*time.Millisecond), reeflow.WithMaxRetries(0))
	_, err := client.Connections.List(context.Background())
	fmt.Println(errors.Is(err, context.DeadlineExceeded))
	// Output: true
}

// Drop reads the request and closes the connection without answering. The SDK does not send a
// create again, since the server may have acted on it; a list, safe to repeat, is retried.
func ExampleServer_AddFault_drop() {
	srv, _ := reeflowtest.Start()
	defer srv.Close()
	client := srv.Client()
	srv.AddFault(reeflowtest.Fault{Method: "POST", Path: "/connections", Times: 1, Drop: true})
	srv.AddFault(reeflowtest.Fault{Method: "GET", Path: "/connections", Times: 1, Drop: true})

	_, err := client.Connections.Create(context.Background(), reeflow.CreateConnectionParams{
		Name: "Events", Config: reeflow.TinybirdConfig{Host: "api.tinybird.co", Token: "p.token"},
	})
	fmt.Println(err != nil)
	_, err = client.Connections.List(context.Background())
	fmt.Println(err)
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Path, r.Status)
	}
	// Output:
	// true
	// <nil>
	// POST /connections 0
	// GET /connections 0
	// GET /connections 200
}

// SeedConnection starts a test from existing state, with the IDs and dates it chooses.
func ExampleServer_SeedConnection() {
	srv, _ := reeflowtest.Start()
	defer srv.Close()
	_, err := srv.SeedConnection(reeflow.Connection{
		ID: "conn_warehouse", Name: "Warehouse", CreatedAt: time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC),
		Config: reeflow.PostgresConfig{Host: "db.internal", Port: 5432, Database: "dw", User: "bi", Password: "pw"},
	})
	if err != nil {
		log.Fatal(err)
	}
	c, err := srv.Client().Connections.Get(context.Background(), "conn_warehouse")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Name, c.CreatedAt.Format(time.DateOnly), c.Config.(reeflow.PostgresConfig).Password == "")
	// Output: Warehouse 2025-01-02 true
}

// SeedAPIKey stores a key with the dates a test needs, such as one unused for months.
func ExampleServer_SeedAPIKey() {
	srv, _ := reeflowtest.Start()
	defer srv.Close()
	lastUsed := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	_, err := srv.SeedAPIKey(reeflow.APIKey{
		ID: "key_old_cron", Name: "old-cron", Enabled: true,
		CreatedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), LastUsedAt: &lastUsed,
	})
	if err != nil {
		log.Fatal(err)
	}
	k, err := srv.Client().APIKeys.Get(context.Background(), "key_old_cron")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(k.Name, k.LastUsedAt.Format(time.DateOnly))
	// Output: old-cron 2025-03-01
}

// Handle fakes an endpoint the SDK does not model, behind the fake's authentication.
func ExampleServer_Handle() {
	srv, _ := reeflowtest.Start()
	defer srv.Close()
	srv.Handle("GET", "/dashboards/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%q,"title":"Revenue"}`+"\n", r.PathValue("id"))
	}))
	get := func(authenticate reeflow.RequestEditorFn) {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"/dashboards/dash_1", nil)
		if authenticate != nil {
			_ = authenticate(context.Background(), req)
		}
		resp, err := srv.HTTPClient().Do(req)
		if err != nil {
			log.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		fmt.Print(resp.StatusCode, " ", string(body))
	}
	key := srv.Key()
	hmac, _ := reeflow.HMACAuth(key.ID, key.Secret)
	get(hmac)
	get(nil)
	// Output:
	// 200 {"id":"dash_1","title":"Revenue"}
	// 401 {"message":"Missing credentials","error":"Unauthorized","statusCode":401}
}

// WithTimeouts sets how long a client may take to send a request and to keep an idle
// connection, here shorter than the defaults (10 s and 60 s).
func ExampleWithTimeouts() {
	srv, err := reeflowtest.Start(reeflowtest.WithTimeouts(2*time.Second, 5*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	_, err = srv.Client().Connections.List(context.Background())
	fmt.Println(err)
	_, err = reeflowtest.Start(reeflowtest.WithTimeouts(0, time.Second))
	fmt.Println(err)
	// Output:
	// <nil>
	// reeflowtest: WithTimeouts: timeouts must be positive, not 0s and 1s
}

// A Key encodes its secret redacted, as it prints; the value is read as k.Secret.
func ExampleKey_MarshalJSON() {
	b, _ := json.Marshal(reeflowtest.Key{ID: "key_local", Secret: "local-secret"})
	fmt.Println(string(b))
	// Output: {"ID":"key_local","Secret":"[REDACTED]"}
}

func ExampleServer_DisableKey() {
	srv, _ := reeflowtest.Start()
	defer srv.Close()
	client := srv.Client()
	srv.DisableKey(srv.Key().ID)
	_, err := client.Connections.List(context.Background())
	fmt.Println(errors.Is(err, reeflow.ErrAPIKeyDisabled))
	srv.EnableKey(srv.Key().ID)
	_, err = client.Connections.List(context.Background())
	fmt.Println(err)
	// Output:
	// true
	// <nil>
}

// SetClock moves the server's clock: here the client's HMAC timestamps are 10 minutes behind,
// and the client corrects them from the server's Date header.
func ExampleServer_SetClock() {
	srv, _ := reeflowtest.Start()
	defer srv.Close()
	srv.SetClock(func() time.Time { return time.Now().Add(10 * time.Minute) })
	key := srv.Key()
	_, err := srv.Client(reeflow.WithHMACAuth(key.ID, key.Secret)).Connections.List(context.Background())
	fmt.Println(err)
	// Output: <nil>
}

// Connections shows what was stored, secrets included, which the API never returns.
func ExampleServer_Connections() {
	srv, _ := reeflowtest.Start()
	defer srv.Close()
	_, _ = srv.Client().Connections.Create(context.Background(), reeflow.CreateConnectionParams{
		Name: "Events", Config: reeflow.TinybirdConfig{Host: "api.tinybird.co", Token: "p.secret-token"},
	})
	stored := srv.Connections()[0]
	fmt.Println(stored.Name, stored.Config.(reeflow.TinybirdConfig).Token)
	// Output: Events p.secret-token
}

func ExampleServer_AddKey() {
	srv, _ := reeflowtest.Start()
	defer srv.Close()
	k := srv.AddKey("billing-service")
	fmt.Printf("%v\n", k.Secret != "")
	fmt.Printf("%+v\n", reeflowtest.Key{ID: "key_x", Secret: k.Secret}) // printing a Key hides its secret
	// Output:
	// true
	// {ID:key_x Secret:[REDACTED]}
}

package reeflowtest_test

import (
	"context"
	"errors"
	"fmt"
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

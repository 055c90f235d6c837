package embedding_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/embedding"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// fakeClient returns a client of a fake Reeflow server, and a function that stops it. In
// production, the client is reeflow.NewClient().
func fakeClient() (*reeflow.Client, func()) {
	srv, err := reeflowtest.Start()
	if err != nil {
		log.Fatal(err)
	}
	client := srv.Client()
	return client, func() { client.CloseIdleConnections(); srv.Close() }
}

// One cache per client, shared by every request: a user's token is reused across page views
// until it has less than the refresh margin left.
func ExampleNewCache() {
	client, stop := fakeClient()
	defer stop()

	cache, err := embedding.NewCache(client.Sessions,
		embedding.WithRefreshMargin(10*time.Minute),
		embedding.WithSessionLifetime(2*time.Hour),
		embedding.WithPageViewBudget(3*time.Second),                         // default 5 s
		embedding.WithMaxRetries(1),                                         // default: no retry
		embedding.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, nil))), // default slog.Default()
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cache)

	_, err = embedding.NewCache(client.Sessions, embedding.WithSessionLifetime(48*time.Hour))
	fmt.Println(err)
	// Output:
	// embedding.Cache{Cached:0 Max:10000 RefreshMargin:10m0s}
	// embedding: NewCache: WithSessionLifetime: must be more than 0 and at most 24h, not 48h0m0s
}

// Get returns the same token for the same user, organization and attributes, and refuses
// parameters Reeflow would refuse before sending anything.
func ExampleCache_Get() {
	client, stop := fakeClient()
	defer stop()
	cache, err := embedding.NewCache(client.Sessions)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	alice := reeflow.CreateSessionParams{UserID: "user_1234", OrganizationID: "org_acme",
		UserAttributes: reeflow.Attributes{"region": "eu", "max_level": 3}}

	first, err := cache.Get(ctx, alice)
	if err != nil {
		log.Fatal(err)
	}
	second, err := cache.Get(ctx, alice)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("second page view, same token:", second.Token == first.Token)
	fmt.Println(cache)

	_, err = cache.Get(ctx, reeflow.CreateSessionParams{UserID: "user_1234", UserAttributes: reeflow.Attributes{"regions": []string{"eu"}}})
	fmt.Println(errors.Is(err, embedding.ErrInvalidSessionParams))
	fmt.Println(err)
	// Output:
	// second page view, same token: true
	// embedding.Cache{Cached:1 Max:10000 RefreshMargin:5m0s}
	// true
	// embedding: invalid session parameters: user attribute "regions": value is a []string, not a string, number or boolean
}

// The handler is the endpoint the embedding page fetches its token from. The resolve function
// says who is logged in, from the application's own session.
func ExampleNewHandler() {
	client, stop := fakeClient()
	defer stop()
	cache, err := embedding.NewCache(client.Sessions)
	if err != nil {
		log.Fatal(err)
	}

	resolve := func(r *http.Request) (reeflow.CreateSessionParams, error) {
		cookie, err := r.Cookie("app_session")
		if err != nil {
			return reeflow.CreateSessionParams{}, embedding.ErrNotLoggedIn
		}
		user := cookie.Value // a real application looks its session up
		return reeflow.CreateSessionParams{UserID: user, UserAttributes: reeflow.Attributes{"region": "eu"}}, nil
	}
	handler, err := embedding.NewHandler(cache.Get, resolve)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/reeflow/session", http.NewCrossOriginProtection().Handler(handler))
	app := httptest.NewServer(mux)
	defer app.Close()

	for _, cookie := range []string{"", "app_session=user_1234"} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, app.URL+"/reeflow/session", nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		resp, err := app.Client().Do(req)
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("Cache-Control"), strings.HasPrefix(string(body), `{"token":"eyJ`))
	}
	// Output:
	// 401 no-store false
	// 200 no-store true
}

// mapStore is a Store for one process, to show the interface: a fleet uses redisstore, whose
// leases and values every instance shares.
type mapStore struct {
	mu     sync.Mutex
	values map[string]mapValue
}

type mapValue struct {
	b       []byte
	expires time.Time
}

func (s *mapStore) Get(_ context.Context, key string) ([]byte, time.Duration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.values[key]
	ttl := time.Until(v.expires)
	if !ok || ttl <= 0 {
		return nil, 0, nil
	}
	return v.b, ttl, nil
}

func (s *mapStore) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[key] = mapValue{b: value, expires: time.Now().Add(ttl)} // a real store also drops it then
	return nil
}

func (s *mapStore) Lease(context.Context, string, time.Duration) (func(), bool, error) {
	return func() {}, true, nil // one process: the Cache already makes one call per key
}

// A Cache keeps its tokens in the Store it is given: instances that share one mint one token
// per user between them.
func ExampleWithStore() {
	client, stop := fakeClient()
	defer stop()
	store := &mapStore{values: map[string]mapValue{}}
	one, err := embedding.NewCache(client.Sessions, embedding.WithStore(store))
	if err != nil {
		log.Fatal(err)
	}
	two, err := embedding.NewCache(client.Sessions, embedding.WithStore(store))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	alice := reeflow.CreateSessionParams{UserID: "user_1234"}
	first, err := one.Get(ctx, alice)
	if err != nil {
		log.Fatal(err)
	}
	second, err := two.Get(ctx, alice)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("the second instance serves the first one's token:", second.Token == first.Token)
	for key := range store.values {
		fmt.Println("key:", len(key), "hex digits")
	}
	// Output:
	// the second instance serves the first one's token: true
	// key: 64 hex digits
}

package reeflow_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/reeflow/reeflow-go/reeflow"
)

// Attributes carry the values Reeflow's row filters read with RF_USER_ATTR('name'). Values of
// the wrong type are refused before anything is sent, naming the attribute.
func ExampleAttributes() {
	srv := fake()
	defer srv.Close()
	client := srv.Client()

	sess, err := client.Sessions.Create(context.Background(), reeflow.CreateSessionParams{
		UserID:                 "user_1234",
		UserAttributes:         reeflow.Attributes{"region": "eu", "max_level": 3, "is_manager": true},
		OrganizationID:         "org_acme",
		OrganizationAttributes: reeflow.Attributes{"plan": "enterprise"},
	})
	if err != nil {
		log.Fatal(err)
	}
	claims, _ := srv.ParseSessionToken(sess.Token)
	fmt.Println(claims.UserAttributes["region"], claims.UserAttributes["max_level"], claims.OrganizationAttributes["plan"])

	_, err = client.Sessions.Create(context.Background(), reeflow.CreateSessionParams{
		UserID: "user_1234", UserAttributes: reeflow.Attributes{"regions": []string{"eu", "us"}},
	})
	fmt.Println(errors.Is(err, reeflow.ErrInvalidSessionParams))
	fmt.Println(err)
	// Output:
	// eu 3 enterprise
	// true
	// reeflow: create session: user attribute "regions": value is a []string, not a string, number or boolean
}

// A SessionCache reuses a user's token across page views, until it has less than the refresh
// margin left.
func ExampleNewSessionCache() {
	srv := fake()
	defer srv.Close()
	clock := &simClock{now: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)} // a test clock, moved by hand
	srv.SetClock(clock.Now)
	client := srv.Client()

	cache := reeflow.NewSessionCache(client.Sessions,
		reeflow.WithRefreshMargin(10*time.Minute),
		reeflow.WithCacheClock(clock.Now), // leave it out in production
	)
	user := reeflow.CreateSessionParams{UserID: "user_1234", UserAttributes: reeflow.Attributes{"region": "eu"}}
	first, _ := cache.Get(context.Background(), user)
	clock.Advance(49 * time.Minute)
	second, _ := cache.Get(context.Background(), user)
	clock.Advance(time.Minute)
	third, _ := cache.Get(context.Background(), user)

	fmt.Println("second page view, same token:", second.Token == first.Token)
	fmt.Println("10 minutes left, new token:", third.Token != first.Token, third.ExpiresAt)
	// Output:
	// second page view, same token: true
	// 10 minutes left, new token: true 2026-11-26 13:50:00 +0000 UTC
}

func ExampleSessionCache_Get() {
	srv := fake()
	defer srv.Close()
	cache := reeflow.NewSessionCache(srv.Client().Sessions)

	sess, err := cache.Get(context.Background(), reeflow.CreateSessionParams{UserID: "user_1234", OrganizationID: "org_acme"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%v\n", sess.Token != "")
	fmt.Println(cache)

	_, err = cache.Get(context.Background(), reeflow.CreateSessionParams{UserID: "user_1234", Expiration: time.Now().Add(time.Hour)})
	fmt.Println(err)
	// Output:
	// true
	// reeflow.SessionCache{Cached:1 Max:10000 RefreshMargin:5m0s}
	// reeflow: create session: the session cache chooses Expiration and NotBefore (see WithSessionLifetime): leave them zero
}

// SessionHandler is the endpoint the embedding page fetches its token from. The resolver
// says who is logged in, from the application's own session.
func ExampleSessionHandler() {
	srv := fake()
	defer srv.Close()
	cache := reeflow.NewSessionCache(srv.Client().Sessions)

	resolve := func(r *http.Request) (reeflow.CreateSessionParams, error) {
		cookie, err := r.Cookie("app_session")
		if err != nil {
			return reeflow.CreateSessionParams{}, reeflow.ErrNotLoggedIn
		}
		user := cookie.Value // a real application looks the session up
		return reeflow.CreateSessionParams{UserID: user, UserAttributes: reeflow.Attributes{"region": "eu"}}, nil
	}
	mux := http.NewServeMux()
	mux.Handle("/reeflow/session", reeflow.SessionHandler(cache.Get, resolve))
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

package embedding_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/embedding"
)

func TestNewCacheRefusesBadOptions(t *testing.T) {
	t.Parallel()
	sessions := newFixture(t).client.Sessions
	for name, tc := range map[string]struct {
		sessions *reeflow.SessionsService
		opts     []embedding.Option
		want     string
	}{
		"nil SessionsService":  {nil, nil, "embedding: NewCache: nil SessionsService: pass client.Sessions"},
		"zero SessionsService": {&reeflow.SessionsService{}, nil, "embedding: NewCache: zero SessionsService"},
		"zero margin":          {sessions, []embedding.Option{embedding.WithRefreshMargin(0)}, "embedding: NewCache: WithRefreshMargin: 0s is not positive"},
		"negative margin":      {sessions, []embedding.Option{embedding.WithRefreshMargin(-time.Minute)}, "embedding: NewCache: WithRefreshMargin: -1m0s is not positive"},
		"no entries":           {sessions, []embedding.Option{embedding.WithMaxCachedSessions(0)}, "embedding: NewCache: WithMaxCachedSessions: 0 is less than 1"},
		"zero lifetime":        {sessions, []embedding.Option{embedding.WithSessionLifetime(0)}, "embedding: NewCache: WithSessionLifetime: must be more than 0 and at most 24h, not 0s"},
		"lifetime too long":    {sessions, []embedding.Option{embedding.WithSessionLifetime(24*time.Hour + time.Second)}, "embedding: NewCache: WithSessionLifetime: must be more than 0 and at most 24h, not 24h0m1s"},
		"a Handler's methods":  {sessions, []embedding.Option{embedding.WithAllowedMethods(http.MethodGet)}, "embedding: NewCache: WithAllowedMethods does not configure a Cache"},
		"nil store":            {sessions, []embedding.Option{embedding.WithStore(nil)}, "embedding: NewCache: WithStore: nil Store"},
		"nil *Store":           {sessions, []embedding.Option{embedding.WithStore((*fakeStore)(nil))}, "embedding: NewCache: WithStore: nil Store"},
		"zero logger":          {sessions, []embedding.Option{embedding.WithLogger(&slog.Logger{})}, "embedding: NewCache: WithLogger: the slog.Logger has no Handler (pass nil to turn logging off)"},
		"nil handler's logger": {sessions, []embedding.Option{embedding.WithLogger(slog.New((*slog.JSONHandler)(nil)))}, "embedding: NewCache: WithLogger: the slog.Logger has no Handler"},
		"zero budget":          {sessions, []embedding.Option{embedding.WithPageViewBudget(0)}, "embedding: NewCache: WithPageViewBudget: 0s is not positive"},
		"negative retries":     {sessions, []embedding.Option{embedding.WithMaxRetries(-1)}, "embedding: NewCache: WithMaxRetries: negative count -1"},
		"a bad one after good": {sessions, []embedding.Option{embedding.WithMaxCachedSessions(5), embedding.WithRefreshMargin(-1)}, "WithRefreshMargin: -1ns is not positive"},
	} {
		cache, err := embedding.NewCache(tc.sessions, tc.opts...)
		require.ErrorContains(t, err, tc.want, name)
		assert.Nil(t, cache, name)
	}

	cache, err := embedding.NewCache(sessions, embedding.WithRefreshMargin(time.Minute), embedding.WithMaxCachedSessions(1),
		embedding.WithSessionLifetime(24*time.Hour), embedding.WithMaxRetries(0))
	require.NoError(t, err, "the limits themselves are accepted")
	assert.Equal(t, "embedding.Cache{Cached:0 Max:1 RefreshMargin:1m0s}", fmt.Sprint(cache))
}

func TestNewHandlerRefusesBadOptions(t *testing.T) {
	t.Parallel()
	mint := func(context.Context, reeflow.CreateSessionParams) (*reeflow.Session, error) { return nil, nil }
	resolve := loggedInAs(nil)
	for name, tc := range map[string]struct {
		mint    func(context.Context, reeflow.CreateSessionParams) (*reeflow.Session, error)
		resolve func(*http.Request) (reeflow.CreateSessionParams, error)
		opts    []embedding.Option
		want    string
	}{
		"nil mint":           {nil, resolve, nil, "embedding: NewHandler: nil mint function"},
		"nil resolve":        {mint, nil, nil, "embedding: NewHandler: nil resolve function"},
		"method DELETE":      {mint, resolve, []embedding.Option{embedding.WithAllowedMethods("DELETE")}, `embedding: NewHandler: WithAllowedMethods: "DELETE": the handler answers GET and POST only`},
		"lower-case get":     {mint, resolve, []embedding.Option{embedding.WithAllowedMethods("get")}, `WithAllowedMethods: "get"`},
		"no method":          {mint, resolve, []embedding.Option{embedding.WithAllowedMethods()}, "embedding: NewHandler: WithAllowedMethods: no method"},
		"a Cache's margin":   {mint, resolve, []embedding.Option{embedding.WithRefreshMargin(time.Minute)}, "embedding: NewHandler: WithRefreshMargin does not configure a Handler"},
		"a Cache's bound":    {mint, resolve, []embedding.Option{embedding.WithMaxCachedSessions(1)}, "WithMaxCachedSessions does not configure a Handler"},
		"a Cache's lifetime": {mint, resolve, []embedding.Option{embedding.WithSessionLifetime(time.Hour)}, "WithSessionLifetime does not configure a Handler"},
		"zero logger":        {mint, resolve, []embedding.Option{embedding.WithLogger(&slog.Logger{})}, "embedding: NewHandler: WithLogger: the slog.Logger has no Handler"},
	} {
		h, err := embedding.NewHandler(tc.mint, tc.resolve, tc.opts...)
		require.ErrorContains(t, err, tc.want, name)
		assert.Nil(t, h, name)
	}
}

// TestWithAllowedMethodsCopiesItsArguments: the option keeps the methods as they were when it
// was made.
func TestWithAllowedMethodsCopiesItsArguments(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	methods := []string{http.MethodGet}
	opt := embedding.WithAllowedMethods(methods...)
	methods[0] = "DELETE"
	h, err := embedding.NewHandler(f.cache(t).Get, loggedInAs(nil), opt)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, call(t, h, http.MethodGet, "alice").status)
}

// TestNilOptionsAreSkipped: as in package reeflow, a nil Option (a conditional option left
// unset) is skipped, and WithLogger(nil) logs nothing.
func TestNilOptionsAreSkipped(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cache, err := embedding.NewCache(f.client.Sessions, nil)
	require.NoError(t, err)
	h, err := embedding.NewHandler(cache.Get, loggedInAs(nil), nil, embedding.WithLogger(nil))
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, call(t, h, http.MethodPost, "").status)

	//nolint:staticcheck // a nil context on purpose
	_, err = cache.Get(nil, reeflow.CreateSessionParams{UserID: "u_1"})
	assert.EqualError(t, err, "embedding: Cache.Get: nil context")
}

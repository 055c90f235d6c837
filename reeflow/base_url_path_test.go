package reeflow_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// A base URL whose path holds an escape (a gateway that routes on "/a%2Fb") keeps it as
// written on the wire: decoding it would send the request to another route.
func TestBaseURLWithEscapedPathKeepsItsEscapes(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var last string
	srv := newPlainServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		last = r.URL.EscapedPath()
		mu.Unlock()
		reply(200, `[]`)(w, r)
	})
	lastPath := func() string { mu.Lock(); defer mu.Unlock(); return last }
	for base, want := range map[string]string{
		"/a%2Fb":  "/a%2Fb/connections",
		"/a%2Fb/": "/a%2Fb/connections",
		"/v%3B1":  "/v%3B1/connections",
	} {
		client, err := reeflow.NewClient(reeflow.WithBaseURL(srv.URL+base), reeflow.WithHTTPClient(srv.Client()),
			reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithMaxRetries(0))
		require.NoError(t, err, base)

		_, err = client.Connections.List(context.Background())
		require.NoError(t, err, base)
		assert.Equal(t, want, lastPath(), "a service method below %s", base)

		require.NoError(t, client.Do(context.Background(), http.MethodGet, "connections", nil, nil), base)
		assert.Equal(t, want, lastPath(), "Client.Do below %s", base)
	}
}

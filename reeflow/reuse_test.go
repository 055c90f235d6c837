package reeflow_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// TestDefaultClientReusesConnections: with the SDK's own transport, 32 goroutines making 50
// requests each open at most 32 TCP connections. net/http's default transport keeps only 2 idle
// connections per host and would dial again for most requests.
func TestDefaultClientReusesConnections(t *testing.T) {
	t.Parallel()
	var opened atomic.Int32
	srv := httptest.NewUnstartedServer(reply(200, `[]`))
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	client, err := reeflow.NewClient(reeflow.WithBaseURL(srv.URL), reeflow.WithBasicAuth(docKeyID, docSecret)) // no WithHTTPClient
	require.NoError(t, err)
	defer client.CloseIdleConnections()

	const goroutines, requests = 32, 50
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range requests {
				_, err := client.Connections.List(context.Background())
				if !assert.NoError(t, err) {
					return
				}
			}
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, opened.Load(), int32(goroutines), "connections opened for %d requests", goroutines*requests)
	t.Logf("%d requests over %d connections", goroutines*requests, opened.Load())
}

package fakeoverride_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/reeflow/reeflow-go/internal/fakeoverride"
	"github.com/reeflow/reeflow-go/internal/hmacsig"
	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestApplyNeedsAFakeServer(t *testing.T) {
	t.Parallel()
	err := fakeoverride.Apply(&http.Server{}, fakeoverride.Overrides{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "*http.Server")
	require.Error(t, fakeoverride.Apply((*reeflowtest.Server)(nil), fakeoverride.Overrides{}))
}

func TestRespondRewritesResponses(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	require.NoError(t, fakeoverride.Apply(srv, fakeoverride.Overrides{
		Respond: func(r *http.Request, resp *fakeoverride.Response) {
			if r.URL.Path == "/connections" {
				resp.Status, resp.Body = http.StatusTeapot, []byte(`{"message":"short and stout"}`)
			}
		},
	}))
	_, err := srv.Client(reeflow.WithMaxRetries(0)).Connections.List(context.Background())
	var apiErr *reeflow.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusTeapot, apiErr.StatusCode)
	assert.Equal(t, "short and stout", apiErr.Message)

	require.NoError(t, fakeoverride.Apply(srv, fakeoverride.Overrides{}))
	_, err = srv.Client().Connections.List(context.Background())
	require.NoError(t, err, "applying the zero Overrides restores the fake's own behaviour")
}

// TestCanonicalReplacesTheVerifiersDefinition: with another variant, the fake refuses the
// SDK's signature and accepts that variant's.
func TestCanonicalReplacesTheVerifiersDefinition(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	other := hmacsig.Candidates()[3]
	require.NotEqual(t, hmacsig.Default.Name, other.Name)
	require.NoError(t, fakeoverride.Apply(srv, fakeoverride.Overrides{Canonical: &other}))
	key := srv.Key()

	_, err := srv.Client(reeflow.WithHMACAuth(key.ID, key.Secret), reeflow.WithMaxRetries(0)).Connections.List(context.Background())
	var apiErr *reeflow.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)

	now := time.Now().Unix()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"/connections", nil)
	require.NoError(t, err)
	canonical := other.Append(nil, &hmacsig.Message{Method: http.MethodGet, EscapedPath: "/connections", Unix: now})
	req.Header.Set(hmacsig.HeaderKey, key.ID)
	req.Header.Set(hmacsig.HeaderTimestamp, strconv.FormatInt(now, 10))
	req.Header.Set(hmacsig.HeaderSignature, string(hmacsig.NewKey([]byte(key.Secret)).AppendSignature(nil, canonical)))
	resp, err := srv.HTTPClient().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, http.StatusOK, resp.StatusCode, string(body))
}

package fakeoverride_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
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

// newProxy starts a proxy with o in front of srv, closed before srv is.
func newProxy(t *testing.T, srv *reeflowtest.Server, o fakeoverride.Overrides) *fakeoverride.Proxy {
	t.Helper()
	p, err := fakeoverride.NewProxy(srv, o)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

// client is a client of the proxy that does not retry, authenticated with opt.
func client(t *testing.T, p *fakeoverride.Proxy, opt reeflow.Option) *reeflow.Client {
	t.Helper()
	c, err := reeflow.NewClient(reeflow.WithBaseURL(p.URL), opt, reeflow.WithMaxRetries(0))
	require.NoError(t, err)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func TestNewProxyNeedsAFakeServer(t *testing.T) {
	t.Parallel()
	p, err := fakeoverride.NewProxy(nil, fakeoverride.Overrides{})
	require.Error(t, err)
	assert.Nil(t, p)
	assert.Contains(t, err.Error(), "*reeflowtest.Server")
}

// TestRespondRewritesResponses: the proxy's answers are rewritten; the fake behind it, asked
// directly, still answers as it always does.
func TestRespondRewritesResponses(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	seen := make(chan string, 10)
	p := newProxy(t, srv, fakeoverride.Overrides{
		Respond: func(r *http.Request, resp *fakeoverride.Response) {
			seen <- r.Method + " " + r.Host + r.URL.Path + " " + strconv.Itoa(resp.Status)
			if r.URL.Path == "/connections" {
				resp.Status, resp.Body = http.StatusTeapot, []byte(`{"message":"short and stout"}`)
			}
		},
	})
	key := srv.Key()
	_, err := client(t, p, reeflow.WithBasicAuth(key.ID, key.Secret)).Connections.List(context.Background())
	var apiErr *reeflow.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusTeapot, apiErr.StatusCode)
	assert.Equal(t, "short and stout", apiErr.Message)
	require.Len(t, seen, 1)
	assert.Equal(t, "GET "+strings.TrimPrefix(p.URL, "http://")+"/connections 200", <-seen,
		"Respond sees the request as the client sent it, and the fake's own answer")

	_, err = srv.Client().Connections.List(context.Background())
	require.NoError(t, err, "the fake itself is not changed")
}

// TestCanonicalReplacesTheVerifiersDefinition: with another variant, the SDK's signature is
// refused and that variant's accepted; the fake's other answers are its own.
func TestCanonicalReplacesTheVerifiersDefinition(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	other := hmacsig.Candidates()[3]
	require.NotEqual(t, hmacsig.Default.Name, other.Name)
	p := newProxy(t, srv, fakeoverride.Overrides{Canonical: &other})
	key := srv.Key()

	_, err := client(t, p, reeflow.WithHMACAuth(key.ID, key.Secret)).Connections.List(context.Background())
	require.ErrorIs(t, err, reeflow.ErrInvalidSignature)
	_, err = client(t, p, reeflow.WithBasicAuth(key.ID, key.Secret)).Connections.List(context.Background())
	require.NoError(t, err, "Basic authentication is not touched")

	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	now := time.Now().Unix()
	for name, tc := range map[string]struct {
		sign        *hmacsig.Variant // nil: no signature header
		signedQuery string           // the query the signature covers; the request's is "limit=5"
		unix        int64
		status      int
		message     string
	}{
		"the variant's signature":            {&other, "limit=5", now, http.StatusOK, ""},
		"the variant's, an old timestamp":    {&other, "limit=5", now - 600, http.StatusUnauthorized, hmacsig.MessageTimestampExpired},
		"the variant's, for another request": {&other, "limit=6", now, http.StatusUnauthorized, hmacsig.MessageInvalidSignature},
		"the SDK's, built by hand":           {&hmacsig.Default, "limit=5", now, http.StatusUnauthorized, hmacsig.MessageInvalidSignature},
		"no signature":                       {nil, "", now, http.StatusUnauthorized, hmacsig.MessageInvalidFormat},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, p.URL+"/connections?limit=5", nil)
			require.NoError(t, err)
			req.Header.Set(hmacsig.HeaderKey, key.ID)
			req.Header.Set(hmacsig.HeaderTimestamp, strconv.FormatInt(tc.unix, 10))
			if tc.sign != nil {
				canonical := tc.sign.Append(nil, &hmacsig.Message{Method: http.MethodGet, EscapedPath: "/connections", RawQuery: tc.signedQuery, Unix: tc.unix})
				req.Header.Set(hmacsig.HeaderSignature, string(hmacsig.NewKey([]byte(key.Secret)).AppendSignature(nil, canonical)))
			}
			resp, err := hc.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tc.status, resp.StatusCode, string(body))
			if tc.message != "" {
				assert.Contains(t, string(body), `"message":"`+tc.message+`"`)
			}
		})
	}
}

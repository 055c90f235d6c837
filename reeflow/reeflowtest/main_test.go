package reeflowtest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var (
	routerOnce sync.Once
	router     routers.Router
	routerErr  error
)

// contractRouter routes requests against openapi.yaml itself, not the fake's embedded copy.
func contractRouter(t *testing.T) routers.Router {
	t.Helper()
	routerOnce.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromFile("../../openapi.yaml")
		if err != nil {
			routerErr = err
			return
		}
		doc.Servers = nil // match the fake's loopback host
		router, routerErr = gorillamux.NewRouter(doc)
	})
	require.NoError(t, routerErr)
	return router
}

// contractTransport validates every response of the fake against openapi.yaml, so the fake
// cannot drift from the contract the SDK is generated from.
type contractTransport struct {
	t      *testing.T
	base   http.RoundTripper
	router routers.Router
}

func (c *contractTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		reqBody, _ = io.ReadAll(body)
	}
	resp, err := c.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	respBody, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))

	route, params, err := c.router.FindRoute(req)
	if err != nil {
		return resp, nil // an unknown route: nothing in the contract to compare with
	}
	validationReq := req.Clone(context.Background())
	validationReq.Body = io.NopCloser(bytes.NewReader(reqBody))
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: validationReq, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status:  resp.StatusCode,
		Header:  resp.Header,
		Body:    io.NopCloser(bytes.NewReader(respBody)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		c.t.Errorf("%s %s → %d breaks openapi.yaml: %v\nbody: %s", req.Method, req.URL.Path, resp.StatusCode, err, respBody)
	}
	return resp, nil
}

// newServer starts a fake server and a client whose every response is checked against openapi.yaml.
func newServer(t *testing.T, opts ...reeflowtest.Option) (*reeflowtest.Server, *reeflow.Client) {
	t.Helper()
	srv := reeflowtest.NewServer(t, opts...)
	return srv, srv.Client(reeflow.WithHTTPClient(contractClient(t, srv)))
}

// contractClient is srv's HTTP client with contract validation.
func contractClient(t *testing.T, srv *reeflowtest.Server) *http.Client {
	base := srv.HTTPClient()
	return &http.Client{Transport: &contractTransport{t: t, base: base.Transport, router: contractRouter(t)}}
}

// raw sends a hand-made request to the fake, as curl would, and returns status, headers and body.
func raw(t *testing.T, srv *reeflowtest.Server, method, path, body string, header http.Header) (int, http.Header, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = bytes.NewBufferString(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, srv.URL+path, r)
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	if body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := contractClient(t, srv).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, string(b)
}

// basic is the Authorization header of a key.
func basic(k reeflowtest.Key) http.Header {
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "/", nil)
	req.SetBasicAuth(k.ID, k.Secret)
	return http.Header{"Authorization": {req.Header.Get("Authorization")}}
}

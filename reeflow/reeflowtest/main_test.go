package reeflowtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

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
	routerOnce  sync.Once
	router      routers.Router
	errorSchema *openapi3.Schema
	routerErr   error
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
		errorSchema = doc.Components.Schemas["ErrorResponse"].Value
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
		c.checkOutsideSpec(req, resp, respBody)
		return resp, nil
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

// checkOutsideSpec checks a response to a route openapi.yaml does not have (an unknown route, or
// one of Server.Handle): what the handler of a custom route writes is its own, but the fake's
// own errors there (authentication, 404, 413, faults) must still have the spec's error body.
// The tests' custom handlers answer only with 2xx, so every error here is the fake's.
func (c *contractTransport) checkOutsideSpec(req *http.Request, resp *http.Response, body []byte) {
	if resp.StatusCode < 400 {
		return
	}
	var value any
	err := json.Unmarshal(body, &value)
	if err == nil {
		err = errorSchema.VisitJSON(value)
	}
	if ct := resp.Header.Get("Content-Type"); err == nil && !strings.HasPrefix(ct, "application/json") {
		err = fmt.Errorf("content type %q", ct)
	}
	if err != nil {
		c.t.Errorf("%s %s → %d (outside openapi.yaml) is not the spec's error body: %v\nbody: %s", req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
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

// fatalRecorder is a testing.TB whose Fatalf records the message instead of stopping the test,
// to check what a refused setup call tells the user.
type fatalRecorder struct {
	testing.TB
	messages []string
}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.messages = append(f.messages, fmt.Sprintf(format, args...))
}

// answered is a slog.Handler that sends the request ID and status of every request the server
// has answered (or dropped), so a test can wait for the server's side of a request instead of
// sleeping.
type answered chan [2]string

func (a answered) Enabled(context.Context, slog.Level) bool { return true }
func (a answered) WithAttrs([]slog.Attr) slog.Handler       { return a }
func (a answered) WithGroup(string) slog.Handler            { return a }
func (a answered) Handle(_ context.Context, r slog.Record) error {
	var id, status string
	r.Attrs(func(attr slog.Attr) bool {
		switch attr.Key {
		case "request_id":
			id = attr.Value.String()
		case "status":
			status = attr.Value.String()
		}
		return true
	})
	a <- [2]string{id, status}
	return nil
}

// next waits for the next answered request, failing the test rather than hanging if the
// server never finishes it.
func (a answered) next(t *testing.T) (requestID, status string) {
	t.Helper()
	select {
	case got := <-a:
		return got[0], got[1]
	case <-time.After(30 * time.Second):
		t.Fatal("the server never finished the request")
		return "", ""
	}
}

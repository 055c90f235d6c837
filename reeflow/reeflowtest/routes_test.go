package reeflowtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// dashboards is a custom endpoint the SDK does not model: it echoes the path value and the
// request body.
func dashboards(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"id": r.PathValue("id"), "received": string(body)})
}

// send makes a request to a custom route the way code using a raw call does: its own request,
// authenticated by one of the SDK's editors, through the contract-checking client.
func send(t *testing.T, srv *reeflowtest.Server, edit reeflow.RequestEditorFn, method, path, body string) (int, string) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = bytes.NewReader([]byte(body))
	}
	req, err := http.NewRequestWithContext(context.Background(), method, srv.URL+path, r)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if edit != nil {
		require.NoError(t, edit(context.Background(), req))
	}
	resp, err := contractClient(t, srv).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestHandleServesBehindTheFakesAuthentication(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	srv.Handle("POST", "/dashboards/{id}/embed", http.HandlerFunc(dashboards))
	key := srv.Key()
	basicAuth, err := reeflow.BasicAuth(key.ID, key.Secret)
	require.NoError(t, err)
	hmacAuth, err := reeflow.HMACAuth(key.ID, key.Secret)
	require.NoError(t, err)
	wrongSecret, err := reeflow.BasicAuth(key.ID, "wrong")
	require.NoError(t, err)

	for _, mode := range []struct { // in this order: the log's assertions below count on it
		name string
		edit reeflow.RequestEditorFn
	}{{"basic", basicAuth}, {"hmac", hmacAuth}} {
		name, edit := mode.name, mode.edit
		status, body := send(t, srv, edit, "POST", "/dashboards/dash_1/embed", `{"theme":"dark"}`)
		assert.Equal(t, 200, status, name)
		assert.JSONEq(t, `{"id":"dash_1","received":"{\"theme\":\"dark\"}"}`, body, name)
	}

	// The fake's own answers, as for any route (and checked against the spec's error body).
	status, body := send(t, srv, nil, "POST", "/dashboards/dash_1/embed", `{}`)
	assert.Equal(t, 401, status)
	assert.JSONEq(t, `{"message":"Missing credentials","error":"Unauthorized","statusCode":401}`, body)
	status, body = send(t, srv, wrongSecret, "POST", "/dashboards/dash_1/embed", `{}`)
	assert.Equal(t, 401, status)
	assert.JSONEq(t, `{"message":"Invalid API key secret","error":"Unauthorized","statusCode":401}`, body)
	status, body = send(t, srv, basicAuth, "GET", "/dashboards/dash_1/embed", "")
	assert.Equal(t, 404, status, "another method is an unknown route")
	assert.JSONEq(t, `{"message":"Cannot GET /dashboards/dash_1/embed","error":"Not Found","statusCode":404}`, body)
	status, body = send(t, srv, basicAuth, "POST", "/dashboards/embed", `{}`)
	assert.Equal(t, 404, status)
	assert.JSONEq(t, `{"message":"Cannot POST /dashboards/embed","error":"Not Found","statusCode":404}`, body)
	status, body = send(t, srv, basicAuth, "POST", "/dashboards/dash_1/embed", `"`+strings.Repeat("x", 1<<20)+`"`)
	assert.Equal(t, 413, status)
	assert.JSONEq(t, `{"message":"Request body is too large","error":"Request Entity Too Large","statusCode":413}`, body)

	// Faults and the requests log cover custom routes too.
	srv.AddFault(reeflowtest.Fault{Path: "/dashboards/{id}/embed", Times: 1, Status: 503})
	status, _ = send(t, srv, hmacAuth, "POST", "/dashboards/dash_2/embed", `{}`)
	assert.Equal(t, 503, status)
	reqs := srv.Requests()
	require.Len(t, reqs, 8)
	assert.Equal(t, reeflow.AuthHMAC, reqs[1].AuthMode)
	assert.Equal(t, key.ID, reqs[1].KeyID)
	assert.Equal(t, "Invalid API key secret", reqs[3].AuthError)
	assert.Equal(t, []int{200, 200, 401, 401, 404, 404, 413, 503}, statuses(reqs))
}

func statuses(reqs []reeflowtest.Request) []int {
	out := make([]int, len(reqs))
	for i, r := range reqs {
		out[i] = r.Status
	}
	return out
}

// TestHandleBesideTheAPI: a more specific route lives beside the API's; the API's routes keep
// their own handlers, and one that would be ambiguous with them is refused.
func TestHandleBesideTheAPI(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t)
	srv.Handle("GET", "/connections/{id}/tables", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`["` + r.PathValue("id") + `.events"]`))
	}))
	srv.Handle("GET", "/{anything...}", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("catch-all"))
	}))
	c, err := client.Connections.Create(context.Background(), pgParams("db", "pw"))
	require.NoError(t, err)
	got, err := client.Connections.Get(context.Background(), c.ID)
	require.NoError(t, err, "the API's route is more specific than the catch-all")
	assert.Equal(t, c.ID, got.ID)
	basicAuth, err := reeflow.BasicAuth(srv.Key().ID, srv.Key().Secret)
	require.NoError(t, err)
	status, body := send(t, srv, basicAuth, "GET", "/connections/"+c.ID+"/tables", "")
	assert.Equal(t, 200, status)
	assert.Equal(t, `["`+c.ID+`.events"]`, body)
	status, body = send(t, srv, basicAuth, "GET", "/reports", "")
	assert.Equal(t, 200, status)
	assert.Equal(t, "catch-all", body)
	status, _ = send(t, srv, basicAuth, "GET", "/connections/../reports", "")
	assert.Equal(t, 404, status, "a path that is not clean is never redirected to a custom route")
}

func TestRefusedRoutes(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	cases := []struct {
		name, method, pattern string
		h                     http.Handler
		want                  string
	}{
		{"ambiguous with the API", "GET", "/{kind}/conn_1", ok, `"GET /connections/{connection_id}" conflicts with pattern "GET /{kind}/conn_1"`},
		{"registered twice", "GET", "/mine", ok, `"GET /mine" is already handled`},
		{"registered twice, other wildcard names", "GET", "/{a}/{b}", ok, `"GET /{x}/{y}" is already handled`},
		{"empty method", "", "/x", ok, "empty method"},
		{"lower-case method", "get", "/x", ok, `method "get" is not an upper-case HTTP method`},
		{"method in the pattern", "GET", "GET /x", ok, `the pattern must start with "/"`},
		{"invalid pattern", "GET", "/x/{", ok, "bad wildcard"},
		{"nil handler", "GET", "/x", nil, "nil handler"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &fatalRecorder{TB: t}
			srv := reeflowtest.NewServer(rec)
			srv.Handle("GET", "/mine", ok)
			srv.Handle("GET", "/{x}/{y}", ok)
			require.Empty(t, rec.messages)
			srv.Handle(tc.method, tc.pattern, tc.h)
			require.Len(t, rec.messages, 1)
			assert.Contains(t, rec.messages[0], "reeflowtest: Handle(")
			assert.Contains(t, rec.messages[0], tc.want)
		})
	}
}

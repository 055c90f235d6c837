package reeflow_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// Credentials from Reeflow's Basic Authentication page.
const (
	docKeyID  = "key_abc123xyz"
	docSecret = "a1b2c3d4e5f6789abcdef0123456789abcdef0123456789abcdef0123456789abc"
	// docHeader is `echo -n key_abc123xyz:<secret> | base64`, what curl -u and the docs' fetch example send.
	docHeader = "Basic a2V5X2FiYzEyM3h5ejphMWIyYzNkNGU1ZjY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmM="
)

// seen is a request as the test server received it.
type seen struct {
	Method, RawPath, Query string
	Header                 http.Header
	Body                   []byte
}

// recorder is a focused httptest server: it records every request and answers with respond.
type recorder struct {
	mu       sync.Mutex
	requests []seen
}

func (r *recorder) all() []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]seen(nil), r.requests...)
}

func (r *recorder) last(t *testing.T) seen {
	t.Helper()
	all := r.all()
	require.NotEmpty(t, all, "the server received no request")
	return all[len(all)-1]
}

// newRecorder starts a plain-HTTP loopback server (which the SDK accepts) and a client for it
// with the docs' credentials and no retries. Extra options come last.
func newRecorder(t *testing.T, respond http.HandlerFunc, opts ...reeflow.Option) (*reeflow.Client, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.requests = append(rec.requests, seen{Method: r.Method, RawPath: r.URL.EscapedPath(), Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
		rec.mu.Unlock()
		respond(w, r)
	}))
	t.Cleanup(srv.Close)
	all := append([]reeflow.Option{
		reeflow.WithBaseURL(srv.URL),
		reeflow.WithHTTPClient(srv.Client()),
		reeflow.WithBasicAuth(docKeyID, docSecret),
		reeflow.WithMaxRetries(0),
	}, opts...)
	client, err := reeflow.NewClient(all...)
	require.NoError(t, err)
	return client, rec
}

// reply answers with a status and a body, as JSON unless the body starts with '<'.
func reply(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if len(body) > 0 && body[0] == '<' {
			w.Header().Set("Content-Type", "text/html")
		} else {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

const pgConnectionJSON = `{"id":"conn_1","name":"Main","type":"pg","config":{"host":"db","port":5432,"database":"app","user":"u","ssl":true},"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:06Z"}`

// newPlainServer starts a loopback HTTP server closed at the end of the test.
func newPlainServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func strPtr(s string) *string { return &s }

// parsePackage parses the non-test files of package reeflow, with their comments: the source go
// doc reads.
func parsePackage(t *testing.T) (*token.FileSet, []*ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	var files []*ast.File
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, parser.ParseComments)
		require.NoError(t, err)
		files = append(files, f)
	}
	return fset, files
}

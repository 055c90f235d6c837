package reeflow_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// Tests that set environment variables cannot run in parallel.

func TestNewClientFromEnvironment(t *testing.T) {
	var gotAuth string
	srv := newPlainServer(t, func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		reply(200, `[]`)(w, r)
	})
	t.Setenv("REEFLOW_API_KEY_ID", docKeyID)
	t.Setenv("REEFLOW_API_KEY_SECRET", docSecret)
	t.Setenv("REEFLOW_BASE_URL", srv.URL)
	client, err := reeflow.NewClient()
	require.NoError(t, err)
	_, err = client.Connections.List(context.Background())
	require.NoError(t, err)
	assert.Equal(t, docHeader, gotAuth)
}

func TestNewClientEnvironmentErrors(t *testing.T) {
	cases := []struct {
		name, id, secret, mode string
		is                     error
		mentions               string
	}{
		{"nothing set", "", "", "", reeflow.ErrNoCredentials, "REEFLOW_API_KEY_ID and REEFLOW_API_KEY_SECRET"},
		{"no secret", docKeyID, "", "", reeflow.ErrNoCredentials, "REEFLOW_API_KEY_SECRET is not set"},
		{"no key ID", "", docSecret, "", reeflow.ErrNoCredentials, "REEFLOW_API_KEY_ID is not set"},
		{"newline from an env file", docKeyID, docSecret + "\n", "", reeflow.ErrInvalidCredentials, "line break"},
		{"unknown mode", docKeyID, docSecret, "digest", nil, "REEFLOW_AUTH_MODE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("REEFLOW_API_KEY_ID", tc.id)
			t.Setenv("REEFLOW_API_KEY_SECRET", tc.secret)
			t.Setenv("REEFLOW_AUTH_MODE", tc.mode)
			_, err := reeflow.NewClient()
			require.Error(t, err)
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
			assert.Contains(t, err.Error(), tc.mentions)
			assert.NotContains(t, err.Error(), docSecret)
		})
	}
}

func TestAuthOptionOverridesEnvironment(t *testing.T) {
	t.Setenv("REEFLOW_API_KEY_ID", "")
	t.Setenv("REEFLOW_API_KEY_SECRET", "")
	_, err := reeflow.NewClient(reeflow.WithBasicAuth(docKeyID, docSecret))
	require.NoError(t, err)
}

func TestHTTPSOnly(t *testing.T) {
	t.Parallel()
	auth := reeflow.WithBasicAuth(docKeyID, docSecret)
	for _, ok := range []string{
		"https://api.reeflow.com", "https://api.reeflow.com/", "https://proxy.example/reeflow",
		"http://127.0.0.1:4010", "http://localhost:4010", "http://[::1]:4010", "http://127.0.0.2",
	} {
		_, err := reeflow.NewClient(reeflow.WithBaseURL(ok), auth)
		assert.NoError(t, err, ok)
	}
	for _, insecure := range []string{"http://api.reeflow.com", "http://10.0.0.1:80", "http://localhost.evil.com"} {
		_, err := reeflow.NewClient(reeflow.WithBaseURL(insecure), auth)
		assert.ErrorIs(t, err, reeflow.ErrInsecureBaseURL, insecure)
	}
	for bad, want := range map[string]string{
		"api.reeflow.com":                      "has no host",
		"ftp://api.reeflow.com":                `scheme "ftp" is not https`,
		"https://":                             "has no host",
		"https://key_a:secret@api.reeflow.com": "must not carry user info",
		"https://api.reeflow.com/?x=1":         "must not have a query or fragment",
		"://":                                  "base URL",
	} {
		_, err := reeflow.NewClient(reeflow.WithBaseURL(bad), auth)
		require.Error(t, err, bad)
		assert.ErrorContains(t, err, want, bad)
		assert.NotContains(t, err.Error(), "secret@", bad)
	}
}

// A base URL with user info and another defect: the error names the defect, never the user info.
func TestBaseURLErrorsNeverQuoteUserInfo(t *testing.T) {
	for raw, want := range map[string]string{
		"https://ada:pa55word@api.reeflow.com:99999/":  "must not carry user info",
		"https://ada:pa55word@api.reeflow.com/\n":      "invalid control character",
		"https://ada:pa55word@api.reeflow.com/%zz":     "invalid URL escape",
		"https://ada:pa55word@/connections":            "must not carry user info",
		"http://ada:pa55word@api.reeflow.com":          "must not carry user info",
		"https://ada:pa55word@api.reeflow.com:x/":      "invalid port",
		"https://ada:pa55word@api.reeflow.com/?a=1":    "must not carry user info",
		"ftp://ada:pa55word@api.reeflow.com":           "must not carry user info",
		"https://ada:pa55word@[::1/":                   "missing ']' in host",
		"https://ada:pa55word@api.reeflow.com/ \x00x":  "invalid control character",
		"https://ada@api.reeflow.com\r\n/connections":  "invalid control character",
		"ada:pa55word@api.reeflow.com":                 "has no host",
		"https://ada:pa55word%zz@api.reeflow.com/":     "invalid URL escape",
		"https://ada:pa55word@api.reeflow.com:-1/x?y#": "invalid port",
	} {
		for _, viaEnv := range []bool{false, true} {
			var err error
			if viaEnv && !strings.ContainsRune(raw, 0) { // the environment cannot hold a NUL
				t.Setenv("REEFLOW_BASE_URL", raw)
				_, err = reeflow.NewClient(reeflow.WithBasicAuth(docKeyID, docSecret))
			} else {
				_, err = reeflow.NewClient(reeflow.WithBaseURL(raw), reeflow.WithBasicAuth(docKeyID, docSecret))
			}
			require.Error(t, err, raw)
			assert.Contains(t, err.Error(), want, raw)
			assert.NotContains(t, err.Error(), "pa55word", raw)
			assert.NotContains(t, err.Error(), "ada", raw)
		}
	}
}

func TestBaseURLPathPrefixIsKept(t *testing.T) {
	t.Parallel()
	var path string
	srv := newPlainServer(t, func(w http.ResponseWriter, r *http.Request) { path = r.URL.Path; reply(200, `[]`)(w, r) })
	client, err := reeflow.NewClient(reeflow.WithBaseURL(srv.URL+"/reeflow"), reeflow.WithBasicAuth(docKeyID, docSecret))
	require.NoError(t, err)
	_, err = client.Connections.List(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "/reeflow/connections", path)
}

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

func TestBadOptionsAreErrors(t *testing.T) {
	t.Parallel()
	for want, opt := range map[string]reeflow.Option{
		"WithBaseURL: empty URL":                       reeflow.WithBaseURL(""),
		"WithHTTPClient: nil client":                   reeflow.WithHTTPClient(nil),
		"WithRequestEditor: nil editor":                reeflow.WithRequestEditor(nil),
		"WithMaxRetries: negative count -1":            reeflow.WithMaxRetries(-1),
		"WithAttemptTimeout: negative duration":        reeflow.WithAttemptTimeout(-1),
		"WithMaxRetryAfter: negative duration":         reeflow.WithMaxRetryAfter(-1),
		"WithUserAgent: control character":             reeflow.WithUserAgent("x\r\nInjected: 1"),
		"WithCredentialsProvider: nil provider":        reeflow.WithCredentialsProvider(nil, reeflow.AuthBasic),
		"WithCredentialsProvider: unknown AuthMode(9)": reeflow.WithCredentialsProvider(staticProvider{}, reeflow.AuthMode(9)),
	} {
		_, err := reeflow.NewClient(reeflow.WithBasicAuth(docKeyID, docSecret), opt)
		assert.ErrorContains(t, err, want)
	}
}

// TestOptionLimitsAreAccepted: the edge values the options document are taken, not refused.
func TestOptionLimitsAreAccepted(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]reeflow.Option{
		"no retries":                      reeflow.WithMaxRetries(0),
		"attempts bounded by the context": reeflow.WithAttemptTimeout(0),
		"no wait for Retry-After":         reeflow.WithMaxRetryAfter(0),
		"no clock correction":             reeflow.WithMaxClockSkew(0),
		"a product with spaces":           reeflow.WithUserAgent("billing-service/1.2 (ops team)"),
	} {
		_, err := reeflow.NewClient(reeflow.WithBasicAuth(docKeyID, docSecret), opt)
		assert.NoError(t, err, name)
	}
}

type staticProvider struct{ creds reeflow.Credentials }

func (p staticProvider) Credentials(context.Context) (reeflow.Credentials, error) {
	return p.creds, nil
}

// nilPointerProvider has a value receiver: a nil *nilPointerProvider panics when called.
type nilPointerProvider struct{ creds reeflow.Credentials }

func (p nilPointerProvider) Credentials(context.Context) (reeflow.Credentials, error) {
	return p.creds, nil
}

// TestNilPointerProviderIsRefused: a provider that is a nil pointer inside the interface would
// panic on every call; it is refused where it is given.
func TestNilPointerProviderIsRefused(t *testing.T) {
	t.Parallel()
	_, err := reeflow.NewClient(reeflow.WithCredentialsProvider((*nilPointerProvider)(nil), reeflow.AuthBasic))
	assert.EqualError(t, err, "reeflow: WithCredentialsProvider: nil provider")
}

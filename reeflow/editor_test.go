package reeflow_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// An editor runs before authentication: one that points the request elsewhere must not get it
// authenticated for the new target.
func TestEditorCannotSendCredentialsToAnotherOrigin(t *testing.T) {
	t.Parallel()
	var elsewhere atomic.Int32
	var leaked atomic.Value
	other := newPlainServer(t, func(_ http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		for name := range r.Header {
			if name == "Authorization" || len(name) > 6 && http.CanonicalHeaderKey(name[:6]) == "X-Api-" {
				leaked.Store(name)
			}
		}
	})
	otherURL, err := url.Parse(other.URL)
	require.NoError(t, err)
	var home atomic.Int32
	base := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		home.Add(1)
		reply(200, `[]`)(w, r)
	}))
	t.Cleanup(base.Close)
	baseURL, err := url.Parse(base.URL)
	require.NoError(t, err)

	moves := map[string]func(u *url.URL){
		"plain HTTP on another port": func(u *url.URL) { u.Scheme, u.Host = "http", otherURL.Host },
		"same host, another port":    func(u *url.URL) { u.Host = otherURL.Host },
		"http, same host and port":   func(u *url.URL) { u.Scheme = "http" },
	}
	for _, mode := range []reeflow.Option{reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithHMACAuth(docKeyID, docSecret)} {
		for name, move := range moves {
			editor := reeflow.RequestEditorFn(func(_ context.Context, req *http.Request) error {
				u := *req.URL
				move(&u)
				u.RawQuery = "invite_token=tok_secret_in_query"
				req.URL = &u
				return nil
			})
			client, err := reeflow.NewClient(reeflow.WithBaseURL(base.URL), reeflow.WithHTTPClient(base.Client()), mode, reeflow.WithMaxRetries(2))
			require.NoError(t, err)
			var resp reeflow.Response
			_, err = client.Connections.List(context.Background(), reeflow.WithRequestEditor(editor), reeflow.WithResponseInto(&resp))
			require.Error(t, err, name)
			assert.ErrorContains(t, err, "reeflow: list connections: a request editor moved the request from https://"+baseURL.Host, name)
			assert.NotContains(t, err.Error(), "tok_secret", "the error names origins, never the query")
			assert.Zero(t, resp.Attempts, "%s: nothing was sent", name)

			// The same through Client.Do and a client-wide editor.
			client, err = reeflow.NewClient(reeflow.WithBaseURL(base.URL), reeflow.WithHTTPClient(base.Client()), mode, reeflow.WithRequestEditor(editor))
			require.NoError(t, err)
			err = client.Do(context.Background(), http.MethodGet, "embedded-users", nil, nil)
			assert.ErrorContains(t, err, "reeflow: GET embedded-users: a request editor moved the request", name)
		}
	}
	assert.Zero(t, elsewhere.Load(), "the other origin received nothing")
	assert.Nil(t, leaked.Load(), "no credential header reached the other origin")
	assert.Zero(t, home.Load(), "a refused request is not sent to the base URL either")

	// An editor that keeps the origin (a path, a header) is fine.
	client, rec := newRecorder(t, reply(200, `[]`), reeflow.WithRequestEditor(func(_ context.Context, req *http.Request) error {
		req.URL.Path = "/connections"
		req.Header.Set("X-Trace", "1")
		return nil
	}))
	_, err = client.Connections.List(context.Background())
	require.NoError(t, err)
	assert.Equal(t, docHeader, rec.last(t).Header.Get("Authorization"))
}

// The URL's host is not the only way to send a request elsewhere: net/http sends a URL.Opaque of
// "//other/path" as the absolute-form target "http://other/path", which a proxy or gateway routes
// by; req.Host is the Host header; and URL.User makes net/http add an Authorization of its own.
func TestEditorCannotRedirectCredentialsThroughOpaqueHostOrUserinfo(t *testing.T) {
	t.Parallel()
	edits := map[string]func(req *http.Request){
		"opaque absolute form":  func(req *http.Request) { req.URL.Opaque = "//evil.example/steal" },
		"Host header":           func(req *http.Request) { req.Host = "evil.example" },
		"userinfo":              func(req *http.Request) { req.URL.User = url.UserPassword("someone", "pw_secret") },
		"userinfo, no password": func(req *http.Request) { req.URL.User = url.User("someone") },
	}
	for _, mode := range []reeflow.Option{reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithHMACAuth(docKeyID, docSecret)} {
		for name, edit := range edits {
			client, rec := newRecorder(t, reply(200, `{}`), mode)
			err := client.Do(context.Background(), http.MethodGet, "embedded-users", nil, nil,
				reeflow.WithRequestEditor(func(_ context.Context, req *http.Request) error { edit(req); return nil }))
			require.Error(t, err, name)
			assert.True(t, strings.HasPrefix(err.Error(), "reeflow: GET embedded-users: "), "%s: %v", name, err)
			assert.ErrorContains(t, err, "a request editor set", name)
			if strings.HasPrefix(name, "userinfo") {
				assert.ErrorIs(t, err, reeflow.ErrMultipleCredentials, "net/http would add a second credential")
			}
			assert.NotContains(t, err.Error(), "pw_secret", name)
			assert.Empty(t, rec.all(), "%s: nothing was sent", name)
		}
	}

	// The Host header of the base URL, in any case, is still the base URL's origin.
	var hosts atomic.Value
	srv := newPlainServer(t, func(w http.ResponseWriter, r *http.Request) {
		hosts.Store(r.Host)
		reply(200, `{}`)(w, r)
	})
	byName := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	client, err := reeflow.NewClient(reeflow.WithBaseURL(byName), reeflow.WithBasicAuth(docKeyID, docSecret))
	require.NoError(t, err)
	err = client.Do(context.Background(), http.MethodGet, "embedded-users", nil, nil,
		reeflow.WithRequestEditor(func(_ context.Context, req *http.Request) error {
			req.Host = strings.ToUpper(req.URL.Host)
			return nil
		}))
	require.NoError(t, err)
	assert.Equal(t, strings.ToUpper(strings.TrimPrefix(byName, "http://")), hosts.Load())
}

func TestEditorsCannotAddASecondCredential(t *testing.T) {
	t.Parallel()
	hmacHeader := func(_ context.Context, r *http.Request) error { r.Header.Set("X-API-Key", "key_other"); return nil }
	client, rec := newRecorder(t, reply(200, `[]`), reeflow.WithRequestEditor(hmacHeader))
	_, err := client.Connections.List(context.Background())
	require.ErrorIs(t, err, reeflow.ErrMultipleCredentials)
	assert.NotErrorIs(t, err, reeflow.ErrInvalidAPIKey)
	assert.Equal(t, "reeflow: list connections: multiple credentials: a request editor set X-Api-Key; the client authenticates every request itself",
		err.Error(), "one prefix, however deep the sentinel")

	// BasicAuth's editor inside an editor of your own is a second credential.
	basic, err := reeflow.BasicAuth("key_other", "other")
	require.NoError(t, err)
	wrapped := reeflow.RequestEditorFn(func(ctx context.Context, r *http.Request) error { return basic(ctx, r) })
	client2, rec2 := newRecorder(t, reply(200, `[]`))
	_, err = client2.Connections.List(context.Background(), wrapped)
	require.ErrorIs(t, err, reeflow.ErrMultipleCredentials)
	assert.Empty(t, rec.all(), "nothing may be sent")
	assert.Empty(t, rec2.all(), "nothing may be sent")
}

// An editor may index the header map directly, with a key net/http would not canonicalise:
// the check must not depend on the key's case.
func TestEditorsCannotAddACredentialInAnyCase(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"authorization", "AUTHORIZATION", "x-api-key", "X-API-KEY", "x-api-signature", "proxy-authorization"} {
		for _, mode := range []reeflow.Option{reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithHMACAuth(docKeyID, docSecret)} {
			set := reeflow.RequestEditorFn(func(_ context.Context, r *http.Request) error {
				r.Header[key] = []string{"key_other"}
				return nil
			})
			client, rec := newRecorder(t, reply(200, `[]`), mode)
			_, err := client.Connections.List(context.Background(), set)
			require.ErrorIs(t, err, reeflow.ErrMultipleCredentials, key)
			assert.Empty(t, rec.all(), "nothing may be sent (%s)", key)
		}
	}
}

func TestRequestEditorsRunInOrderBeforeAuth(t *testing.T) {
	t.Parallel()
	var order []string
	editor := func(name string) reeflow.RequestEditorFn {
		return func(_ context.Context, r *http.Request) error {
			order = append(order, name)
			assert.Empty(t, r.Header.Get("Authorization"), "auth runs after the editors")
			r.Header.Add("X-Trace", name)
			return nil
		}
	}
	client, rec := newRecorder(t, reply(200, `[]`), reeflow.WithRequestEditor(editor("client")))
	_, err := client.Connections.List(context.Background(), editor("call"))
	require.NoError(t, err)
	assert.Equal(t, []string{"client", "call"}, order)
	got := rec.last(t)
	assert.Equal(t, []string{"client", "call"}, got.Header.Values("X-Trace"))
	assert.Equal(t, docHeader, got.Header.Get("Authorization"))
}

func TestRequestEditorErrorStopsTheRequest(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	client, rec := newRecorder(t, reply(200, `[]`))
	_, err := client.Connections.List(context.Background(), reeflow.RequestEditorFn(func(context.Context, *http.Request) error { return boom }))
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "list connections")
	assert.Empty(t, rec.all())
}

// An editor that drops the whole header map gets an empty one: the extra headers of the client
// and of the call, and the credentials, are still written, after it, and nothing panics.
func TestEditorThatDropsTheHeaderMap(t *testing.T) {
	t.Parallel()
	dropHeaders := reeflow.RequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header = nil
		return nil
	})
	client, rec := newRecorder(t, reply(200, `[]`), reeflow.WithHeader("X-Tenant", "t1"))
	_, err := client.Connections.List(context.Background(), dropHeaders, reeflow.WithHeader("X-Call", "c1"))
	require.NoError(t, err)
	got := rec.last(t).Header
	assert.Equal(t, "t1", got.Get("X-Tenant"))
	assert.Equal(t, "c1", got.Get("X-Call"))
	assert.Equal(t, docHeader, got.Get("Authorization"), "the credentials are set after the editors")

	// A per-call header alone, on a client without any.
	client, rec = newRecorder(t, reply(200, `[]`))
	_, err = client.Connections.List(context.Background(), dropHeaders, reeflow.WithHeader("X-Call", "c2"))
	require.NoError(t, err)
	assert.Equal(t, "c2", rec.last(t).Header.Get("X-Call"))
	assert.Equal(t, docHeader, rec.last(t).Header.Get("Authorization"))
}

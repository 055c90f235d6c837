package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/reeflow/reeflow-go/examples/internal/exampletest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// browser is an HTTP client with a cookie jar, as a browser is.
type browser struct {
	t    *testing.T
	http *http.Client
	base string
}

func (b *browser) do(method, path string, form url.Values, header http.Header) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(context.Background(), method, b.base+path, body)
	require.NoError(b.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := b.http.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	return resp, string(got)
}

// TestEmbedding drives the example as a browser would, on the embedded fake: log in, load the
// page, fetch the token, and check through the fake what the token carries.
func TestEmbedding(t *testing.T) {
	exampletest.RunAgainstFake(t, func(w io.Writer) error {
		app, err := start(w, config{addr: "127.0.0.1:0", sdkURL: defaultSDKURL, margin: defaultRefreshMargin})
		require.NoError(t, err)
		defer func() { require.NoError(t, app.Close()) }()
		require.NotNil(t, app.Fake, "no credentials: the embedded fake")
		jar, err := cookiejar.New(nil)
		require.NoError(t, err)
		b := &browser{t: t, http: &http.Client{Jar: jar}, base: app.URL}
		defer b.http.CloseIdleConnections()

		resp, _ := b.do("POST", tokenPath, nil, nil)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "no token before logging in")
		resp, body := b.do("GET", "/", nil, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, body, `<form method="post" action="/login">`)
		assert.NotContains(t, body, "<reeflow-provider")

		resp, body = b.do("POST", "/login", url.Values{"user": {"alice"}}, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, "redirected to the page")
		assert.Contains(t, body, "Signed in as Alice (acme)")
		assert.Contains(t, body, `<reeflow-provider id="reeflow">`)
		assert.Contains(t, body, `<script src="`+defaultSDKURL+`" defer></script>`)
		assert.Contains(t, body, `const tokenPath = "/reeflow/session";`)
		assert.Regexp(t, `const refreshBefore = +150000 *;`, body, "half the default refresh margin, in ms")
		assert.NotContains(t, body, "eyJ", "the token is fetched, never rendered into the page")
		assert.Contains(t, body, `fetch(tokenPath, { method: "POST", credentials: "same-origin"`)
		assert.Contains(t, body, `provider.setAttribute("auth-token", session.token);`)

		resp, body = b.do("POST", tokenPath, nil, http.Header{"Sec-Fetch-Site": {"same-origin"}})
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
		var session struct {
			Token     string `json:"token"`
			ExpiresAt string `json:"expires_at"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &session))
		claims, err := app.Fake.ParseSessionToken(session.Token)
		require.NoError(t, err)
		assert.Equal(t, "alice", claims.UserID)
		assert.Equal(t, "acme", claims.OrganizationID)
		assert.Equal(t, map[string]any{"region": "eu", "max_level": 3.0}, claims.UserAttributes)
		assert.Equal(t, map[string]any{"plan": "enterprise"}, claims.OrganizationAttributes)
		assert.Equal(t, claims.ExpiresAt.Format("2006-01-02T15:04:05Z07:00"), session.ExpiresAt)

		// Were the next page view to mint a token, the fake's clock, a minute ahead now, would
		// date it differently.
		app.Fake.SetClock(func() time.Time { return time.Now().Add(time.Minute) })
		_, again := b.do("POST", tokenPath, nil, nil)
		assert.Equal(t, body, again, "the next page view reuses the cached token")

		resp, _ = b.do("POST", tokenPath, nil, http.Header{"Sec-Fetch-Site": {"cross-site"}})
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, "another site's page cannot mint a token with Alice's cookie")
		resp, _ = b.do("GET", tokenPath, nil, nil)
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)

		resp, _ = b.do("POST", "/login", url.Values{"user": {"bob"}}, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		_, body = b.do("POST", tokenPath, nil, nil)
		require.NoError(t, json.Unmarshal([]byte(body), &session))
		claims, err = app.Fake.ParseSessionToken(session.Token)
		require.NoError(t, err)
		assert.Equal(t, "bob", claims.UserID)
		assert.Equal(t, map[string]any{"region": "us", "is_manager": true}, claims.UserAttributes)

		resp, body = b.do("POST", "/logout", nil, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, body, `action="/login"`)
		resp, _ = b.do("POST", tokenPath, nil, nil)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "logged out")
		return nil
	}, "Open http://127.0.0.1:", "log in as Alice or Bob", "status=401")
}

// TestStartTiming checks that -session-lifetime and -refresh-margin reach the cache, which
// refuses bad values at start-up, and the page, which fetches the next token when half the
// margin (capped at half the lifetime, as the cache caps it) is left.
func TestStartTiming(t *testing.T) {
	exampletest.RunAgainstFake(t, func(w io.Writer) error {
		for _, bad := range []config{
			{margin: 0},
			{margin: -time.Second},
			{margin: time.Minute, lifetime: -time.Second},
			{margin: time.Minute, lifetime: 25 * time.Hour},
		} {
			bad.addr, bad.sdkURL = "127.0.0.1:0", defaultSDKURL
			app, err := start(w, bad)
			if !assert.Error(t, err, "%+v", bad) {
				require.NoError(t, app.Close())
			}
		}
		for _, c := range []struct {
			lifetime, margin time.Duration
			want             string
		}{
			{0, 10 * time.Second, `const refreshBefore = +5000 *;`},
			{8 * time.Second, 4 * time.Second, `const refreshBefore = +2000 *;`},
			{8 * time.Second, time.Minute, `const refreshBefore = +2000 *;`}, // the margin capped at 4 s
		} {
			app, err := start(w, config{addr: "127.0.0.1:0", sdkURL: defaultSDKURL, lifetime: c.lifetime, margin: c.margin})
			require.NoError(t, err)
			jar, err := cookiejar.New(nil)
			require.NoError(t, err)
			b := &browser{t: t, http: &http.Client{Jar: jar}, base: app.URL}
			_, body := b.do("POST", "/login", url.Values{"user": {"alice"}}, nil)
			assert.Regexp(t, c.want, body, "lifetime %s, margin %s (html/template pads a number in JavaScript)", c.lifetime, c.margin)
			b.http.CloseIdleConnections()
			require.NoError(t, app.Close())
		}
		return nil
	})
}

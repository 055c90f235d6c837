package browsertest

import (
	"context"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

var updateScreenshot = flag.Bool("update-screenshot", false, "write "+screenshotPath+", the page after login, from this run")

// screenshotPath is the screenshot the embedding guide shows.
const screenshotPath = "docs/images/embed-page.png"

// The tokens' lifetime and refresh margin in TestPage's first run: short, so that the page's
// refresh comes within seconds. The page fetches the next token when half the margin is left:
// 4 s before the token expires and 4 s after the server would mint the next, room enough for a
// fetch on a busy machine.
const (
	lifetime = 16 * time.Second
	margin   = 8 * time.Second
)

// tokenPath is the token endpoint of examples/embed.
const tokenPath = "/reeflow/session"

// TestPage drives the page in Chromium, in three runs of examples/embed side by side, each on a
// fake Reeflow of its own: the flow a user sees, a rate-limited Reeflow, and a web component
// that did not load.
func TestPage(t *testing.T) {
	browser := startChromium(t)
	bin := buildEmbed(t)
	standIn := serveStandIn(t)

	t.Run("sets the user's token, refreshes it before expiry, returns to the login on 401", func(t *testing.T) {
		t.Parallel()
		fake := reeflowtest.NewServer(t, reeflowtest.WithoutTLS())
		app := startEmbed(t, bin, fake, "-sdk-url", standIn.URL+"/reeflow.js",
			"-session-lifetime", lifetime.String(), "-refresh-margin", margin.String())
		tab := newTab(t, browser)
		rec := record(t, tab)
		login(t, tab, app.URL, "alice")

		// 1. The provider gets Alice's token.
		first := waitFor[tokenRecord](t, tab, 10*time.Second, `window.__tokens && window.__tokens[0]`)
		claims, err := fake.ParseSessionToken(first.Token)
		require.NoError(t, err, "the provider got a token of the fake")
		assert.Equal(t, "alice", claims.UserID)
		assert.Equal(t, "acme", claims.OrganizationID)
		assert.Equal(t, map[string]any{"region": "eu", "max_level": 3.0}, claims.UserAttributes)
		assert.Equal(t, map[string]any{"plan": "enterprise"}, claims.OrganizationAttributes)
		waitFor[bool](t, tab, 10*time.Second, `document.readyState === "complete"`)
		assert.Contains(t, evaluate[string](t, tab, `document.getElementById("status").innerText`), "Session token set, valid until")
		assert.True(t, evaluate[bool](t, tab, `document.getElementById("sdk-missing").hidden`),
			"no notice when the web component loaded")
		if *updateScreenshot {
			writeScreenshot(t, tab)
		}

		// 2. One fetch per token: the next comes when half the margin is left, before expiry.
		expiry := float64(claims.ExpiresAt.UnixMilli())
		second := waitFor[tokenRecord](t, tab, lifetime+10*time.Second,
			`window.__tokens.find(r => r.token !== window.__tokens[0].token)`)
		fetches := tokenFetches(t, tab)
		require.Len(t, fetches, 2, "one fetch for each token, no polling")
		assert.Equal(t, http.StatusOK, fetches[1].Status)
		assert.GreaterOrEqual(t, fetches[1].StartedAt, expiry-float64(margin.Milliseconds()),
			"the page asked for the next token before the server would mint one: its timer is not the token's expiry")
		assert.Less(t, second.At, expiry, "the next token was set after the first expired")
		claims2, err := fake.ParseSessionToken(second.Token)
		require.NoError(t, err)
		assert.Equal(t, "alice", claims2.UserID)
		assert.True(t, claims2.ExpiresAt.After(claims.ExpiresAt), "the next token lasts longer")

		// 5. The token is in no HTML, URL or console message; its response is never cached.
		cookies := browserCookies(t, tab, app.URL)
		resp, html := app.do(t, http.MethodGet, "/", cookies)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Contains(t, html, "Signed in as Alice", "the page as served to the logged-in user")
		dom := evaluate[string](t, tab, `(() => {
			const html = document.documentElement.cloneNode(true);
			html.querySelector("reeflow-provider").removeAttribute("auth-token");
			return html.outerHTML;
		})()`)
		for name, text := range map[string]string{
			"the served HTML":                 html,
			"the DOM, but for the auth-token": dom,
			"the page's URL":                  evaluate[string](t, tab, `location.href`),
			"the URLs the page requested":     strings.Join(rec.requestedURLs(), "\n"),
			"the example's output (its log)":  app.out.String(),
		} {
			assertNoToken(t, name, text, first.Token, second.Token)
		}
		for _, f := range fetches {
			assert.Equal(t, "no-store", f.CacheControl, "the token endpoint's Cache-Control")
		}

		// 3. Logged out in another request: the page's next fetch gets 401 and goes to the login.
		resp, _ = app.do(t, http.MethodPost, "/logout", cookies)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		run(t, tab, lifetime+10*time.Second, chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)))
		assert.Contains(t, app.out.String(), "status=401", "the page went back to the login after a 401")
		assertNoToken(t, "the console", rec.consoleOutput(t, tab), first.Token, second.Token)
	})

	t.Run("waits as long as a 503's Retry-After says", func(t *testing.T) {
		t.Parallel()
		fake := reeflowtest.NewServer(t, reeflowtest.WithoutTLS())
		var limited atomic.Bool
		limited.Store(true)
		// Reeflow rate-limits POST /sessions, asking for 2 s: the cache does not retry (by
		// default), so the token endpoint answers 503 with Retry-After: 2 at once.
		fake.AddFault(reeflowtest.Fault{Method: http.MethodPost, Path: "/sessions", Status: http.StatusTooManyRequests,
			RetryAfter: 2 * time.Second, Match: func(*http.Request) bool { return limited.Load() }})
		app := startEmbed(t, bin, fake, "-sdk-url", standIn.URL+"/reeflow.js")
		tab := newTab(t, browser)
		record(t, tab)
		login(t, tab, app.URL, "bob")

		waitFor[bool](t, tab, 30*time.Second,
			`document.getElementById("status").innerText.includes("(HTTP 503); trying again in 2 s")`)
		limited.Store(false)
		token := waitFor[tokenRecord](t, tab, 15*time.Second, `window.__tokens && window.__tokens[0]`)
		claims, err := fake.ParseSessionToken(token.Token)
		require.NoError(t, err)
		assert.Equal(t, "bob", claims.UserID)

		fetches := tokenFetches(t, tab)
		require.GreaterOrEqual(t, len(fetches), 2)
		assert.Equal(t, http.StatusServiceUnavailable, fetches[0].Status)
		assert.Equal(t, http.StatusOK, fetches[len(fetches)-1].Status)
		for i, f := range fetches[:len(fetches)-1] {
			require.Equal(t, http.StatusServiceUnavailable, f.Status, "fetch %d", i)
			seconds, err := strconv.Atoi(f.RetryAfter)
			require.NoError(t, err, "Retry-After of fetch %d", i)
			// Less than told by no more than the browser's clocks allow (timers and
			// performance.now are coarsened to a millisecond or less).
			waited := fetches[i+1].Start - f.End
			assert.GreaterOrEqual(t, waited, float64(seconds*1000)-1, "ms the page waited after fetch %d's Retry-After: %s", i, f.RetryAfter)
		}
	})

	t.Run("says when the web component did not load, and still sets the token", func(t *testing.T) {
		t.Parallel()
		fake := reeflowtest.NewServer(t, reeflowtest.WithoutTLS())
		app := startEmbed(t, bin, fake, "-sdk-url", standIn.URL+"/missing.js")
		tab := newTab(t, browser)
		login(t, tab, app.URL, "alice")

		run(t, tab, 10*time.Second, chromedp.WaitVisible(chromedp.CSS(`#sdk-missing`)))
		assert.Contains(t, evaluate[string](t, tab, `document.getElementById("sdk-missing").innerText`),
			"web component did not load from "+standIn.URL+"/missing.js")
		token := waitFor[string](t, tab, 10*time.Second, `document.getElementById("reeflow").getAttribute("auth-token")`)
		claims, err := fake.ParseSessionToken(token)
		require.NoError(t, err)
		assert.Equal(t, "alice", claims.UserID)
	})
}

// login opens the app's page and logs in as user with its form.
func login(t *testing.T, tab context.Context, appURL, user string) {
	t.Helper()
	button := chromedp.CSS(`form[action="/login"] button`)
	run(t, tab, 10*time.Second,
		chromedp.Navigate(appURL+"/"),
		chromedp.WaitVisible(button),
		chromedp.SetValue(chromedp.CSS(`select[name="user"]`), user),
	)
	ctx, cancel := context.WithTimeout(tab, 10*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(button)))
	require.NoError(t, err, "logging in as %s", user)
}

// tokenFetches returns the page's fetches of the token endpoint that have ended, in order.
func tokenFetches(t *testing.T, tab context.Context) []fetchRecord {
	t.Helper()
	return evaluate[[]fetchRecord](t, tab, `window.__fetches.filter(f => new URL(f.url, location.href).pathname === "`+tokenPath+`" && f.end)`)
}

// browserCookies returns the tab's cookies for url, the login cookie among them (it is
// HttpOnly: the page's JavaScript cannot read it, the test can).
func browserCookies(t *testing.T, tab context.Context, url string) []*http.Cookie {
	t.Helper()
	res, err := chromedp.Call(tab, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
	require.NoError(t, err)
	var cookies []*http.Cookie
	for _, c := range res.Cookies {
		cookies = append(cookies, &http.Cookie{Name: c.Name, Value: c.Value})
	}
	require.NotEmpty(t, cookies, "the login cookie")
	return cookies
}

// assertNoToken checks that text holds neither token nor anything shaped like a JWT.
func assertNoToken(t *testing.T, where, text string, tokens ...string) {
	t.Helper()
	for _, tok := range tokens {
		assert.NotContains(t, text, tok, "a session token in %s", where)
	}
	assert.NotContains(t, text, "eyJ", "something shaped like a JWT in %s", where)
}

// writeScreenshot writes the page as it is to the screenshot of the embedding guide.
func writeScreenshot(t *testing.T, tab context.Context) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 10*time.Second)
	defer cancel()
	// A modest viewport that holds the header, the status and the provider: a small PNG.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(800, 400)))
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	require.NoError(t, err)
	path := filepath.Join(repoRoot, screenshotPath)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, png, 0o644)) //nolint:gosec // a picture for the docs
	t.Logf("wrote %s (%d bytes)", path, len(png))
}

package browsertest

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// fetchRecorder runs in every document of the tab before the page's scripts: it records each
// fetch the page makes in window.__fetches, with when it started and ended (performance.now for
// durations, Date.now to compare with a token's expiry) and the response headers the page acted
// on. It changes nothing the page sees.
const fetchRecorder = `
window.__fetches = [];
const pageFetch = window.fetch;
window.fetch = async function (...args) {
  const entry = { url: String(args[0]), start: performance.now(), startedAt: Date.now() };
  window.__fetches.push(entry);
  const resp = await pageFetch.apply(this, args);
  entry.end = performance.now();
  entry.status = resp.status;
  entry.retryAfter = resp.headers.get("Retry-After") || "";
  entry.cacheControl = resp.headers.get("Cache-Control") || "";
  return resp;
};
`

// fetchRecord is an entry of window.__fetches.
type fetchRecord struct {
	URL          string  `json:"url"`
	Start        float64 `json:"start"`     // ms, performance.now
	End          float64 `json:"end"`       // ms, performance.now; 0 while in flight
	StartedAt    float64 `json:"startedAt"` // ms since the epoch
	Status       int     `json:"status"`
	RetryAfter   string  `json:"retryAfter"`
	CacheControl string  `json:"cacheControl"`
}

// tokenRecord is an entry of window.__tokens, which the stand-in fills.
type tokenRecord struct {
	Token string  `json:"token"`
	At    float64 `json:"at"` // ms since the epoch
}

// consoleEnd is the last console message the test waits for, so that it has read every message
// written before.
const consoleEnd = "browsertest: end of console"

// recorder keeps what a tab showed outside its page: the URLs it requested and its console.
type recorder struct {
	mu   sync.Mutex
	urls []string

	console chan []string
}

// record starts recording the tab's fetches, requests and console; call it before navigating.
func record(t *testing.T, tab context.Context) *recorder {
	t.Helper()
	_, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: fetchRecorder})
	require.NoError(t, err)
	_, err = chromedp.Call(tab, network.Enable, network.EnableParams{})
	require.NoError(t, err)
	r := &recorder{console: make(chan []string, 1)}
	require.NoError(t, chromedp.Listen(tab, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			r.mu.Lock()
			r.urls = append(r.urls, e.Request.URL+e.Request.URLFragment)
			r.mu.Unlock()
		}
	}))
	messages := chromedp.Console(tab)
	go func() {
		var texts []string
		for m, err := range messages {
			if err != nil {
				break
			}
			texts = append(texts, m.Text)
			for _, arg := range m.Args {
				texts = append(texts, string(arg.Value), arg.Description)
			}
			if m.Text == consoleEnd {
				break
			}
		}
		r.console <- texts // ends when the tab closes, if the test did not read
	}()
	return r
}

// requestedURLs returns every URL the tab requested so far.
func (r *recorder) requestedURLs() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.urls...)
}

// consoleOutput returns every console message of the tab so far, error messages of the browser
// included.
func (r *recorder) consoleOutput(t *testing.T, tab context.Context) string {
	t.Helper()
	run(t, tab, 10*time.Second, chromedp.Evaluate[chromedp.Void](`console.log("`+consoleEnd+`")`))
	select {
	case texts := <-r.console:
		return strings.Join(texts, "\n")
	case <-time.After(10 * time.Second):
		t.Fatal("the console's last message did not arrive within 10 s")
		return ""
	}
}

// run runs actions in the tab, failing the test if they do not complete within timeout.
func run(t *testing.T, tab context.Context, timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, timeout)
	defer cancel()
	require.NoError(t, chromedp.Do(ctx, actions...))
}

// evaluate returns the value of a JavaScript expression in the tab.
func evaluate[T any](t *testing.T, tab context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	require.NoError(t, err, "evaluating %s", expr)
	return v
}

// waitFor waits until a JavaScript expression is truthy in the tab, and returns its value; it
// fails the test after timeout, naming what it waited for.
func waitFor[T any](t *testing.T, tab context.Context, timeout time.Duration, expr string) T {
	t.Helper()
	v, err := chromedp.Run(tab, chromedp.Poll[T](expr, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(timeout)))
	require.NoError(t, err, "waiting %s for %s", timeout, expr)
	return v
}

package transport

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lastRoundTrip keeps the last request a Client handed its transport, and the response.
type lastRoundTrip struct {
	next http.RoundTripper
	mu   sync.Mutex
	req  *http.Request
	resp *http.Response
}

func (l *lastRoundTrip) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.next.RoundTrip(req)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.req, l.resp = req, resp
	return resp, err
}

// followed says what net/http's Client does with a 3xx, asked of the Client itself: for every
// status from 300 to 308, with each kind of request body, answered directly or after a 302 the
// Client followed (where the request that began the chain decides a 307 or 308).
func TestFollowedMirrorsNetHTTP(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if then := r.URL.Query().Get("then"); then != "" {
			http.Redirect(w, r, "/?status="+then, http.StatusFound)
			return
		}
		status, _ := strconv.Atoi(r.URL.Query().Get("status"))
		w.Header().Set("Location", "/done")
		w.WriteHeader(status)
	}))
	defer srv.Close()

	bodies := map[string]func(*http.Request){
		"no body":         func(*http.Request) {},
		"http.NoBody":     func(r *http.Request) { r.Body = http.NoBody },
		"replayable body": func(r *http.Request) { SetBody(r, []byte(`{"a":1}`)) },
		"body without GetBody": func(r *http.Request) {
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(`{"a":1}`)), 7
		},
		"empty body without GetBody": func(r *http.Request) { // a create's, as attempt.prepare sends it
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader("")), 0
		},
	}
	for status := 300; status <= 308; status++ {
		for _, chain := range []string{"status", "then"} {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				for name, setBody := range bodies {
					what := strings.Join([]string{strconv.Itoa(status), chain, method, name}, " ")
					rt := &lastRoundTrip{next: srv.Client().Transport}
					var netFollows bool
					hc := &http.Client{Transport: rt, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
						if req.URL.Query().Has("status") {
							return nil // the 302 of the chain
						}
						netFollows = true
						return http.ErrUseLastResponse
					}}
					req, err := http.NewRequest(method, srv.URL+"/?"+chain+"="+strconv.Itoa(status), nil)
					require.NoError(t, err)
					setBody(req)
					resp, err := hc.Do(req)
					require.NoError(t, err, what)
					_ = resp.Body.Close()
					require.Equal(t, status, resp.StatusCode, what)
					assert.Equal(t, netFollows, followed(rt.req, rt.resp), what)
				}
			}
		}
	}
}

// A Transport sets Response.Request to whatever it likes: a loop does not hang firstRequest.
func TestFirstRequestEndsOnALoop(t *testing.T) {
	t.Parallel()
	req := &http.Request{Method: http.MethodGet}
	req.Response = &http.Response{Request: req}
	assert.Same(t, req, firstRequest(req))
}

package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/fakeoverride"
)

// A response without a Date header, or with one that is not an HTTP date, contradicts
// headers.date (the HMAC timestamps then go by the local clock), and only that row.
func TestDateHeaderAbsentIsContradicted(t *testing.T) {
	t.Parallel()
	for name, date := range map[string][]string{"absent": nil, "not an HTTP date": {"yesterday"}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t)
			o := probeAt(context.Background(), t, srv, withDate(t, srv.URL, date))
			row := o.rows["headers.date"]
			assert.Equal(t, Contradicted, row.Result)
			assert.Equal(t, "absent or not an HTTP date", row.Evidence)
			assert.Equal(t, Confirmed, o.rows["hmac.canonical"].Result, "the local clock is right here")
			assert.Equal(t, exitOK, o.code, "the Date header is an assumption")
		})
	}
}

// withDate starts a proxy in front of target whose responses carry the Date header date, or
// none when date is nil (net/http's server adds one unless the handler's header holds a nil
// Date), and returns its URL.
func withDate(t *testing.T, target string, date []string) string {
	t.Helper()
	u, err := url.Parse(target)
	require.NoError(t, err)
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(res *http.Response) error {
		res.Header.Del("Date")
		return nil
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Date"] = date
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// A list of API keys the server could not give (a 503, a 429) decides nothing: the list and
// get rows are inconclusive with the status as evidence, and the field rows have no key to look
// at. A refusal (a 404) contradicts them instead.
func TestUndecidedAPIKeysAreInconclusive(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		list, get int
		result    Result
	}{
		"503 and 429": {http.StatusServiceUnavailable, http.StatusTooManyRequests, Inconclusive},
		"404 and 403": {http.StatusNotFound, http.StatusForbidden, Contradicted},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t)
			baseURL := overridden(t, srv, fakeoverride.Overrides{Respond: func(r *http.Request, resp *fakeoverride.Response) {
				switch {
				case r.URL.Path == "/api-keys":
					resp.Status, resp.Body = tc.list, []byte(`{"statusCode":503,"message":"busy"}`)
				case strings.HasPrefix(r.URL.Path, "/api-keys/"):
					resp.Status, resp.Body = tc.get, []byte(`{"statusCode":429,"message":"slow down"}`)
				}
			}})
			o := probeAt(context.Background(), t, srv, baseURL)
			assert.Equal(t, tc.result, o.rows["apikeys.list"].Result)
			assert.Regexp(t, `^\d{3} "busy"$`, o.rows["apikeys.list"].Evidence)
			assert.Contains(t, o.rows["apikeys.list"].Evidence, `"busy"`)
			assert.Equal(t, tc.result, o.rows["apikeys.get"].Result)
			assert.Contains(t, o.rows["apikeys.get"].Evidence, `"slow down"`)
			for _, id := range []string{"apikeys.fields", "apikeys.last-used-at"} {
				assert.Equal(t, Inconclusive, o.rows[id].Result, id)
				assert.Equal(t, "no key to look at", o.rows[id].Evidence, id)
			}
		})
	}
}

// A session token that is not a JWT contradicts the documented fact; the rows that need its
// claims are skipped, saying why; the run fails.
func TestTokenThatIsNotAJWTIsContradicted(t *testing.T) {
	t.Parallel()
	for token, evidence := range map[string]string{
		"opaque-session-token-1234": "the token has 1 dot-separated parts, not 3",
		"a.b":                       "the token has 2 dot-separated parts, not 3",
		"!!!.e30.sig":               "the token's header: not base64url",
		"e30.bnVsbA.sig":            "the token's claims: not a JSON object", // {} and null
	} {
		t.Run(token, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t)
			baseURL := overridden(t, srv, fakeoverride.Overrides{Respond: func(r *http.Request, resp *fakeoverride.Response) {
				if r.URL.Path == "/sessions" && resp.Status == http.StatusCreated {
					var body map[string]any
					if json.Unmarshal(resp.Body, &body) == nil {
						body["token"] = token
						resp.Body, _ = json.Marshal(body)
					}
				}
			}})
			o := probeAt(context.Background(), t, srv, baseURL)
			assert.Equal(t, Confirmed, o.rows["sessions.create"].Result)
			assert.Equal(t, Contradicted, o.rows["sessions.jwt"].Result)
			assert.Equal(t, evidence, o.rows["sessions.jwt"].Evidence)
			assert.Equal(t, Documented, o.rows["sessions.jwt"].Source)
			for _, id := range []string{"sessions.claims", "sessions.lifetime"} {
				assert.Equal(t, Skipped, o.rows[id].Result, id)
				assert.Equal(t, "not a JWT", o.rows[id].Evidence, id)
			}
			assert.Equal(t, Inconclusive, o.rows["sessions.attributes.claims"].Result)
			assert.Equal(t, evidence, o.rows["sessions.attributes.claims"].Evidence)
			assert.Equal(t, exitContradicted, o.code)
		})
	}
}

// A server that refuses user.attributes as a property it does not know contradicts the fact
// that POST /sessions accepts them; another 400 (an attribute the organization has not defined)
// shows the field was read, and decides nothing.
func TestAttributesRefusedAsUnknownPropertyAreContradicted(t *testing.T) {
	t.Parallel()
	for message, result := range map[string]Result{
		"property user.attributes should not exist":                          Contradicted,
		"user.attributes is not allowed":                                     Contradicted,
		"Unknown field: attributes":                                          Contradicted,
		"attribute reeflow_conformance is not defined for this organization": Inconclusive,
		"user.id should not exist":                                           Inconclusive,
	} {
		t.Run(message, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t)
			var sessions atomic.Int32
			baseURL := overridden(t, srv, fakeoverride.Overrides{Respond: func(r *http.Request, resp *fakeoverride.Response) {
				// The probe mints a token, tries a 25-hour expiration, then sends the attributes.
				if r.Method == http.MethodPost && r.URL.Path == "/sessions" && sessions.Add(1) == 3 {
					resp.Status = http.StatusBadRequest
					resp.Body, _ = json.Marshal(map[string]any{"statusCode": 400, "message": []string{message}, "error": "Bad Request"})
				}
			}})
			o := probeAt(context.Background(), t, srv, baseURL)
			row := o.rows["sessions.attributes"]
			assert.Equal(t, result, row.Result, row.Evidence)
			assert.Contains(t, row.Evidence, "400")
			assert.Equal(t, Skipped, o.rows["sessions.attributes.claims"].Result)
			assert.Equal(t, "no token", o.rows["sessions.attributes.claims"].Evidence)
		})
	}
}

// When nothing answers, every row is inconclusive or skipped with the transport error as its
// evidence, never contradicted: a network failure says nothing about the API.
func TestTransportErrorIsTheEvidence(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedURL := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there any more: every dial is refused

	o := probeAt(context.Background(), t, srv, closedURL)
	assert.Equal(t, exitOK, o.code)
	for _, id := range o.order {
		row := o.rows[id]
		assert.Contains(t, []Result{Inconclusive, Skipped}, row.Result, "%s: %s", id, row.Evidence)
	}
	for _, id := range []string{"auth.none", "auth.basic.accepted", "headers.request-id", "headers.rate-limit", "headers.date",
		"connections.list", "apikeys.list", "apikeys.get", "sessions.create", "sessions.attributes", "sessions.max-expiration"} {
		row := o.rows[id]
		assert.Equal(t, Inconclusive, row.Result, id)
		assert.Contains(t, row.Evidence, "connection refused", id)
		assert.Contains(t, row.Evidence, closedURL, "%s: the evidence names the URL", id)
	}
}

// An error answer is described by its message and code when it has either, and otherwise by
// its media type and size, never as an empty quoted message.
func TestErrorEvidenceWithoutAMessage(t *testing.T) {
	t.Parallel()
	header := http.Header{"Content-Type": {"application/json"}}
	for body, want := range map[string]string{
		`{}`:                             `400, application/json body of 2 bytes`,
		`{"message":"bad"}`:              `400 "bad"`,
		`{"message":"bad","code":"BAD"}`: `400 "bad" code BAD`,
	} {
		assert.Equal(t, want, reply{status: http.StatusBadRequest, header: header, body: []byte(body)}.String(), body)
	}
}

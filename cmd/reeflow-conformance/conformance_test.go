package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/fakeoverride"
	"github.com/reeflow/reeflow-go/internal/hmacsig"
	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// allFacts is every row the probe reports, in order: a fact that silently disappears fails
// the tests.
var allFacts = []string{
	"auth.none", "auth.basic.wrong-secret", "auth.basic.unknown-key", "auth.basic.malformed", "auth.basic.multiple",
	"auth.basic.disabled",
	"headers.request-id", "headers.rate-limit", "headers.date", "auth.basic.accepted",
	"connections.list", "connections.list.fields", "connections.list.ids", "connections.list.no-secrets",
	"apikeys.list", "apikeys.get", "apikeys.fields", "apikeys.last-used-at",
	"sessions.create", "sessions.jwt", "sessions.claims", "sessions.lifetime", "sessions.max-expiration",
	"sessions.attributes", "sessions.attributes.claims",
	"connections.create", "connections.create.id", "connections.get", "connections.update", "connections.delete", "connections.get.deleted",
	"connections.types", "connections.config.pg", "connections.config.tinybird", "connections.config.bigquery", "connections.config.snowflake",
	"quotas.message",
	"hmac.canonical", "hmac.query", "hmac.body", "hmac.bad-signature", "hmac.old-timestamp", "hmac.old-timestamp.message", "hmac.missing-signature",
	"openapi.served", "openapi.operations", "openapi.statuses", "openapi.fields",
}

// outcome is one run of the probe against a fake.
type outcome struct {
	code           int
	rows           map[string]Row
	order          []string
	stdout, stderr string
	requests       int
}

var summaryRequests = regexp.MustCompile(`; (\d+) requests in `)

// probeAt runs the program with srv's default key against baseURL (srv's, or that of a proxy
// in front of srv, see overridden), with -json and no pacing, plus args.
func probeAt(ctx context.Context, t *testing.T, srv *reeflowtest.Server, baseURL string, args ...string) outcome {
	t.Helper()
	key := srv.Key()
	env := map[string]string{
		"REEFLOW_BASE_URL": baseURL, "REEFLOW_API_KEY_ID": key.ID, "REEFLOW_API_KEY_SECRET": key.Secret,
	}
	var stdout, stderr bytes.Buffer
	code := run(ctx, append([]string{"-json", "-pace", "0"}, args...), func(k string) string { return env[k] }, &stdout, &stderr)
	o := outcome{code: code, rows: map[string]Row{}, stdout: stdout.String(), stderr: stderr.String()}
	var rows []Row
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rows), "stdout must be one JSON array:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	for _, r := range rows {
		o.rows[r.ID] = r
		o.order = append(o.order, r.ID)
		assert.Contains(t, []Source{Documented, Assumed}, r.Source, r.ID)
		assert.Contains(t, []Result{Confirmed, Contradicted, Inconclusive, Skipped}, r.Result, r.ID)
		assert.NotEmpty(t, r.Fact, r.ID)
		assert.NotEmpty(t, r.Evidence, r.ID)
	}
	m := summaryRequests.FindStringSubmatch(o.stderr)
	require.NotNil(t, m, "stderr has the summary: %s", o.stderr)
	o.requests, _ = strconv.Atoi(m[1])
	assert.LessOrEqual(t, o.requests, maxRequests)
	assertNoSecret(t, srv, o.stdout+o.stderr)
	return o
}

// newFake starts a fake over plain HTTP on loopback, which the SDK's rules allow.
func newFake(t *testing.T) *reeflowtest.Server {
	return reeflowtest.NewServer(t, reeflowtest.WithoutTLS())
}

// overridden starts a proxy that makes srv disagree with openapi.yaml as o says, and returns
// its base URL. The proxy is closed before srv.
func overridden(t *testing.T, srv *reeflowtest.Server, o fakeoverride.Overrides) string {
	t.Helper()
	p, err := fakeoverride.NewProxy(srv, o)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p.URL
}

var jwtLike = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+`)

func assertNoSecret(t *testing.T, srv *reeflowtest.Server, out string) {
	t.Helper()
	assert.NotContains(t, out, srv.Key().Secret)
	assert.NotContains(t, out, srv.Key().ID)
	assert.NotRegexp(t, jwtLike, out, "no session token")
	assert.NotContains(t, out, probeUserID+`"`, "no claim value")
	assert.NotContains(t, out, `"probe"`, "no attribute value")
}

// TestConfirmsEveryFactOfTheFake: the fake implements openapi.yaml, so the probe confirms every
// fact it can check, except that the fake does not put user attributes into its tokens. So it
// does through a proxy that overrides nothing, which the other tests' disagreements build on.
func TestConfirmsEveryFactOfTheFake(t *testing.T) {
	t.Parallel()
	for name, overrides := range map[string]*fakeoverride.Overrides{
		"the fake itself": nil,
		// The proxy checks and re-signs every HMAC request.
		"through a proxy that accepts the SDK's string": {Canonical: &hmacsig.Default},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t)
			baseURL := srv.URL
			if overrides != nil {
				baseURL = overridden(t, srv, *overrides)
			}
			_, err := srv.Client().Connections.Create(context.Background(), reeflow.CreateConnectionParams{
				Name: "analytics", Config: reeflow.PostgresConfig{Host: "db", Port: 5432, Database: "a", User: "u", Password: "pw-never-shown", SSL: true},
			})
			require.NoError(t, err)

			o := probeAt(context.Background(), t, srv, baseURL, "-write")
			assert.Equal(t, allFacts, o.order)
			for _, id := range o.order {
				row := o.rows[id]
				switch id {
				case "auth.basic.disabled":
					assert.Equal(t, Skipped, row.Result, id)
				case "quotas.message":
					assert.Equal(t, Inconclusive, row.Result, id)
					assert.Equal(t, "no create was refused for a quota", row.Evidence)
				case "sessions.attributes.claims":
					// Whether the fake carries attributes into its claims is another issue's work: only
					// the row and the form of its evidence are fixed here.
					assert.Contains(t, []Result{Confirmed, Contradicted}, row.Result)
					assert.Regexp(t, `^claims: .*\bexp\b.*; the attribute `, row.Evidence)
				default:
					assert.Equal(t, Confirmed, row.Result, "%s: %s", id, row.Evidence)
				}
			}
			assert.Equal(t, exitOK, o.code)
			assert.Contains(t, o.rows["hmac.canonical"].Evidence, "200")
			assert.Equal(t, "1 checked, no password or token field", o.rows["connections.list.no-secrets"].Evidence)
			assert.Equal(t, "claims: exp, iat, iss, nbf, sub, user_id", o.rows["sessions.claims"].Evidence)
			assert.Equal(t, "header: alg, typ; alg HS256; typ JWT", o.rows["sessions.jwt"].Evidence)
			assert.Equal(t, "exp - iat = 1h0m0s", o.rows["sessions.lifetime"].Evidence)
			assert.NotContains(t, o.stdout, "pw-never-shown")

			conns := srv.Connections()
			require.Len(t, conns, 1, "the throwaway connection is gone")
			assert.Equal(t, "analytics", conns[0].Name)
			t.Logf("%d requests; %s", o.requests, strings.TrimSpace(o.stderr))
		})
	}
}

// TestReportsTheCandidateTheServerAccepts: with a proxy that accepts another definition instead,
// the probe finds it, and then checks the query, a body and the error messages with it.
func TestReportsTheCandidateTheServerAccepts(t *testing.T) {
	t.Parallel()
	candidates := hmacsig.Candidates()
	byName := func(name string) hmacsig.Variant {
		for _, v := range candidates {
			if v.Name == name {
				return v
			}
		}
		t.Fatalf("no candidate %q", name)
		return hmacsig.Variant{}
	}
	for _, tc := range []struct {
		variant                hmacsig.Variant
		canonical, query, body Result
		evidence               string
	}{
		{byName("timestamp first"), Contradicted, Confirmed, Confirmed, `Reeflow accepts candidate "timestamp first": TIMESTAMP "\n" METHOD "\n" PATH?QUERY "\n" hex(sha256(BODY))`},
		{byName("base64 body hash"), Contradicted, Confirmed, Confirmed, `Reeflow accepts candidate "base64 body hash"`},
		{byName("concatenated, timestamp first, raw body"), Contradicted, Confirmed, Confirmed, `Reeflow accepts candidate "concatenated, timestamp first, raw body"`},
		// Identical to the SDK's on a request without a query: only the query check tells.
		{byName("query excluded"), Confirmed, Contradicted, Confirmed, "200"},
		// Only a body tells this one from the SDK's.
		{byName("content type before body"), Contradicted, Confirmed, Confirmed, `Reeflow accepts candidate "content type before body"`},
		// Not a candidate: nothing is accepted, and the search stays bounded.
		{hmacsig.Variant{Name: "unknown", Parts: []hmacsig.Part{hmacsig.PartPath, hmacsig.PartMethod, hmacsig.PartTimestamp, hmacsig.PartBody}, Separator: "\r\n"},
			Contradicted, Skipped, Skipped, "none of the 14 other candidates was accepted (skipped 1 that builds the same string on this request)"},
	} {
		t.Run(tc.variant.Name, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t)
			v := tc.variant
			o := probeAt(context.Background(), t, srv, overridden(t, srv, fakeoverride.Overrides{Canonical: &v}))
			assert.Equal(t, tc.canonical, o.rows["hmac.canonical"].Result, o.rows["hmac.canonical"].Evidence)
			assert.Contains(t, o.rows["hmac.canonical"].Evidence, tc.evidence)
			assert.Equal(t, tc.query, o.rows["hmac.query"].Result, o.rows["hmac.query"].Evidence)
			if tc.query == Contradicted {
				assert.Contains(t, o.rows["hmac.query"].Evidence, `Reeflow signs METHOD "\n" PATH "\n" TIMESTAMP "\n" hex(sha256(BODY))`)
			}
			assert.Equal(t, tc.body, o.rows["hmac.body"].Result, o.rows["hmac.body"].Evidence)
			if tc.query != Skipped {
				for _, id := range []string{"hmac.bad-signature", "hmac.old-timestamp", "hmac.old-timestamp.message", "hmac.missing-signature"} {
					assert.Equal(t, Confirmed, o.rows[id].Result, "%s: %s", id, o.rows[id].Evidence)
				}
			}
			assert.Equal(t, exitOK, o.code, "only assumptions were contradicted")
		})
	}
}

// TestReportsContradictions: a server with other messages, a list in an envelope and other
// headers gets "contradicted" rows, and a contradicted documented fact fails the run. A message
// that echoes the secret does not bring it into the report.
func TestReportsContradictions(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	_, err := srv.Client().Connections.Create(context.Background(), reeflow.CreateConnectionParams{
		Name: "analytics", Config: reeflow.PostgresConfig{Host: "db", Port: 5432, Database: "a", User: "u", SSL: true},
	})
	require.NoError(t, err)
	secret := srv.Key().Secret
	url := overridden(t, srv, fakeoverride.Overrides{Respond: func(r *http.Request, resp *fakeoverride.Response) {
		resp.Header.Del("X-Request-Id")
		resp.Header.Set("X-Correlation-Id", "c-1")
		resp.Header.Set("X-RateLimit-Remaining", "99")
		var body map[string]any
		switch {
		case json.Unmarshal(resp.Body, &body) == nil && body["message"] == "Invalid API key secret":
			body["message"] = "Wrong secret " + secret + " for " + srv.Key().ID
			resp.Body, _ = json.Marshal(body)
		case json.Unmarshal(resp.Body, &body) == nil && body["message"] == "Invalid API key":
			// Past where a message used to be cut: a secret cut in two escaped redaction.
			body["message"] = strings.Repeat("x", 180) + " " + secret
			resp.Body, _ = json.Marshal(body)
		case json.Unmarshal(resp.Body, &body) == nil && body["message"] == "Missing credentials":
			body["message"] = "Unauthorized"
			resp.Body, _ = json.Marshal(body)
		case r.Method == http.MethodGet && r.URL.Path == "/connections" && resp.Status == http.StatusOK:
			resp.Body = append(append([]byte(`{"data":`), resp.Body...), `,"next_cursor":null}`...)
		}
	}})

	o := probeAt(context.Background(), t, srv, url)
	for id, evidence := range map[string]string{
		"auth.basic.wrong-secret": `401 "Wrong secret [REDACTED] for [key ID]"`,
		"auth.basic.unknown-key":  `401 "` + strings.Repeat("x", 180) + ` [REDACTED]"`,
		"auth.none":               `401 "Unauthorized"`,
		"connections.list":        `200, a JSON object with keys data, next_cursor (an envelope: 1 elements under "data")`,
		"headers.request-id":      "absent; request-ID-like headers: X-Correlation-Id",
		"headers.rate-limit":      "present: X-Ratelimit-Remaining",
	} {
		assert.Equal(t, Contradicted, o.rows[id].Result, id)
		assert.Equal(t, evidence, o.rows[id].Evidence, id)
	}
	assert.Equal(t, Confirmed, o.rows["connections.list.fields"].Result, "the envelope's elements are still checked")
	assert.Equal(t, Documented, o.rows["auth.basic.wrong-secret"].Source)
	assert.Equal(t, exitContradicted, o.code, "a documented fact was contradicted")
	assert.NotContains(t, o.stdout+o.stderr, secret)
}

// TestReportsSpecDifferences: the document at /openapi is compared with openapi.yaml, and saved.
func TestReportsSpecDifferences(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	url := overridden(t, srv, fakeoverride.Overrides{Respond: func(r *http.Request, resp *fakeoverride.Response) {
		if r.URL.Path != "/openapi" || resp.Status != http.StatusOK {
			return
		}
		var doc map[string]any
		if !assert.NoError(t, json.Unmarshal(resp.Body, &doc)) {
			return
		}
		paths := doc["paths"].(map[string]any)
		delete(paths, "/api-keys/{api_key_id}")
		paths["/users/{id}"] = map[string]any{"get": map[string]any{"responses": map[string]any{"200": map[string]any{"description": "a user"}}}}
		conn := paths["/connections/{connection_id}"].(map[string]any)
		paths["/connections/{id}"] = conn // renamed parameter: still the same operation
		delete(paths, "/connections/{connection_id}")
		responses := conn["get"].(map[string]any)["responses"].(map[string]any)
		delete(responses, "404")
		responses["422"] = map[string]any{"description": "unprocessable"}
		session := doc["components"].(map[string]any)["schemas"].(map[string]any)["Session"].(map[string]any)
		props := session["properties"].(map[string]any)
		delete(props, "expires_at")
		props["expiresAt"] = map[string]any{"type": "string"}
		// Inside the oneOf of Connection, so in every response that holds a connection.
		pg := doc["components"].(map[string]any)["schemas"].(map[string]any)["PostgresConnection"].(map[string]any)
		pg["properties"].(map[string]any)["status"] = map[string]any{"type": "string"}
		resp.Body, _ = json.Marshal(doc)
	}})
	saved := filepath.Join(t.TempDir(), "reeflow-openapi.json")

	o := probeAt(context.Background(), t, srv, url, "-save-spec", saved)
	served := o.rows["openapi.served"]
	assert.Equal(t, Confirmed, served.Result)
	assert.Contains(t, served.Evidence, "(1 not in openapi.yaml: GET /users/{id})")
	assert.Contains(t, served.Evidence, "saved to "+saved)
	for id, evidence := range map[string]string{
		"openapi.operations": "only in openapi.yaml: GET /api-keys/{api_key_id}",
		"openapi.statuses":   "GET /connections/{connection_id}: only openapi.yaml has 404, only Reeflow's has 422",
		"openapi.fields": "GET /connections 200 response: only Reeflow's has [].status; " +
			"GET /connections/{connection_id} 200 response: only Reeflow's has status; " +
			"PATCH /connections/{connection_id} 200 response: only Reeflow's has status; " +
			"POST /connections 201 response: only Reeflow's has status; " +
			"POST /sessions 201 response: only openapi.yaml has expires_at, only Reeflow's has expiresAt",
	} {
		assert.Equal(t, Contradicted, o.rows[id].Result, id)
		assert.Equal(t, evidence, o.rows[id].Evidence, id)
	}
	b, err := os.ReadFile(saved)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"/users/{id}"`)
	assert.Equal(t, exitOK, o.code, "openapi.yaml's shapes are assumptions")
}

// requestLog records the method and path of every request the proxy answers.
type requestLog struct {
	mu   sync.Mutex
	seen []string
}

func (l *requestLog) respond(r *http.Request, _ *fakeoverride.Response) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, r.Method+" "+r.URL.Path)
}

func (l *requestLog) requests() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.seen...)
}

// TestReadOnlyWithoutWrite: without -write nothing is created, changed or deleted.
func TestReadOnlyWithoutWrite(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	var log requestLog
	o := probeAt(context.Background(), t, srv, overridden(t, srv, fakeoverride.Overrides{Respond: log.respond}))
	for _, req := range log.requests() {
		method, path, _ := strings.Cut(req, " ")
		assert.True(t, method == http.MethodGet || path == "/sessions", "a read-only run sent %s", req)
	}
	assert.Len(t, log.requests(), o.requests, "the summary counts every request")
	for _, id := range []string{"connections.create", "connections.get", "connections.update", "connections.delete", "connections.get.deleted"} {
		assert.Equal(t, Skipped, o.rows[id].Result, id)
		assert.Equal(t, "not tried: needs -write", o.rows[id].Evidence, id)
	}
}

// TestThrowawayConnectionIsDeletedWhenAStepFails: a refused DELETE or an interrupted run
// still ends with the connection deleted, and the program says it cleaned up.
func TestThrowawayConnectionIsDeletedWhenAStepFails(t *testing.T) {
	t.Parallel()
	for name, interrupt := range map[string]bool{"delete refused once": false, "run interrupted": true} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			url := overridden(t, srv, fakeoverride.Overrides{Respond: func(r *http.Request, _ *fakeoverride.Response) {
				if r.Method == http.MethodPatch {
					if interrupt {
						cancel() // as Ctrl-C would, while the rename is under way
					} else {
						srv.FailNext(1, http.StatusServiceUnavailable, 0) // the DELETE after it
					}
				}
			}})
			o := probeAt(ctx, t, srv, url, "-write")
			assert.Equal(t, Inconclusive, o.rows["connections.delete"].Result, o.rows["connections.delete"].Evidence)
			assert.Equal(t, Skipped, o.rows["connections.get.deleted"].Result)
			assert.Empty(t, srv.Connections(), "the throwaway connection was deleted")
			assert.Contains(t, o.stderr, "deleted the throwaway connection conn_")
			assert.Equal(t, exitOK, o.code)
		})
	}
}

// TestThrowawayConnectionIsFoundWithoutAnAnswer: a create that got no usable answer may have
// created the connection all the same; the probe finds it by its name and deletes it.
func TestThrowawayConnectionIsFoundWithoutAnAnswer(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	var first atomic.Bool
	url := overridden(t, srv, fakeoverride.Overrides{Respond: func(r *http.Request, resp *fakeoverride.Response) {
		// The lifecycle's create, which the fake performs; the later creates of incomplete
		// configs are answered as the fake answers them.
		if r.Method == http.MethodPost && r.URL.Path == "/connections" && first.CompareAndSwap(false, true) {
			resp.Status, resp.Body = http.StatusGatewayTimeout, []byte(`<html>Gateway Timeout</html>`)
			resp.Header.Set("Content-Type", "text/html")
		}
	}})
	o := probeAt(context.Background(), t, srv, url, "-write")
	assert.Equal(t, Inconclusive, o.rows["connections.create"].Result)
	assert.Equal(t, "504, text/html body of 28 bytes", o.rows["connections.create"].Evidence)
	assert.Empty(t, srv.Connections(), "the connection the fake created was found and deleted")
	assert.Contains(t, o.stderr, "deleted the throwaway connection conn_")
	assert.Equal(t, exitOK, o.code)
}

// TestSaysSoWhenTheConnectionCannotBeDeleted: the program names what it left behind and fails.
func TestSaysSoWhenTheConnectionCannotBeDeleted(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	url := overridden(t, srv, fakeoverride.Overrides{Respond: func(r *http.Request, _ *fakeoverride.Response) {
		if r.Method == http.MethodPatch {
			srv.FailNext(1000, http.StatusServiceUnavailable, 0) // every request after the rename
		}
	}})
	o := probeAt(context.Background(), t, srv, url, "-write")
	assert.Equal(t, exitLeftBehind, o.code)
	require.Len(t, srv.Connections(), 1, "the DELETE was refused, so the fake still has it")
	id := srv.Connections()[0].ID
	assert.Contains(t, o.stderr, "could not delete the throwaway connection "+id)
	assert.Contains(t, o.stderr, "delete it in the Reeflow Console")
	assert.Equal(t, Inconclusive, o.rows["connections.delete"].Result, "a 503 says nothing about the API's design")
}

func TestRefusesToRunWithoutAUsableSetup(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		env  map[string]string
		args []string
		want string
	}{
		"no credentials": {map[string]string{}, nil, "set REEFLOW_API_KEY_ID and REEFLOW_API_KEY_SECRET"},
		"plain http":     {map[string]string{"REEFLOW_API_KEY_ID": "key_a", "REEFLOW_API_KEY_SECRET": "s", "REEFLOW_BASE_URL": "http://api.example.com"}, nil, "insecure base URL"},
		"bad key ID":     {map[string]string{"REEFLOW_API_KEY_ID": "abc", "REEFLOW_API_KEY_SECRET": "s"}, nil, "invalid credentials"},
		"unknown flag":   {map[string]string{}, []string{"-nope"}, "flag provided but not defined"},
		"argument":       {map[string]string{}, []string{"extra"}, "unexpected arguments"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, func(k string) string { return tc.env[k] }, &stdout, &stderr)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, stderr.String(), tc.want)
			assert.Empty(t, stdout.String())
		})
	}
}

// TestTextReport: without -json, a table a person can read and paste.
func TestTextReport(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	key := srv.Key()
	env := map[string]string{"REEFLOW_BASE_URL": srv.URL, "REEFLOW_API_KEY_ID": key.ID, "REEFLOW_API_KEY_SECRET": key.Secret}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"-pace", "0"}, func(k string) string { return env[k] }, &stdout, &stderr)
	assert.Equal(t, exitOK, code, stderr.String())
	out := stdout.String()
	assert.Contains(t, out, "reeflow-conformance against "+srv.URL+" (read-only)")
	assert.Regexp(t, `(?m)^RESULT\s+SOURCE\s+FACT\s+EVIDENCE$`, out)
	assert.Regexp(t, `(?m)^confirmed\s+documented\s+Basic with a wrong secret → 401 "Invalid API key secret"\s+401 "Invalid API key secret"$`, out)
	assert.Regexp(t, `(?m)^\d+ facts: \d+ confirmed, \d+ contradicted \(0 of them documented\), \d+ inconclusive, \d+ skipped; \d+ requests in `, out)
	assertNoSecret(t, srv, out)
}

// TestPacesTheCandidates: the probe pauses before every candidate request, and only then.
func TestPacesTheCandidates(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		canonical        *hmacsig.Variant
		pauses, requests int
	}{
		// The SDK's signature, the query and body checks, the three error answers.
		"the SDK's string is accepted": {nil, 0, 1 + 2 + 3},
		// "query excluded" builds the SDK's string on this request, so it is not sent.
		"the fifth candidate is": {&hmacsig.Candidates()[5], 4, 1 + 4 + 2 + 3},
		"none is":                {&hmacsig.Variant{Name: "x", Parts: []hmacsig.Part{hmacsig.PartBody}}, 14, 1 + 14 + 3},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t)
			url := overridden(t, srv, fakeoverride.Overrides{Canonical: tc.canonical})
			key := srv.Key()
			p, err := newProbe(config{baseURL: url, keyID: key.ID, secret: key.Secret, pace: 300 * time.Millisecond}, io.Discard)
			require.NoError(t, err)
			defer p.close()
			var pauses []time.Duration
			p.sleep = func(_ context.Context, d time.Duration) error {
				pauses = append(pauses, d)
				return nil
			}
			p.checkHMAC(context.Background())
			assert.Len(t, pauses, tc.pauses)
			for _, d := range pauses {
				assert.Equal(t, 300*time.Millisecond, d)
			}
			assert.Equal(t, tc.requests, p.sent)
		})
	}
}

// A secret or key ID with characters a quoted string escapes is still scrubbed: redaction runs
// on the server's text as sent, before anything escapes it.
func TestSecretsWithQuotesAreScrubbed(t *testing.T) {
	t.Parallel()
	const keyID, secret = `key_ab"cd`, `Sup3r"Secr3t\Value`
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(r.Header.Get("Authorization"), "Basic "))
		id, sec, _ := strings.Cut(string(raw), ":")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]any{"message": "bad " + sec + " for " + id + "\x1b[2J", "statusCode": 401, "error": "Unauthorized"})
	}))
	defer ts.Close()
	env := map[string]string{"REEFLOW_BASE_URL": ts.URL, "REEFLOW_API_KEY_ID": keyID, "REEFLOW_API_KEY_SECRET": secret}
	var out, errb bytes.Buffer
	run(context.Background(), []string{"-json", "-pace", "0"}, func(k string) string { return env[k] }, &out, &errb)
	all := out.String() + errb.String()
	assert.NotContains(t, all, "Secr3t")
	assert.NotContains(t, all, `ab"cd`)
	assert.NotContains(t, all, `ab\"cd`)
	assert.NotContains(t, all, "\x1b")
	assert.Contains(t, all, "[REDACTED]")
}

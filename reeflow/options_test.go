package reeflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

var pgParamsSSL = reeflow.CreateConnectionParams{Name: "Analytics", Config: reeflow.PostgresConfig{
	Host: "db.example.com", Port: 5432, Database: "app", User: "reader", Password: "pw", SSL: true,
}}

func TestWithResponseIntoOnSuccess(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	client := srv.Client(noWaits(&waits{})...)
	ctx := context.Background()

	var resp reeflow.Response
	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	conns, err := client.Connections.List(ctx, reeflow.WithResponseInto(&resp))
	require.NoError(t, err)
	assert.Empty(t, conns)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, 2, resp.Attempts, "the 503 was retried once")
	assert.NotEmpty(t, resp.RequestID, "the fake sends X-Request-Id")
	assert.Equal(t, resp.RequestID, resp.Header.Get("X-Request-Id"))
	assert.JSONEq(t, `[]`, string(resp.Body))

	created, err := client.Connections.Create(ctx, pgParamsSSL, reeflow.WithResponseInto(&resp))
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, 1, resp.Attempts)
	var raw map[string]any
	require.NoError(t, json.Unmarshal(resp.Body, &raw), "the raw body is there to read undecoded fields")
	assert.Equal(t, created.ID, raw["id"])
}

func TestWithResponseIntoOnFailure(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	client := srv.Client(noWaits(&waits{})...)
	var resp reeflow.Response
	_, err := client.Connections.Get(context.Background(), "conn_missing", reeflow.WithResponseInto(&resp))
	require.ErrorIs(t, err, reeflow.ErrNotFound)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, 1, resp.Attempts)
	assert.Contains(t, string(resp.Body), "Connection not found")

	// No response at all: the status stays 0, the attempts are counted.
	dead := newPlainServer(t, func(http.ResponseWriter, *http.Request) {})
	dead.Close()
	client2, err := reeflow.NewClient(reeflow.WithBaseURL(dead.URL), reeflow.WithBasicAuth(docKeyID, docSecret), noWaits(&waits{})[0], noWaits(&waits{})[1])
	require.NoError(t, err)
	resp = reeflow.Response{StatusCode: 999}
	_, err = client2.Connections.List(context.Background(), reeflow.WithResponseInto(&resp))
	require.Error(t, err)
	assert.Equal(t, 0, resp.StatusCode)
	assert.Equal(t, 3, resp.Attempts, "the first attempt and two retries")
}

func TestWithBodyField(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(201, `{"token":"a.b.c","expires_at":"2026-01-01T00:00:00Z"}`))
	ctx := context.Background()
	_, err := client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "u_1"},
		reeflow.WithBodyField("user.email", "ada@example.com"),
		reeflow.WithBodyField("theme", json.RawMessage(`{"dark":true}`)),
		reeflow.WithBodyField("big", json.Number("12345678901234567890")))
	require.NoError(t, err)
	assert.JSONEq(t, `{"user":{"id":"u_1","email":"ada@example.com"},"theme":{"dark":true},"big":12345678901234567890}`, string(rec.last(t).Body))

	// A field replaces what the typed parameters set.
	_, err = client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "u_1"}, reeflow.WithBodyField("user.id", "u_2"))
	require.NoError(t, err)
	assert.JSONEq(t, `{"user":{"id":"u_2"}}`, string(rec.last(t).Body))

	sent := len(rec.all())
	for name, tc := range map[string]struct {
		call func() error
		want string
	}{
		"no body": {func() error {
			_, err := client.Connections.List(ctx, reeflow.WithBodyField("x", 1))
			return err
		}, "WithBodyField: list connections sends no request body"},
		"empty path": {func() error {
			_, err := client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "u"}, reeflow.WithBodyField("", 1))
			return err
		}, "WithBodyField: empty field path"},
		"empty key": {func() error {
			_, err := client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "u"}, reeflow.WithBodyField("user..x", 1))
			return err
		}, `field path "user..x" has an empty key`},
		"through a non-object": {func() error {
			_, err := client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "u"}, reeflow.WithBodyField("user.id.x", 1))
			return err
		}, `WithBodyField "user.id.x": "id" is not a JSON object`},
		"unencodable value": {func() error {
			_, err := client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "u"}, reeflow.WithBodyField("f", func() {}))
			return err
		}, `WithBodyField: "f": encode value`},
	} {
		err := tc.call()
		require.Error(t, err, name)
		assert.ErrorContains(t, err, tc.want, name)
	}
	assert.Len(t, rec.all(), sent, "a refused option sends nothing")
}

// A field WithBodyField sets that the body already has is replaced where it stands, the first
// key of an object included: a duplicate key would leave the field to whichever copy the server
// reads. The keys are read from the raw body, since decoding into a map (or assert.JSONEq)
// keeps one copy and hides the other.
func TestWithBodyFieldReplacesAnExistingKey(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(200, `{}`))
	nameFirst := json.RawMessage(`{"name":"old","config":{"sslmode":"disable","host":"db"},"ssl":true}`)
	configFirst := json.RawMessage(`{"config":{"sslmode":"disable","host":"db"},"ssl":true}`)
	for _, tc := range []struct {
		body        json.RawMessage
		path, value string
		want        string // the body's members, in order, as key=value
		wantConfig  string
	}{
		{nameFirst, "name", "new", `name="new" config={"sslmode":"disable","host":"db"} ssl=true`, `sslmode="disable" host="db"`},
		{nameFirst, "ssl", "x", `name="old" config={"sslmode":"disable","host":"db"} ssl="x"`, `sslmode="disable" host="db"`},
		{nameFirst, "config.sslmode", "verify-full", `name="old" config={"sslmode":"verify-full","host":"db"} ssl=true`, `sslmode="verify-full" host="db"`},
		{nameFirst, "config.host", "db2", `name="old" config={"sslmode":"disable","host":"db2"} ssl=true`, `sslmode="disable" host="db2"`},
		{configFirst, "config.sslmode", "verify-full", `config={"sslmode":"verify-full","host":"db"} ssl=true`, `sslmode="verify-full" host="db"`},
	} {
		require.NoError(t, client.Do(context.Background(), http.MethodPost, "connections", tc.body, nil,
			reeflow.WithBodyField(tc.path, tc.value)), tc.path)
		sent := rec.last(t).Body
		assert.Equal(t, tc.want, members(t, sent), "WithBodyField(%q)", tc.path)
		var top map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(sent, &top))
		assert.Equal(t, tc.wantConfig, members(t, top["config"]), "WithBodyField(%q) in config", tc.path)
	}
}

// members lists the members of a JSON object in the order they were sent, duplicates included,
// as key=value with each value compacted.
func members(t *testing.T, object []byte) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(object))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok, "%s is an object", object)
	var out bytes.Buffer
	for dec.More() {
		key, err := dec.Token()
		require.NoError(t, err)
		var value json.RawMessage
		require.NoError(t, dec.Decode(&value))
		if out.Len() > 0 {
			out.WriteByte(' ')
		}
		out.WriteString(key.(string) + "=")
		require.NoError(t, json.Compact(&out, value))
	}
	return out.String()
}

func TestPerCallRetriesTimeoutAndHeaders(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	client := srv.Client(noWaits(&waits{})...)
	ctx := context.Background()
	var resp reeflow.Response

	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	_, err := client.Connections.List(ctx, reeflow.WithMaxRetries(0), reeflow.WithResponseInto(&resp))
	require.ErrorIs(t, err, reeflow.ErrServer, "no retry for this call")
	assert.Equal(t, 1, resp.Attempts)

	srv.FailNext(4, http.StatusServiceUnavailable, 0)
	_, err = client.Connections.List(ctx, reeflow.WithMaxRetries(4), reeflow.WithResponseInto(&resp))
	require.NoError(t, err, "four retries for this call, two for the client")
	assert.Equal(t, 5, resp.Attempts)

	hang := make(chan struct{})
	defer close(hang)
	slow, rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Attempt-Test") == "slow" {
			select {
			case <-r.Context().Done():
			case <-hang:
			}
			return
		}
		reply(200, `[]`)(w, r)
	}, reeflow.WithMaxRetries(1))
	_, err = slow.Connections.List(ctx, reeflow.WithAttemptTimeout(50*time.Millisecond), reeflow.WithHeader("X-Attempt-Test", "slow"), reeflow.WithResponseInto(&resp))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 2, resp.Attempts, "each attempt timed out and was retried once")
	assert.Equal(t, "slow", rec.last(t).Header.Get("X-Attempt-Test"))

	for _, name := range []string{"Authorization", "authorization", "X-API-Key", "x-api-key", "X-API-Timestamp", "X-Api-TIMESTAMP", "x-api-signature", "Proxy-Authorization"} {
		_, err := slow.Connections.List(ctx, reeflow.WithHeader(name, "v"))
		require.ErrorIs(t, err, reeflow.ErrMultipleCredentials, name)
		_, err = reeflow.NewClient(reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithHeader(name, "v"))
		require.ErrorIs(t, err, reeflow.ErrMultipleCredentials, name)
	}
	// Only the headers authentication writes are refused: Reeflow may add other X-API-* headers.
	for _, name := range []string{"X-API-Version", "x-api-version", "X-API-Keys", "X-API"} {
		_, err := slow.Connections.List(ctx, reeflow.WithHeader(name, "2026-01-01"))
		require.NoError(t, err, name)
		assert.Equal(t, "2026-01-01", rec.last(t).Header.Get(name), name)
	}
	for name, h := range map[string][2]string{
		"set by net/http": {"Host", "elsewhere"}, "bad name": {"X Bad", "v"}, "empty name": {"", "v"}, "CRLF in value": {"X-Trace", "a\r\nInjected: 1"},
	} {
		_, err := slow.Connections.List(ctx, reeflow.WithHeader(h[0], h[1]))
		require.Error(t, err, name)
		assert.ErrorContains(t, err, "WithHeader", name)
	}
	_, err = slow.Connections.List(ctx, reeflow.WithMaxRetries(-1))
	assert.ErrorContains(t, err, "WithMaxRetries: negative count -1")
	_, err = slow.Connections.List(ctx, reeflow.WithAttemptTimeout(-time.Second))
	assert.ErrorContains(t, err, "WithAttemptTimeout: negative duration")
	_, err = slow.Connections.List(ctx, reeflow.WithResponseInto(nil))
	assert.ErrorContains(t, err, "WithResponseInto: nil *Response")
}

// TestOptionsWhereTheyHaveNoMeaningAreErrors: an option given where it means nothing is an error
// there, naming it, never silently ignored; a call's is refused before anything is sent.
func TestOptionsWhereTheyHaveNoMeaningAreErrors(t *testing.T) {
	t.Parallel()
	var resp reeflow.Response
	for _, tc := range []struct {
		opt  reeflow.Option
		want string
	}{
		{reeflow.WithResponseInto(&resp), "WithResponseInto applies to a single call only, not to NewClient"},
		{reeflow.WithBodyField("extra", 1), "WithBodyField applies to a single call only, not to NewClient"},
		{reeflow.WithIdempotent(), "WithIdempotent applies to Client.Do only: a service method knows which of its calls are safe to repeat"},
	} {
		_, err := reeflow.NewClient(reeflow.WithBasicAuth(docKeyID, docSecret), tc.opt)
		assert.EqualError(t, err, "reeflow: "+tc.want)
	}

	client, rec := newRecorder(t, reply(200, `[]`))
	ctx := context.Background()
	for _, tc := range []struct {
		opt  reeflow.Option
		want string
	}{
		{reeflow.WithBaseURL("https://elsewhere.example"), "WithBaseURL applies to NewClient only, not to a call"},
		{reeflow.WithHTTPClient(http.DefaultClient), "WithHTTPClient applies to NewClient only, not to a call"},
		{reeflow.WithMaxClockSkew(time.Minute), "WithMaxClockSkew applies to NewClient only, not to a call"},
		{reeflow.WithIdempotent(), "WithIdempotent applies to Client.Do only: a service method knows which of its calls are safe to repeat"},
		{reeflow.WithBodyField("extra", 1), "WithBodyField: list connections sends no request body"},
		{reeflow.RequestEditorFn(nil), "RequestEditorFn: nil editor"},
	} {
		_, err := client.Connections.List(ctx, tc.opt)
		assert.EqualError(t, err, "reeflow: list connections: "+tc.want)
	}
	assert.Empty(t, rec.all(), "nothing was sent")

	// The same options are fine where they mean something.
	var out []any
	require.NoError(t, client.Do(ctx, http.MethodPost, "queries", map[string]any{}, &out,
		reeflow.WithIdempotent(), reeflow.WithBodyField("extra", 1), reeflow.WithResponseInto(&resp)))
	assert.JSONEq(t, `{"extra":1}`, string(rec.last(t).Body))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// TestCallOptionsOverrideTheClientsForThatCallOnly: a call's editors and headers come after the
// client's, its credentials replace the client's, and none of it reaches the next call.
func TestCallOptionsOverrideTheClientsForThatCallOnly(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	other := srv.AddKey("other")
	var order []string
	var mu sync.Mutex
	editor := func(name string) reeflow.RequestEditorFn {
		return func(context.Context, *http.Request) error {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, name)
			return nil
		}
	}
	client := srv.Client(
		reeflow.WithHeader("X-Client", "c"), editor("client"),
		reeflow.WithUserAgent("svc/1"), reeflow.WithLogger(nil),
	)
	ctx := context.Background()
	var logs bytes.Buffer
	callLogger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	_, err := client.Connections.List(ctx,
		reeflow.WithHeader("X-Call", "1"), reeflow.WithHeader("X-Client", "call"), editor("call"),
		reeflow.WithBasicAuth(other.ID, other.Secret), reeflow.WithUserAgent("job/2"), reeflow.WithLogger(callLogger))
	require.NoError(t, err)
	_, err = client.Connections.List(ctx)
	require.NoError(t, err)

	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	first, second := reqs[0], reqs[1]
	assert.Equal(t, []string{"c", "call"}, first.Header.Values("X-Client"), "the call's header is added to the client's")
	assert.Equal(t, "1", first.Header.Get("X-Call"))
	assert.Equal(t, other.ID, first.KeyID, "the call's credentials replace the client's")
	assert.Equal(t, "reeflow-go/"+reeflow.Version+" job/2", first.Header.Get("User-Agent"))
	assert.Contains(t, logs.String(), `op="list connections"`, "the call's logger logged its call")

	assert.Equal(t, []string{"c"}, second.Header.Values("X-Client"), "the next call has the client's headers only")
	assert.Empty(t, second.Header.Get("X-Call"))
	assert.Equal(t, srv.Key().ID, second.KeyID, "and the client's credentials")
	assert.Equal(t, "reeflow-go/"+reeflow.Version+" svc/1", second.Header.Get("User-Agent"))
	assert.Equal(t, 1, strings.Count(logs.String(), "reeflow: request"), "and the client's logger (none)")
	assert.Equal(t, []string{"client", "call", "client"}, order, "a call's editors run after the client's, and only for that call")
}

// TestCallOptionsAreSafeForConcurrentCalls: calls that add headers and editors at the same time
// never see each other's (the client's settings are copied, never appended to in place).
func TestCallOptionsAreSafeForConcurrentCalls(t *testing.T) {
	t.Parallel()
	noop := reeflow.RequestEditorFn(func(context.Context, *http.Request) error { return nil })
	// Three editors: a slice of three has room for a fourth, which a call must not write into.
	client, rec := newRecorder(t, reply(200, `[]`), reeflow.WithHeader("X-Client", "c"), noop, noop, noop)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := strconv.Itoa(i)
			_, err := client.Connections.List(context.Background(), reeflow.WithHeader("X-Call", id),
				reeflow.RequestEditorFn(func(_ context.Context, req *http.Request) error {
					req.Header.Set("X-Editor", id)
					return nil
				}))
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	for _, r := range rec.all() {
		assert.Equal(t, []string{"c"}, r.Header.Values("X-Client"))
		assert.Len(t, r.Header.Values("X-Call"), 1)
		assert.Equal(t, r.Header.Get("X-Call"), r.Header.Get("X-Editor"), "each call ran its own editor only")
	}
}

// TestWithHeaderRefusals: a header that would fail every call is refused where it is given, and
// the refusal does not quote a name that may be a whole "name: secret" line.
func TestWithHeaderRefusals(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"Upgrade", "keep-alive", "Proxy-Connection", "TE"} {
		_, err := reeflow.NewClient(reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithHeader(name, "x"))
		assert.ErrorContains(t, err, "is connection-specific, which HTTP/2 refuses", name)
	}
	// net/http would send the SDK's value only, and the signature covers the SDK's.
	_, err := reeflow.NewClient(reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithHeader("user-agent", "mine/1"))
	assert.EqualError(t, err, "reeflow: WithHeader: header User-Agent is set by the client: use WithUserAgent")
	_, err = reeflow.NewClient(reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithHeader("Content-Type", "text/plain"))
	assert.EqualError(t, err, "reeflow: WithHeader: header Content-Type is set by the client for the body it sends")

	_, err = reeflow.NewClient(reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithHeader("X-Api-Token: "+canarySecret, ""))
	assert.EqualError(t, err, `reeflow: WithHeader: header name has a character that is not allowed in a header name (byte 11, ':')`)
}

// A product with spaces (several products, a comment, as RFC 9110 allows in a User-Agent) is
// accepted and sent exactly as given after the SDK's own product, for the client and for a call.
func TestUserAgentProductWithSpacesIsSentAsGiven(t *testing.T) {
	t.Parallel()
	const product = "billing-service/1.2 (ops team; +https://example.com)  worker/3"
	client, rec := newRecorder(t, reply(200, `[]`), reeflow.WithUserAgent(product))
	_, err := client.Connections.List(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"reeflow-go/" + reeflow.Version + " " + product}, rec.last(t).Header.Values("User-Agent"))

	require.NoError(t, client.Do(context.Background(), http.MethodGet, "connections", nil, nil, reeflow.WithUserAgent("job/2 (nightly)")))
	assert.Equal(t, []string{"reeflow-go/" + reeflow.Version + " job/2 (nightly)"}, rec.last(t).Header.Values("User-Agent"))
}

// A control character in the product, which would split or corrupt the header, is an error
// from the constructor (or the call), never a request net/http refuses later.
func TestUserAgentProductWithControlCharacterIsRefused(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(200, `[]`))
	for _, product := range []string{"svc/1\x7f", "svc/1\tx", "svc/1\r\nX-Injected: 1", "svc\x00/1"} {
		_, err := reeflow.NewClient(reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithUserAgent(product))
		require.ErrorContains(t, err, "WithUserAgent: control character in product", "%q", product)
		err = client.Do(context.Background(), http.MethodGet, "connections", nil, nil, reeflow.WithUserAgent(product))
		require.ErrorContains(t, err, "WithUserAgent: control character in product", "%q", product)
	}
	assert.Empty(t, rec.all(), "nothing was sent")
}

// failingProvider gives its key okFor times, then fails.
type failingProvider struct {
	mu    sync.Mutex
	calls int
	okFor int // the first okFor calls succeed
	key   reeflowtest.Key
}

func (p *failingProvider) Credentials(context.Context) (reeflow.Credentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if p.calls > p.okFor {
		return reeflow.Credentials{}, errors.New("vault down")
	}
	return reeflow.Credentials{KeyID: p.key.ID, Secret: reeflow.NewSecret(p.key.Secret)}, nil
}

// A call refused inside the pipeline, before anything went on the wire, leaves the Response as
// it was, as a bad option does; a retry refused before sending keeps the answer that made the
// call retry, in the Response and in the error.
func TestWithResponseIntoIsLeftAloneWhenNothingIsSent(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	client := srv.Client(noWaits(&waits{})...)
	failing := reeflow.RequestEditorFn(func(context.Context, *http.Request) error { return errors.New("no") })
	elsewhere := reeflow.RequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.URL.Host = "example.com"
		return nil
	})
	for name, opt := range map[string]reeflow.Option{
		"editor error":   failing,
		"provider error": reeflow.WithCredentialsProvider(&failingProvider{key: srv.Key()}, reeflow.AuthBasic),
		"origin check":   elsewhere,
		"bad option":     reeflow.WithMaxRetries(-1),
	} {
		resp := reeflow.Response{StatusCode: 299, RequestID: "previous", Attempts: 7}
		before := len(srv.Requests())
		_, err := client.Connections.List(context.Background(), opt, reeflow.WithResponseInto(&resp))
		require.Error(t, err, name)
		assert.Len(t, srv.Requests(), before, "%s: nothing was sent", name)
		assert.Equal(t, reeflow.Response{StatusCode: 299, RequestID: "previous", Attempts: 7}, resp, name)
	}

	// The first attempt gets a 503, the retry is refused by the provider before sending.
	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	var resp reeflow.Response
	_, err := client.Connections.List(context.Background(),
		reeflow.WithCredentialsProvider(&failingProvider{key: srv.Key(), okFor: 1}, reeflow.AuthBasic), reeflow.WithResponseInto(&resp))
	require.Error(t, err)
	assert.ErrorContains(t, err, "vault down")
	assert.ErrorIs(t, err, reeflow.ErrServer, "the 503 that made the call retry is not lost")
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, 1, resp.Attempts)
}

// A nil Option is skipped, as the Option type documents, at NewClient and at a call, so that a
// slice of options can be built conditionally; a nil editor is not a nil Option.
func TestNilOptionIsSkipped(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(200, `[]`), nil, reeflow.WithHeader("X-A", "1"), nil)
	var maybe reeflow.Option // left nil: the condition did not hold
	_, err := client.Connections.List(context.Background(), maybe, nil)
	require.NoError(t, err)
	assert.Equal(t, "1", rec.last(t).Header.Get("X-A"))
	require.NoError(t, client.Do(context.Background(), http.MethodGet, "connections", nil, nil, nil))

	_, err = client.Connections.List(context.Background(), reeflow.RequestEditorFn(nil))
	require.EqualError(t, err, "reeflow: list connections: RequestEditorFn: nil editor")
}

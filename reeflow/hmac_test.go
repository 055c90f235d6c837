package reeflow_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/testlog"
	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// TestHMACAuthIsAcceptedByTheFake: a request built by hand and signed by the public editor
// passes the fake's verifier, which is tested against the golden vectors on its own.
func TestHMACAuthIsAcceptedByTheFake(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	sign, err := reeflow.HMACAuth(srv.Key().ID, srv.Key().Secret)
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+"/sessions",
		bytes.NewReader([]byte(`{"user":{"id":"u_1"}}`)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	require.NoError(t, sign(context.Background(), req))
	assert.Equal(t, srv.Key().ID, req.Header.Get("X-API-Key"))
	assert.Empty(t, req.Header.Get("Authorization"), "the secret never travels")
	resp, err := srv.HTTPClient().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.NoError(t, reeflow.CheckResponse(resp))
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
}

func TestHMACAuthRefusesABodyItCannotReplay(t *testing.T) {
	t.Parallel()
	sign, err := reeflow.HMACAuth(docKeyID, docSecret)
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "https://api.reeflow.com/connections", io.NopCloser(bytes.NewReader([]byte(`{}`))))
	require.NoError(t, err)
	require.Nil(t, req.GetBody)
	err = sign(context.Background(), req)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot be replayed")
	assert.Empty(t, req.Header.Get("X-API-Signature"))
}

// countingTransport counts requests and records the HMAC timestamps they carried.
type countingTransport struct {
	base       http.RoundTripper
	n          atomic.Int32
	mu         sync.Mutex
	timestamps []string
	signatures []string
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.n.Add(1)
	c.mu.Lock()
	c.timestamps = append(c.timestamps, req.Header.Get("X-API-Timestamp"))
	c.signatures = append(c.signatures, req.Header.Get("X-API-Signature"))
	c.mu.Unlock()
	return c.base.RoundTrip(req)
}

func hmacClient(t *testing.T, srv *reeflowtest.Server, opts ...reeflow.Option) (*reeflow.Client, *countingTransport) {
	t.Helper()
	ct := &countingTransport{base: srv.HTTPClient().Transport}
	key := srv.Key()
	all := append([]reeflow.Option{reeflow.WithHTTPClient(&http.Client{Transport: ct}), reeflow.WithHMACAuth(key.ID, key.Secret)}, opts...)
	return srv.Client(all...), ct
}

func TestHMACModeAgainstTheFake(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	client, ct := hmacClient(t, srv)
	ctx := context.Background()
	c, err := client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "Données ✓", Config: reeflow.PostgresConfig{Host: "h", Port: 5432, Database: "d", User: "u", Password: "p", SSL: true}})
	require.NoError(t, err)
	name := "renamed"
	_, err = client.Connections.Update(ctx, c.ID, reeflow.UpdateConnectionParams{Name: &name})
	require.NoError(t, err)
	_, err = client.Connections.Get(ctx, c.ID)
	require.NoError(t, err)
	_, err = client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "u"})
	require.NoError(t, err)
	require.NoError(t, client.Connections.Delete(ctx, c.ID))
	_, err = client.Connections.Get(ctx, "conn_é[1]+x")
	require.ErrorIs(t, err, reeflow.ErrNotFound, "an escaped path verifies too")
	assert.Equal(t, int32(6), ct.n.Load())
}

func TestHMACLearnsTheServersClock(t *testing.T) {
	t.Parallel()
	for _, skew := range []time.Duration{10 * time.Minute, -10 * time.Minute} {
		srv := reeflowtest.NewServer(t)
		serverNow := time.Now().Add(skew)
		srv.SetClock(func() time.Time { return serverNow })
		client, ct := hmacClient(t, srv, reeflow.WithMaxRetries(0))
		var resp reeflow.Response
		_, err := client.Connections.List(context.Background(), reeflow.WithResponseInto(&resp))
		require.NoError(t, err, "a %s skew must not break a call", skew)
		assert.Equal(t, int32(2), ct.n.Load(), "one refused attempt, one corrected")
		assert.Equal(t, 2, resp.Attempts, "Attempts counts the re-send after the clock correction")
		_, err = client.APIKeys.List(context.Background())
		require.NoError(t, err)
		assert.Equal(t, int32(3), ct.n.Load(), "the offset is kept for later requests")
	}
}

func TestHMACSkewIsCorrectedOnlyOnce(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Date", time.Now().Add(10*time.Minute).UTC().Format(http.TimeFormat))
		reply(401, `{"message":"Request timestamp expired","error":"Unauthorized","statusCode":401}`)(w, nil)
	}, reeflow.WithHMACAuth(docKeyID, docSecret), reeflow.WithMaxRetries(3))
	var resp reeflow.Response
	_, err := client.Connections.List(context.Background(), reeflow.WithResponseInto(&resp))
	require.ErrorIs(t, err, reeflow.ErrUnauthorized)
	assert.Len(t, rec.all(), 2, "a 401 is not retried; the clock is corrected once")
	assert.Equal(t, 2, resp.Attempts, "both requests went on the wire")
}

// TestAttemptsAfterAClockCorrection: the error counts the requests that went on the wire, as
// Response.Attempts does, the re-send after a clock correction included.
func TestAttemptsAfterAClockCorrection(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	client, rec := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Date", time.Now().Add(10*time.Minute).UTC().Format(http.TimeFormat))
			reply(401, `{"message":"Request timestamp expired","error":"Unauthorized","statusCode":401}`)(w, nil)
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}, append(noWaits(&waits{}), reeflow.WithHMACAuth(docKeyID, docSecret), reeflow.WithMaxRetries(1))...)
	var resp reeflow.Response
	_, err := client.Connections.List(context.Background(), reeflow.WithResponseInto(&resp))
	require.ErrorIs(t, err, reeflow.ErrServer)
	assert.Len(t, rec.all(), 3, "the re-send after the correction, then one retry")
	assert.Equal(t, 3, resp.Attempts)
	assert.ErrorContains(t, err, "(giving up after 3 attempts)")
}

func TestEachAttemptIsSignedAfresh(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	var clock atomic.Int64
	clock.Store(time.Now().Unix())
	now := func() time.Time { return time.Unix(clock.Load(), 0) }
	client, ct := hmacClient(t, srv,
		reeflow.WithNowForTest(now),
		reeflow.WithSleepForTest(func(_ context.Context, d time.Duration) error { clock.Add(int64(d / time.Second)); return nil }),
	)
	srv.FailNext(1, http.StatusServiceUnavailable, 3*time.Second)
	_, err := client.Connections.Create(context.Background(), reeflow.CreateConnectionParams{Name: "x", Config: reeflow.TinybirdConfig{Host: "h", Token: "t"}})
	require.ErrorIs(t, err, reeflow.ErrServer, "a create is not retried after a 503")
	srv.FailNext(2, http.StatusServiceUnavailable, 3*time.Second)
	_, err = client.Sessions.Create(context.Background(), reeflow.CreateSessionParams{UserID: "u"})
	require.NoError(t, err, "POST /sessions is retried")
	ct.mu.Lock()
	defer ct.mu.Unlock()
	require.Len(t, ct.timestamps, 4)
	ts := ct.timestamps[1:]
	assert.NotEqual(t, ts[0], ts[1], "a retry carries a fresh timestamp")
	assert.NotEqual(t, ts[1], ts[2])
	assert.NotEqual(t, ct.signatures[2], ct.signatures[3], "and a fresh signature")
}

func TestTamperedRequestsAreRefused(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	key := srv.Key()
	sign, err := reeflow.HMACAuth(key.ID, key.Secret)
	require.NoError(t, err)
	signed := func(method, path, body string) *http.Request {
		var r io.Reader
		if body != "" {
			r = bytes.NewBufferString(body)
		}
		req, err := http.NewRequestWithContext(context.Background(), method, srv.URL+path, r)
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		require.NoError(t, sign(context.Background(), req))
		return req
	}
	send := func(req *http.Request) (int, string) {
		resp, err := srv.HTTPClient().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	body := `{"user":{"id":"u1"}}`
	status, _ := send(signed("POST", "/sessions", body))
	require.Equal(t, 201, status, "an untouched request passes")

	tampered := map[string]func() *http.Request{
		"method": func() *http.Request { r := signed("GET", "/connections", ""); r.Method = "DELETE"; return r },
		"path": func() *http.Request {
			r := signed("GET", "/connections", "")
			r.URL.Path = "/api-keys"
			return r
		},
		"query": func() *http.Request { r := signed("GET", "/connections?a=1", ""); r.URL.RawQuery = "a=2"; return r },
		"body": func() *http.Request {
			r := signed("POST", "/sessions", body)
			r.Body = io.NopCloser(bytes.NewBufferString(`{"user":{"id":"u2"}}`))
			return r
		},
	}
	for name, build := range tampered {
		status, got := send(build())
		assert.Equal(t, 401, status, name)
		assert.JSONEq(t, `{"message":"Invalid signature","error":"Unauthorized","statusCode":401}`, got, name)
	}

	bad := signed("GET", "/connections", "")
	bad.Header.Del("X-API-Signature")
	status, got := send(bad)
	assert.Equal(t, 401, status)
	assert.Contains(t, got, "Invalid HMAC auth format")

	old := signed("GET", "/connections", "")
	srv.SetClock(func() time.Time { return time.Now().Add(301 * time.Second) })
	status, got = send(old)
	assert.Equal(t, 401, status)
	assert.Contains(t, got, "Request timestamp expired")
}

func TestHMACKeyErrorsMatchTheBasicRows(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	disabled := srv.AddKey("old")
	srv.DisableKey(disabled.ID)
	cases := map[string]struct {
		id, secret string
		sentinel   error
	}{
		"unknown key":  {"key_nobody", "whatever", reeflow.ErrInvalidAPIKey},
		"wrong secret": {srv.Key().ID, "wrong", nil},
		"disabled key": {disabled.ID, disabled.Secret, reeflow.ErrAPIKeyDisabled},
	}
	for name, tc := range cases {
		client := srv.Client(reeflow.WithHMACAuth(tc.id, tc.secret))
		_, err := client.Connections.List(context.Background())
		require.Error(t, err, name)
		if tc.sentinel != nil {
			assert.ErrorIs(t, err, tc.sentinel, name)
		} else {
			var apiErr *reeflow.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, "Invalid signature", apiErr.Message, "a wrong secret shows as a wrong signature")
		}
	}
}

// rotatingProvider hands out whatever key it currently holds.
type rotatingProvider struct {
	mu    sync.Mutex
	creds reeflow.Credentials
	calls int
}

func (p *rotatingProvider) Credentials(context.Context) (reeflow.Credentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	return p.creds, nil
}

func (p *rotatingProvider) rotate(k reeflowtest.Key) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.creds = reeflow.Credentials{KeyID: k.ID, Secret: reeflow.NewSecret(k.Secret)}
}

func TestCredentialsProviderRotation(t *testing.T) {
	t.Parallel()
	for _, mode := range []reeflow.AuthMode{reeflow.AuthBasic, reeflow.AuthHMAC} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			srv := reeflowtest.NewServer(t)
			p := &rotatingProvider{}
			p.rotate(srv.Key())
			client := srv.Client(reeflow.WithCredentialsProvider(p, mode))
			ctx := context.Background()
			_, err := client.Connections.List(ctx)
			require.NoError(t, err)

			next := srv.AddKey("rotated")
			p.rotate(next)
			srv.DisableKey(srv.Key().ID)
			for range 3 {
				_, err = client.Connections.List(ctx)
				require.NoError(t, err, "the new key is used without restarting")
			}
			keys, err := client.APIKeys.List(ctx)
			require.NoError(t, err)
			require.Len(t, keys, 2)
			assert.False(t, keys[0].Enabled)
			assert.NotNil(t, keys[1].LastUsedAt)

			p.rotate(reeflowtest.Key{ID: srv.Key().ID, Secret: srv.Key().Secret})
			_, err = client.Connections.List(ctx)
			assert.ErrorIs(t, err, reeflow.ErrAPIKeyDisabled, "the old key is refused once disabled")
			assert.GreaterOrEqual(t, p.calls, 6, "the provider is consulted per request")
		})
	}
}

func TestCredentialsProviderErrors(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	p := &rotatingProvider{creds: reeflow.Credentials{KeyID: "key_x", Secret: reeflow.NewSecret("bad secret\n")}}
	client := srv.Client(reeflow.WithCredentialsProvider(p, reeflow.AuthBasic))
	_, err := client.Connections.List(context.Background())
	require.ErrorIs(t, err, reeflow.ErrInvalidCredentials)
	assert.Contains(t, err.Error(), "credentials provider")
}

// One forged 401 "Request timestamp expired" with a Date far away must not move the client's
// clock: requests it signs would stay valid, and replayable, for as long.
func TestClockSkewIsBounded(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		offset  time.Duration
		learned bool
	}{
		{"a year ahead", 365 * 24 * time.Hour, false},
		{"a day behind", -24 * time.Hour, false},
		{"16 minutes ahead", 16 * time.Minute, false},
		{"10 minutes ahead", 10 * time.Minute, true},
		{"14 minutes behind", -14 * time.Minute, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var forged atomic.Bool
			forged.Store(true)
			sink := &testlog.Sink{}
			client, rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
				if forged.Swap(false) {
					w.Header().Set("Date", time.Now().Add(tc.offset).UTC().Format(http.TimeFormat))
					reply(401, `{"message":"Request timestamp expired","error":"Unauthorized","statusCode":401}`)(w, r)
					return
				}
				reply(200, `[]`)(w, r)
			}, reeflow.WithHMACAuth(docKeyID, docSecret), reeflow.WithLogger(slog.New(slog.NewTextHandler(sink, nil))))
			_, err := client.Connections.List(context.Background())
			if tc.learned {
				require.NoError(t, err, "the offset was learned and the request signed again")
				assert.Contains(t, sink.String(), "clock offset learned")
			} else {
				require.ErrorIs(t, err, reeflow.ErrTimestampExpired)
				assert.Len(t, rec.all(), 1, "not signed again with a forged clock")
				assert.Contains(t, sink.String(), "clock offset refused")
				_, err = client.Connections.List(context.Background())
				require.NoError(t, err)
			}
			ts, err := strconv.ParseInt(rec.last(t).Header.Get("X-API-Timestamp"), 10, 64)
			require.NoError(t, err)
			want := time.Now()
			if tc.learned {
				want = want.Add(tc.offset)
			}
			assert.WithinDuration(t, want, time.Unix(ts, 0), time.Minute, "the clock the last request was signed with")
		})
	}
	_, err := reeflow.NewClient(reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithMaxClockSkew(-time.Second))
	assert.ErrorContains(t, err, "WithMaxClockSkew: negative duration")
}

func TestHMACErrorSentinels(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	ctx := context.Background()
	key := srv.Key()

	wrong := srv.Client(reeflow.WithHMACAuth(key.ID, key.Secret+"x"))
	_, err := wrong.Connections.List(ctx)
	require.ErrorIs(t, err, reeflow.ErrInvalidSignature)
	assert.NotErrorIs(t, err, reeflow.ErrTimestampExpired)
	assert.NotErrorIs(t, err, reeflow.ErrInvalidAPIKeySecret, "a Basic row does not match an HMAC failure")

	// A request signed an hour before the server's clock, sent by hand so that no clock
	// correction applies.
	srv.SetClock(func() time.Time { return time.Now().Add(time.Hour) })
	signer, err := reeflow.HMACAuth(key.ID, key.Secret)
	require.NoError(t, err)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/connections", nil)
	require.NoError(t, err)
	require.NoError(t, signer(ctx, req))
	res, err := srv.HTTPClient().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	err = reeflow.CheckResponse(res)
	require.ErrorIs(t, err, reeflow.ErrTimestampExpired)

	// Malformed HMAC headers, and no credentials at all.
	for sentinel, edit := range map[error]func(*http.Request){
		reeflow.ErrInvalidHMACFormat: func(r *http.Request) {
			r.Header.Set("X-API-Key", key.ID)
			r.Header.Set("X-API-Timestamp", "yesterday")
			r.Header.Set("X-API-Signature", "00")
		},
		reeflow.ErrMissingCredentials: func(*http.Request) {},
	} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/connections", nil)
		require.NoError(t, err)
		edit(req)
		res, err := srv.HTTPClient().Do(req)
		require.NoError(t, err)
		err = reeflow.CheckResponse(res)
		_ = res.Body.Close()
		require.ErrorIs(t, err, sentinel)
		require.ErrorIs(t, err, reeflow.ErrUnauthorized)
	}
}

// An HMACAuth editor given as an option signs with its own clock, which the client cannot
// correct: signing again would send the same timestamp. Its "Request timestamp expired" is
// returned as it is, after one request, and teaches the client nothing.
func TestHMACEditorOptionDoesNotLearnTheServersClock(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	serverNow := time.Now().Add(10 * time.Minute)
	srv.SetClock(func() time.Time { return serverNow })
	sign, err := reeflow.HMACAuth(srv.Key().ID, srv.Key().Secret)
	require.NoError(t, err)
	sink := &testlog.Sink{}

	for name, client := range map[string]*reeflow.Client{
		"given to a call":    srv.Client(reeflow.WithLogger(sink.Logger())),
		"given to NewClient": srv.Client(sign, reeflow.WithLogger(sink.Logger())),
	} {
		before := len(srv.Requests())
		var resp reeflow.Response
		_, err = client.Connections.List(context.Background(), sign, reeflow.WithResponseInto(&resp))
		require.ErrorIs(t, err, reeflow.ErrTimestampExpired, name)
		assert.Len(t, srv.Requests(), before+1, "%s: not sent again with the same timestamp", name)
		assert.Equal(t, 1, resp.Attempts, name)

		// Nothing was learned: WithHMACAuth still meets the skew, and corrects it itself.
		_, err = client.Connections.List(context.Background(), reeflow.WithHMACAuth(srv.Key().ID, srv.Key().Secret), reeflow.WithResponseInto(&resp))
		require.NoError(t, err, name)
		assert.Equal(t, 2, resp.Attempts, "%s: the first request met the uncorrected clock", name)
	}
	assert.Equal(t, 2, strings.Count(sink.String(), "clock offset learned"), "once per client, by WithHMACAuth only")
}

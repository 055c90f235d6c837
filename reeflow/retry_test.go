package reeflow_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// waits records the waits between attempts instead of sleeping.
type waits struct {
	mu  sync.Mutex
	all []time.Duration
}

func (w *waits) sleep(ctx context.Context, d time.Duration) error {
	w.mu.Lock()
	w.all = append(w.all, d)
	w.mu.Unlock()
	return ctx.Err()
}

func (w *waits) got() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.all...)
}

// noWaits makes retries instant and jitter the full limit, so waits are deterministic.
func noWaits(w *waits) []reeflow.Option {
	return []reeflow.Option{
		reeflow.WithSleepForTest(w.sleep),
		reeflow.WithJitterForTest(func(limit time.Duration) time.Duration { return limit }),
	}
}

func TestRetriesOnTransientStatuses(t *testing.T) {
	t.Parallel()
	for _, status := range []int{429, 502, 503, 504} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			t.Parallel()
			srv := reeflowtest.NewServer(t)
			w := &waits{}
			client := srv.Client(noWaits(w)...)
			srv.FailNext(2, status, 0)
			_, err := client.Connections.List(context.Background())
			require.NoError(t, err, "two failures fit in the default two retries")
			assert.Equal(t, []time.Duration{500 * time.Millisecond, time.Second}, w.got())

			srv.FailNext(3, status, 0)
			_, err = client.Connections.List(context.Background())
			require.Error(t, err)
			assert.Contains(t, err.Error(), "giving up after 3 attempts")
			var apiErr *reeflow.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, status, apiErr.StatusCode)
			if status == 429 {
				assert.ErrorIs(t, err, reeflow.ErrRateLimited)
			} else {
				assert.ErrorIs(t, err, reeflow.ErrServer)
			}
		})
	}
}

func TestWhatIsRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pg := reeflow.CreateConnectionParams{Name: "x", Config: reeflow.PostgresConfig{Host: "h", Port: 1, Database: "d", User: "u", SSL: true}}
	name := "n"
	const keyID = "key_retried"
	calls := map[string]func(*reeflow.Client, string) error{
		"GET /connections":      func(c *reeflow.Client, _ string) error { _, err := c.Connections.List(ctx); return err },
		"GET /connections/{id}": func(c *reeflow.Client, id string) error { _, err := c.Connections.Get(ctx, id); return err },
		"PATCH /connections/{id}": func(c *reeflow.Client, id string) error {
			_, err := c.Connections.Update(ctx, id, reeflow.UpdateConnectionParams{Name: &name})
			return err
		},
		"DELETE /connections/{id}": func(c *reeflow.Client, id string) error { return c.Connections.Delete(ctx, id) },
		"POST /sessions": func(c *reeflow.Client, _ string) error {
			_, err := c.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "u"})
			return err
		},
		"GET /api-keys":             func(c *reeflow.Client, _ string) error { _, err := c.APIKeys.List(ctx); return err },
		"GET /api-keys/{id}":        func(c *reeflow.Client, _ string) error { _, err := c.APIKeys.Get(ctx, keyID); return err },
		"POST /connections (never)": func(c *reeflow.Client, _ string) error { _, err := c.Connections.Create(ctx, pg); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := reeflowtest.NewServer(t, reeflowtest.WithKey(keyID, "retried-secret"))
			client := srv.Client(noWaits(&waits{})...)
			conn, err := client.Connections.Create(ctx, pg)
			require.NoError(t, err)
			srv.FailNext(1, http.StatusServiceUnavailable, 0)
			err = call(client, conn.ID)
			if strings.HasSuffix(name, "(never)") {
				require.ErrorIs(t, err, reeflow.ErrServer)
				assert.ErrorContains(t, err, "not retried: the connection may have been created; list connections to check")
				assert.Len(t, srv.Connections(), 1, "the create was not repeated")
				return
			}
			require.NoError(t, err, "the 503 must have been retried")
		})
	}
}

// A body that times out while it is read is retried like any other timed-out attempt.
func TestBodyReadTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	client, rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`[{"id":`))
			http.NewResponseController(w).Flush()
			<-r.Context().Done() // drip nothing more until the client gives up on this attempt
			return
		}
		reply(200, `[]`)(w, r)
	}, append(noWaits(&waits{}), reeflow.WithAttemptTimeout(200*time.Millisecond), reeflow.WithMaxRetries(1))...)
	_, err := client.Connections.List(context.Background())
	require.NoError(t, err, "the attempt that timed out reading its body was retried")
	assert.Len(t, rec.all(), 2)

	// A create is not: Reeflow answered, so it has acted.
	n.Store(0)
	_, err = client.Connections.Create(context.Background(), pgParamsSSL)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorContains(t, err, "not retried: the connection may have been created")
}

func TestDefaultAttemptTimeout(t *testing.T) {
	t.Parallel()
	client, err := reeflow.NewClient(reeflow.WithBasicAuth(docKeyID, docSecret))
	require.NoError(t, err)
	assert.Equal(t, 60*time.Second, reeflow.AttemptTimeout(client), "no call hangs forever by default")
	client, err = reeflow.NewClient(reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithAttemptTimeout(0))
	require.NoError(t, err)
	assert.Zero(t, reeflow.AttemptTimeout(client), "0 leaves attempts to the context")
}

func TestNotRetried(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 401, 403, 404, 409, 500, 501} {
		client, rec := newRecorder(t, reply(status, `{"message":"no"}`), append(noWaits(&waits{}), reeflow.WithMaxRetries(3))...)
		_, err := client.Connections.List(context.Background())
		require.Error(t, err)
		assert.Len(t, rec.all(), 1, "status %d is not retried", status)
		assert.NotContains(t, err.Error(), "attempts")
	}
}

// noWait replaces the backoff between attempts, so that a retry, were there one, costs nothing.
func noWait(context.Context, time.Duration) error { return nil }

// A refused redirect is not retried, even for a GET with retries left: another attempt would
// get the same redirect.
func TestRefusedRedirectIsNotRetried(t *testing.T) {
	t.Parallel()
	other := newPlainServer(t, reply(200, `[]`))
	client, rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/connections", http.StatusTemporaryRedirect)
	}, reeflow.WithMaxRetries(3), reeflow.WithSleepForTest(noWait))
	var resp reeflow.Response
	_, err := client.Connections.List(context.Background(), reeflow.WithResponseInto(&resp))
	require.ErrorIs(t, err, reeflow.ErrRedirectRefused)
	assert.Len(t, rec.all(), 1, "one request, no retry")
	assert.Equal(t, 1, resp.Attempts)
}

// A certificate the client does not trust is not retried: another handshake would fail the
// same way. Connections are counted at the server, since no request gets through.
func TestTLSFailureIsNotRetried(t *testing.T) {
	t.Parallel()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(reply(200, `[]`))
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the failed handshakes are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)

	// The SDK's own HTTP client trusts the system's roots, not httptest's certificate.
	client, err := reeflow.NewClient(reeflow.WithBaseURL(srv.URL), reeflow.WithBasicAuth(docKeyID, docSecret),
		reeflow.WithMaxRetries(3), reeflow.WithSleepForTest(noWait))
	require.NoError(t, err)
	t.Cleanup(client.CloseIdleConnections)
	var resp reeflow.Response
	_, err = client.Connections.List(context.Background(), reeflow.WithResponseInto(&resp))
	var certErr *tls.CertificateVerificationError
	require.ErrorAs(t, err, &certErr)
	assert.Equal(t, 1, resp.Attempts)
	srv.Close() // waits for the server's side of the connection
	assert.Equal(t, int32(1), conns.Load(), "one connection, no retry")
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) // a fixed clock: parallel subtests wait their turn
	date := now.Add(20 * time.Second).Format(http.TimeFormat)
	cases := []struct {
		name, header string
		opts         []reeflow.Option
		want         time.Duration
		delta        time.Duration
	}{
		{name: "seconds", header: "7", want: 7 * time.Second},
		{name: "HTTP date", header: date, want: 20 * time.Second},
		{name: "60 s is waited for by default", header: "60", want: 60 * time.Second},
		{name: "up to the configured longest", header: "30", opts: []reeflow.Option{reeflow.WithMaxRetryAfter(30 * time.Second)}, want: 30 * time.Second},
		{name: "malformed falls back to backoff", header: "soon", want: 500 * time.Millisecond},
		{name: "zero falls back to backoff, even with WithMaxRetryAfter(0)", header: "0", opts: []reeflow.Option{reeflow.WithMaxRetryAfter(0)}, want: 500 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int32
			w := &waits{}
			opts := append(append(noWaits(w), reeflow.WithMaxRetries(1), reeflow.WithNowForTest(func() time.Time { return now })), tc.opts...)
			client, _ := newRecorder(t, func(rw http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					rw.Header().Set("Retry-After", tc.header)
					rw.WriteHeader(http.StatusTooManyRequests)
					return
				}
				reply(200, `[]`)(rw, r)
			}, opts...)
			_, err := client.Connections.List(context.Background())
			require.NoError(t, err)
			require.Len(t, w.got(), 1)
			assert.InDelta(t, float64(tc.want), float64(w.got()[0]), float64(tc.delta))
		})
	}
}

// A Retry-After longer than WithMaxRetryAfter is not retried earlier than asked: the call returns
// the answer at once, with the server's Retry-After. WithMaxRetryAfter(0) never waits for one.
func TestRetryAfterBeyondTheLongestWaitIsNotRetried(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name, header string
		opts         []reeflow.Option
		want         time.Duration // the *APIError's RetryAfter
		text         string
	}{
		{name: "an hour, beyond the default 60 s", header: "3600", want: time.Hour,
			text: "(not retried: the server asked to wait 1h0m0s, longer than WithMaxRetryAfter's 1m0s)"},
		{name: "30 s with WithMaxRetryAfter(0)", header: "30", opts: []reeflow.Option{reeflow.WithMaxRetryAfter(0)}, want: 30 * time.Second,
			text: "(not retried: the server asked to wait 30s, longer than WithMaxRetryAfter's 0s)"},
		{name: "HTTP date beyond a per-call 5 s", header: now.Add(20 * time.Second).Format(http.TimeFormat),
			opts: []reeflow.Option{reeflow.WithMaxRetryAfter(5 * time.Second)}, want: 20 * time.Second,
			text: "longer than WithMaxRetryAfter's 5s"},
		{name: "beyond int64, the longest wait there is", header: "99999999999999999999999", want: time.Duration(1<<63-1) / time.Second * time.Second,
			text: "(not retried: the server asked to wait "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := &waits{}
			client, rec := newRecorder(t, func(rw http.ResponseWriter, _ *http.Request) {
				rw.Header().Set("Retry-After", tc.header)
				rw.WriteHeader(http.StatusTooManyRequests)
			}, append(noWaits(w), reeflow.WithMaxRetries(20), reeflow.WithNowForTest(func() time.Time { return now }))...)
			var resp reeflow.Response
			_, err := client.Connections.List(context.Background(), append(tc.opts, reeflow.WithResponseInto(&resp))...)
			require.ErrorIs(t, err, reeflow.ErrRateLimited)
			assert.ErrorContains(t, err, tc.text)
			var apiErr *reeflow.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.want, apiErr.RetryAfter, "what the server asked reaches the caller")
			assert.Len(t, rec.all(), 1, "one request, no retry")
			assert.Equal(t, 1, resp.Attempts)
			assert.Empty(t, w.got(), "no wait")
		})
	}
}

func TestBackoffIsExponentialWithFullJitterAndCapped(t *testing.T) {
	t.Parallel()
	var limits []time.Duration
	w := &waits{}
	client, rec := newRecorder(t, reply(503, ``),
		reeflow.WithMaxRetries(6), reeflow.WithSleepForTest(w.sleep),
		reeflow.WithJitterForTest(func(limit time.Duration) time.Duration { limits = append(limits, limit); return limit / 2 }))
	_, err := client.Connections.List(context.Background())
	require.ErrorIs(t, err, reeflow.ErrServer)
	assert.Contains(t, err.Error(), "giving up after 7 attempts")
	assert.Len(t, rec.all(), 7)
	s := time.Second
	assert.Equal(t, []time.Duration{s / 2, s, 2 * s, 4 * s, 8 * s, 8 * s}, limits)
	assert.Equal(t, []time.Duration{s / 4, s / 2, s, 2 * s, 4 * s, 4 * s}, w.got(), "the wait is the jittered value")
}

func TestDefaultJitterStaysWithinTheLimit(t *testing.T) {
	t.Parallel()
	w := &waits{}
	client, _ := newRecorder(t, reply(503, ``), reeflow.WithMaxRetries(5), reeflow.WithSleepForTest(w.sleep))
	_, err := client.Connections.List(context.Background())
	require.Error(t, err)
	limits := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	for i, d := range w.got() {
		assert.GreaterOrEqual(t, d, time.Duration(0))
		assert.Less(t, d, limits[i])
	}
}

func TestWaitIsCutShortByTheContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	client, _ := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(http.StatusServiceUnavailable)
	}, reeflow.WithMaxRetries(2), reeflow.WithLogger(slog.New(onWarn(cancel))))
	start := time.Now()
	_, err := client.Connections.List(ctx)
	require.Error(t, err)
	assert.Less(t, time.Since(start), 30*time.Second, "the 60 s wait was cut short")
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, reeflow.ErrServer, "the last response is still reported")
}

// A wait that would outlast the caller's deadline is not started: the call returns the answer it
// has at once (a page view turns a 429 into its own 503 without waiting for the deadline).
func TestWaitBeyondTheDeadlineIsNotStarted(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(http.StatusTooManyRequests)
	}, reeflow.WithMaxRetries(3))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := client.Connections.List(ctx)
	require.Error(t, err)
	require.NoError(t, ctx.Err(), "the call returned before its deadline")
	assert.ErrorIs(t, err, reeflow.ErrRateLimited)
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorContains(t, err, "would outlast the context's deadline")
	var apiErr *reeflow.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 60*time.Second, apiErr.RetryAfter, "the server's Retry-After reaches the caller")
	assert.Len(t, rec.all(), 1)
}

// onWarn is a slog.Handler that calls f for each Warn record. The SDK logs a failed attempt at
// Warn just before it waits to retry, so f runs as the wait begins.
type onWarn func()

func (f onWarn) Enabled(context.Context, slog.Level) bool { return true }
func (f onWarn) WithAttrs([]slog.Attr) slog.Handler       { return f }
func (f onWarn) WithGroup(string) slog.Handler            { return f }
func (f onWarn) Handle(_ context.Context, r slog.Record) error {
	if r.Level == slog.LevelWarn {
		f()
	}
	return nil
}

// dialFailures fails the first n round trips as if the connection could not be established.
type dialFailures struct {
	n    atomic.Int32
	base http.RoundTripper
	err  error
}

func (d *dialFailures) RoundTrip(req *http.Request) (*http.Response, error) {
	if d.n.Add(-1) >= 0 {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, d.err
	}
	return d.base.RoundTrip(req)
}

func TestCreateIsRetriedOnlyWhenItNeverReachedTheServer(t *testing.T) {
	t.Parallel()
	pg := reeflow.CreateConnectionParams{Name: "x", Config: reeflow.PostgresConfig{Host: "h", Port: 1, Database: "d", User: "u", SSL: true}}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}

	srv := reeflowtest.NewServer(t)
	transport := &dialFailures{base: srv.HTTPClient().Transport, err: refused}
	transport.n.Store(2)
	client := srv.Client(append(noWaits(&waits{}), reeflow.WithHTTPClient(&http.Client{Transport: transport}))...)
	_, err := client.Connections.Create(context.Background(), pg)
	require.NoError(t, err, "a dial error proves the request never left")
	assert.Len(t, srv.Connections(), 1)

	transport = &dialFailures{base: srv.HTTPClient().Transport, err: reset}
	transport.n.Store(1)
	client = srv.Client(append(noWaits(&waits{}), reeflow.WithHTTPClient(&http.Client{Transport: transport}))...)
	_, err = client.Connections.Create(context.Background(), pg)
	require.Error(t, err, "the server may have acted: never repeat a create")
	assert.Len(t, srv.Connections(), 1)

	transport.n.Store(1)
	_, err = client.Connections.List(context.Background())
	require.NoError(t, err, "a read is retried after any connection error")
}

func TestTimeoutPerAttempt(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	client, rec := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			<-r.Context().Done() // hang until the client gives up on this attempt
			return
		}
		reply(200, `[]`)(w, r)
	}, append(noWaits(&waits{}), reeflow.WithAttemptTimeout(500*time.Millisecond), reeflow.WithMaxRetries(1))...)
	_, err := client.Connections.List(context.Background())
	require.NoError(t, err, "the timed-out attempt was retried")
	assert.Len(t, rec.all(), 2)
}

func TestCallersContextBoundsTheWholeCall(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 1)
	client, rec := newRecorder(t, func(_ http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
	}, append(noWaits(&waits{}), reeflow.WithMaxRetries(5))...)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	go func() {
		<-arrived // the first attempt is in flight: now the caller gives up
		cancel(context.DeadlineExceeded)
	}()
	_, err := client.Connections.List(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Len(t, rec.all(), 1, "no retry once the caller's context is done")

	canceled, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	_, err = client.Connections.List(canceled)
	require.ErrorIs(t, err, context.Canceled)
}

func TestErrorBodiesAreDrainedSoConnectionsAreReused(t *testing.T) {
	t.Parallel()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, strings.Repeat("x", 100<<10))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	client, err := reeflow.NewClient(reeflow.WithBaseURL(srv.URL), reeflow.WithHTTPClient(srv.Client()), reeflow.WithBasicAuth(docKeyID, docSecret))
	require.NoError(t, err)
	for range 5 {
		_, err := client.Connections.List(context.Background())
		require.ErrorIs(t, err, reeflow.ErrServer)
	}
	assert.Equal(t, int32(1), conns.Load())
}

func TestCreateConnectionRetryRules(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	client := srv.Client(noWaits(&waits{})...)
	ctx := context.Background()

	// 429: Reeflow did not act; the create is sent again.
	srv.FailNext(1, http.StatusTooManyRequests, time.Second)
	var resp reeflow.Response
	_, err := client.Connections.Create(ctx, pgParamsSSL, reeflow.WithResponseInto(&resp))
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts)
	assert.Len(t, srv.Connections(), 1)

	// 503: Reeflow may have acted; the error says what to check.
	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	_, err = client.Connections.Create(ctx, pgParamsSSL)
	require.ErrorIs(t, err, reeflow.ErrServer)
	assert.ErrorContains(t, err, "not retried: the connection may have been created; list connections to check")

	// An error that no retry would fix does not claim anything.
	_, err = client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "x", Config: reeflow.UnknownConfig{Type: "mysql", Raw: json.RawMessage(`{}`)}})
	require.ErrorIs(t, err, reeflow.ErrBadRequest)
	assert.NotContains(t, err.Error(), "not retried")
}

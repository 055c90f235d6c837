package reeflow_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/testlog"
	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

func TestLoggingOneRecordPerAttempt(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	sink := &testlog.Sink{}
	client := srv.Client(append(noWaits(&waits{}), reeflow.WithLogger(sink.Logger()))...)
	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	c, err := client.Connections.Create(context.Background(), reeflow.CreateConnectionParams{
		Name: "x", Config: reeflow.PostgresConfig{Host: "h", Port: 1, Database: "d", User: "u", Password: canaryPassword, SSL: true},
	})
	require.ErrorIs(t, err, reeflow.ErrServer)
	require.Nil(t, c)
	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	_, err = client.Connections.List(context.Background())
	require.NoError(t, err)

	recs := sink.Records(t)
	require.Len(t, recs, 3, "one record per attempt")
	assert.Equal(t, "WARN", recs[0]["level"])
	assert.Equal(t, "POST", recs[0]["method"])
	assert.Equal(t, "/connections", recs[0]["path"])
	assert.EqualValues(t, 503, recs[0]["status"])
	assert.EqualValues(t, 1, recs[0]["attempt"])
	assert.NotEmpty(t, recs[0]["request_id"])
	assert.Contains(t, recs[0], "duration")
	assert.NotContains(t, recs[0], "retry_wait", "a create is not retried")

	assert.Equal(t, "WARN", recs[1]["level"])
	assert.EqualValues(t, 500_000_000, recs[1]["retry_wait"], "the wait before the next attempt")
	assert.Equal(t, "DEBUG", recs[2]["level"])
	assert.EqualValues(t, 200, recs[2]["status"])
	assert.EqualValues(t, 2, recs[2]["attempt"])

	out := sink.String()
	assert.NotContains(t, out, canaryPassword)
	assert.NotContains(t, out, srv.Key().Secret)
	assert.NotContains(t, out, "Basic ")
	assert.NotContains(t, out, "Authorization")
}

func TestLoggingRespectsTheLevel(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	sink := &testlog.Sink{}
	client := srv.Client(reeflow.WithLogger(slog.New(slog.NewJSONHandler(sink, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	_, err := client.Connections.List(context.Background())
	require.NoError(t, err)
	assert.Empty(t, sink.String(), "a success is logged at Debug only")
	_, err = client.Connections.Get(context.Background(), "conn_nope")
	require.Error(t, err)
	assert.Len(t, sink.Records(t), 1)
}

// A Logger without a Handler would panic on its first record: it is refused where it is given,
// with the words embedding.WithLogger uses. A nil Logger still turns logging off.
func TestLoggerWithoutHandlerIsRefused(t *testing.T) {
	t.Parallel()
	srv := reeflowtest.NewServer(t)
	const want = "WithLogger: the slog.Logger has no Handler (pass nil to turn logging off)"
	for name, l := range map[string]*slog.Logger{
		"zero Logger":           {},
		"nil *slog.JSONHandler": slog.New((*slog.JSONHandler)(nil)),
		"nil *slog.TextHandler": slog.New((*slog.TextHandler)(nil)),
	} {
		_, err := reeflow.NewClient(reeflow.WithBaseURL(srv.URL), reeflow.WithBasicAuth(srv.Key().ID, srv.Key().Secret), reeflow.WithLogger(l))
		require.Error(t, err, name)
		assert.Equal(t, "reeflow: "+want, err.Error(), name)

		before := len(srv.Requests())
		_, err = srv.Client().Connections.List(context.Background(), reeflow.WithLogger(l))
		require.Error(t, err, name)
		assert.Equal(t, "reeflow: list connections: "+want, err.Error(), name)
		assert.Len(t, srv.Requests(), before, "%s: nothing was sent", name)
	}

	sink := &testlog.Sink{}
	client := srv.Client(reeflow.WithLogger(sink.Logger()))
	_, err := client.Connections.List(context.Background(), reeflow.WithLogger(nil))
	require.NoError(t, err)
	assert.Empty(t, sink.String(), "WithLogger(nil) turns logging off for the call")
	_, err = reeflow.NewClient(reeflow.WithBaseURL(srv.URL), reeflow.WithBasicAuth(srv.Key().ID, srv.Key().Secret), reeflow.WithLogger(nil))
	require.NoError(t, err)
}

// The request ID is the server's text: the log record bounds it and escapes its control and
// Bidi characters, as the error does, whether the attempt succeeded or failed.
func TestLoggedRequestIDIsBoundedAndCleaned(t *testing.T) {
	t.Parallel()
	id := "req_\u202e\u2028" + strings.Repeat("A", 200<<10)
	sink := &testlog.Sink{}
	client, _ := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", id)
		if r.Method == http.MethodPost {
			reply(502, ``)(w, r)
			return
		}
		reply(200, `[]`)(w, r)
	}, reeflow.WithLogger(sink.Logger()))
	_, err := client.Connections.List(context.Background())
	require.NoError(t, err)
	_, err = client.Sessions.Create(context.Background(), reeflow.CreateSessionParams{UserID: "u"})
	require.Error(t, err)

	recs := sink.Records(t)
	require.Len(t, recs, 2)
	for _, rec := range recs {
		got, _ := rec["request_id"].(string)
		assert.True(t, strings.HasPrefix(got, `req_\u202e\u2028AAA`), "%.40q", got)
		assert.Less(t, len(got), 200)
	}
	assert.Less(t, len(sink.String()), 2000, "two short records")
	assert.NotContains(t, sink.String(), "\u202e")
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/fakeoverride"
	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// slowCreate replaces the fake's POST /connections with one that gives the probe up (cancel,
// as Ctrl-C or a timeout would) and answers nothing. The create's name is sent on names once
// the client has gone: the server may still create it.
func slowCreate(t *testing.T, srv *reeflowtest.Server, cancel context.CancelFunc) <-chan string {
	names := make(chan string, 1)
	srv.Handle("POST", "/connections", http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		var body struct{ Name string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		cancel()
		<-r.Context().Done() // the client gave up: no answer will reach it
		names <- body.Name
	}))
	return names
}

// newWriteProbe returns a -write probe of srv whose pauses are recorded, and call onPause
// instead of waiting.
func newWriteProbe(t *testing.T, srv *reeflowtest.Server, stderr io.Writer, onPause func(n int)) (*probe, *[]time.Duration) {
	t.Helper()
	key := srv.Key()
	p, err := newProbe(config{baseURL: srv.URL, keyID: key.ID, secret: key.Secret, write: true}, stderr)
	require.NoError(t, err)
	t.Cleanup(p.close)
	var pauses []time.Duration
	p.sleep = func(_ context.Context, d time.Duration) error {
		pauses = append(pauses, d)
		onPause(len(pauses))
		return nil
	}
	return p, &pauses
}

// TestInterruptedCreateThatFinishesLaterIsDeleted: the probe gave up on its create; the server
// finishes it a moment later; the probe looks again after a pause, finds it, and deletes it.
func TestInterruptedCreateThatFinishesLaterIsDeleted(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	names := slowCreate(t, srv, cancel)
	var stderr bytes.Buffer
	p, pauses := newWriteProbe(t, srv, &stderr, func(n int) {
		if n == 2 { // the server finishes the create during the second pause
			_, err := srv.SeedConnection(reeflow.Connection{Name: <-names, Config: reeflow.PostgresConfig{
				Host: "192.0.2.1", Port: 5432, Database: "d", User: "u", SSL: true,
			}})
			assert.NoError(t, err)
		}
	})

	p.checkConnectionLifecycle(ctx)

	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second}, *pauses, "it looked three times")
	assert.Empty(t, srv.Connections(), "the connection that appeared was deleted")
	assert.Contains(t, stderr.String(), "deleted the throwaway connection conn_")
	assert.Empty(t, p.leftBehind)
}

// TestInterruptedCreateThatNeverAppearsIsReported: still absent after every look, the
// connection may yet appear: the probe says so, with its name, and the run fails (exit 3).
func TestInterruptedCreateThatNeverAppearsIsReported(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	names := slowCreate(t, srv, cancel)
	p, pauses := newWriteProbe(t, srv, io.Discard, func(int) {})

	p.checkConnectionLifecycle(ctx)

	assert.Equal(t, recheckPauses, *pauses, "it looked after every pause")
	assert.LessOrEqual(t, p.sent, 1+len(recheckPauses)+1, "one create, then one look per pause and one before")
	name := <-names
	require.NotEmpty(t, name)
	assert.Contains(t, p.leftBehind, `"`+name+`"`)
	assert.Contains(t, p.leftBehind, "may still create it")
	assert.Contains(t, p.leftBehind, "delete it in the Reeflow Console")
}

// TestCleanupMessagesAreEscapedAndBounded: what the server chose (an ID, an error message)
// reaches stderr escaped and bounded, like the report: no terminal escape acts, no 60 KB line.
func TestCleanupMessagesAreEscapedAndBounded(t *testing.T) {
	t.Parallel()
	hostile := "\x1b]0;pwned\x07\x1b[2J" + strings.Repeat("A", 60<<10)
	srv := newFake(t)
	url := overridden(t, srv, fakeoverride.Overrides{Respond: func(r *http.Request, resp *fakeoverride.Response) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/connections":
			var obj map[string]any
			if json.Unmarshal(resp.Body, &obj) == nil {
				obj["id"] = "conn_" + hostile
				resp.Body, _ = json.Marshal(obj)
			}
		case r.Method == http.MethodDelete:
			resp.Status = http.StatusInternalServerError
			resp.Body, _ = json.Marshal(map[string]any{"message": hostile, "statusCode": 500})
			resp.Header.Set("Content-Type", "application/json")
		}
	}})
	o := probeAt(context.Background(), t, srv, url, "-write")
	assert.Equal(t, exitLeftBehind, o.code)
	assert.Contains(t, o.stderr, "could not delete the throwaway connection conn_")
	assert.Contains(t, o.stderr, `\x1b]0;pwned\a\x1b[2J`, "escaped, so what it was stays visible")
	assert.False(t, strings.ContainsAny(o.stderr, "\x1b\x07"), "no terminal escape reaches stderr as such")
	assert.Less(t, len(o.stderr), 4<<10, "bounded")
}

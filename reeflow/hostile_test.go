package reeflow_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// A base URL with user info and another defect: the error names the defect, never the user info.
func TestBaseURLErrorsNeverQuoteUserInfo(t *testing.T) {
	for raw, want := range map[string]string{
		"https://ada:pa55word@api.reeflow.com:99999/":  "must not carry user info",
		"https://ada:pa55word@api.reeflow.com/\n":      "invalid control character",
		"https://ada:pa55word@api.reeflow.com/%zz":     "invalid URL escape",
		"https://ada:pa55word@/connections":            "must not carry user info",
		"http://ada:pa55word@api.reeflow.com":          "must not carry user info",
		"https://ada:pa55word@api.reeflow.com:x/":      "invalid port",
		"https://ada:pa55word@api.reeflow.com/?a=1":    "must not carry user info",
		"ftp://ada:pa55word@api.reeflow.com":           "must not carry user info",
		"https://ada:pa55word@[::1/":                   "missing ']' in host",
		"https://ada:pa55word@api.reeflow.com/ \x00x":  "invalid control character",
		"https://ada@api.reeflow.com\r\n/connections":  "invalid control character",
		"ada:pa55word@api.reeflow.com":                 "has no host",
		"https://ada:pa55word%zz@api.reeflow.com/":     "invalid URL escape",
		"https://ada:pa55word@api.reeflow.com:-1/x?y#": "invalid port",
	} {
		for _, viaEnv := range []bool{false, true} {
			var err error
			if viaEnv && !strings.ContainsRune(raw, 0) { // the environment cannot hold a NUL
				t.Setenv("REEFLOW_BASE_URL", raw)
				_, err = reeflow.NewClient(reeflow.WithBasicAuth(docKeyID, docSecret))
			} else {
				_, err = reeflow.NewClient(reeflow.WithBaseURL(raw), reeflow.WithBasicAuth(docKeyID, docSecret))
			}
			require.Error(t, err, raw)
			assert.Contains(t, err.Error(), want, raw)
			assert.NotContains(t, err.Error(), "pa55word", raw)
			assert.NotContains(t, err.Error(), "ada", raw)
		}
	}
}

// Everything a server controls is bounded and stripped of control characters before it reaches
// Error() or a printed value: logging an error cannot forge a log line.
func TestHostileErrorBodiesGiveOneShortLine(t *testing.T) {
	t.Parallel()
	longCode := strings.Repeat("C", 60_000) + "\n\x1b[31mFORGED level=ERROR msg=pwned"
	body, err := json.Marshal(map[string]any{
		"code":       longCode,
		"message":    "Not found\nlevel=INFO msg=\"forged line\"\x1b[2J\u202eevil",
		"error":      "Not Found\r\n",
		"statusCode": 404,
	})
	require.NoError(t, err)
	client, _ := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req_"+strings.Repeat("1", 5000)) // net/http refuses control characters in headers
		reply(404, string(body))(w, r)
	})
	_, err = client.Connections.Get(context.Background(), "conn_1")
	require.ErrorIs(t, err, reeflow.ErrNotFound)
	for _, out := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err)} {
		assert.Less(t, len(out), 700, "one short line")
		assert.NotContains(t, out, "\n")
		assert.NotContains(t, out, "\r")
		assert.NotContains(t, out, "\x1b")
		assert.NotContains(t, out, "\u202e")
		assert.Contains(t, out, `\n`, "what the control characters were stays visible")
	}
	var apiErr *reeflow.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, longCode, apiErr.Code, "the field itself keeps what the server sent")
	assert.Less(t, len(fmt.Sprintf("%#v", apiErr)), 1200)

	// The text fields of the types that print through their own Format (to redact a secret)
	// are bounded and escaped too. Types without a secret print as fmt prints them.
	forged := "x\x1b[2J\nlevel=ERROR msg=forged"
	for _, v := range []any{
		reeflow.PostgresConfig{Host: forged, Database: forged, User: forged, SSL: true},
		reeflow.TinybirdConfig{Host: forged},
	} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, "\x1b", "%T %s", v, verb)
			assert.NotContains(t, out, "\n", "%T %s", v, verb)
		}
	}

	// An unknown connection type chosen by the server prints bounded and escaped too.
	client, _ = newRecorder(t, reply(200, `{"id":"conn_1\u001b[1A","name":"n\nforged","type":"`+strings.Repeat("t", 5000)+`\u001b[31m","config":{},"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z"}`))
	conn, err := client.Connections.Get(context.Background(), "conn_1")
	require.NoError(t, err)
	for _, v := range []any{conn.Config, *conn, conn} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, "\x1b", verb)
			assert.NotContains(t, out, "\n", verb)
			assert.Less(t, len(out), 1000, verb)
		}
	}
}

// A body over the 64 MiB limit is refused having allocated little more than the limit, even
// when it arrives gzip-compressed (69 KB on the wire) or without a declared length. Not
// parallel: it measures the process's allocations.
func TestOversizedBodyIsRefusedCheaply(t *testing.T) {
	const limit = 64 << 20
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	require.NoError(t, err)
	_, err = zw.Write(bytes.Repeat([]byte(" "), limit+(1<<20)))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	t.Logf("compressed body: %d bytes", gz.Len())
	spaces := bytes.Repeat([]byte(" "), 1<<20)

	for name, h := range map[string]http.HandlerFunc{
		"gzip": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(gz.Bytes())
		},
		"plain 100 MB, no length": func(w http.ResponseWriter, _ *http.Request) {
			for range 100 {
				if _, err := w.Write(spaces); err != nil {
					return
				}
			}
		},
		"declared 64 MiB, two bytes sent": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(limit))
			_, _ = w.Write([]byte("[]"))
		},
		"declared 100 MB": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(100<<20))
			for range 100 {
				if _, err := w.Write(spaces); err != nil {
					return
				}
			}
		},
	} {
		client, _ := newRecorder(t, h)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := client.Connections.List(context.Background())
		runtime.ReadMemStats(&after)
		require.Error(t, err, name)
		if !strings.Contains(name, "two bytes") {
			require.ErrorContains(t, err, "exceeds 67108864 bytes", name)
		}
		allocated := after.TotalAlloc - before.TotalAlloc
		t.Logf("%s: %d MiB allocated", name, allocated>>20)
		assert.Less(t, allocated, uint64(limit+16<<20), "%s: allocated %d MiB to refuse a body over 64 MiB", name, allocated>>20)
	}
}

// A large body of unknown length, read in chunks, decodes whole.
func TestLargeBodyWithoutLengthDecodes(t *testing.T) {
	t.Parallel()
	const n = 12_000 // about 2.8 MB: past the pooled buffer's first megabyte
	client, _ := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "[")
		for i := range n {
			if i > 0 {
				_, _ = io.WriteString(w, ",")
			}
			_, _ = io.WriteString(w, strings.Replace(pgConnectionJSON, "conn_1", "conn_"+strconv.Itoa(i), 1))
			if i%1000 == 0 {
				http.NewResponseController(w).Flush() // no Content-Length: chunked
			}
		}
		_, _ = io.WriteString(w, "]")
	})
	conns, err := client.Connections.List(context.Background())
	require.NoError(t, err)
	require.Len(t, conns, n)
	assert.Equal(t, "conn_11999", conns[n-1].ID)
}

// A 101 answer hands over the raw connection, which no timeout of net/http bounds: the call
// ends at the answer, without reading the connection the server holds open.
func TestSwitchingProtocolsDoesNotHang(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	t.Cleanup(func() { close(done); _ = ln.Close() })
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = http.ReadRequest(bufio.NewReader(conn))
		_, _ = conn.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n"))
		<-done // hold the connection open
	}()
	client, err := reeflow.NewClient(reeflow.WithBaseURL("http://"+ln.Addr().String()), reeflow.WithBasicAuth(docKeyID, docSecret),
		reeflow.WithMaxRetries(0))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // only so that a regression fails instead of hanging
	defer cancel()
	_, err = client.Connections.List(ctx)
	require.Error(t, err)
	assert.NoError(t, ctx.Err(), "the call ended at the answer, not with the caller's context")
	assert.ErrorContains(t, err, "unexpected 101 response")
}

package reeflow_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// closeWait bounds how long a test waits for the client to close a connection, so that a
// regression fails in seconds instead of hanging; a passing run waits for the event only.
const closeWait = 10 * time.Second

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

// A 2xx answer refused for its size closes its connection, without a per-attempt timeout to
// do it: a server that keeps sending would otherwise hold a connection of the client's pool
// for as long as it likes.
func TestOversizedAnswerClosesItsConnectionWithoutAttemptTimeout(t *testing.T) {
	t.Parallel()
	closed := make(chan struct{})
	var closeOnce sync.Once
	done := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(100<<20))
		_, _ = w.Write([]byte("[ "))
		http.NewResponseController(w).Flush()
		select { // the rest never comes: only the client can end this connection
		case <-r.Context().Done():
		case <-done:
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateClosed {
			closeOnce.Do(func() { close(closed) })
		}
	}
	srv.Start()
	t.Cleanup(func() { close(done); srv.Close() })

	client, err := reeflow.NewClient(reeflow.WithBaseURL(srv.URL), reeflow.WithHTTPClient(srv.Client()),
		reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithMaxRetries(0), reeflow.WithAttemptTimeout(0))
	require.NoError(t, err)
	_, err = client.Connections.List(context.Background())
	require.ErrorContains(t, err, "exceeds 67108864 bytes")
	select {
	case <-closed:
	case <-time.After(closeWait):
		t.Fatal("the client kept the connection of a refused answer open")
	}
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

// A 101 answer hands over a raw connection the SDK never reads: the call closes it, without a
// per-attempt timeout to do it.
func TestSwitchingProtocolsClosesItsConnectionWithoutAttemptTimeout(t *testing.T) {
	t.Parallel()
	closed := make(chan struct{})
	hijacked := make(chan net.Conn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		hijacked <- conn
		_, _ = buf.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n")
		_ = buf.Flush()
		if _, err := buf.Read(make([]byte, 1)); err != nil { // the client closed the connection
			close(closed)
		}
	}))
	t.Cleanup(func() {
		select {
		case conn := <-hijacked:
			_ = conn.Close() // ends the handler's read when the client did not
		default:
		}
		srv.Close()
	})

	client, err := reeflow.NewClient(reeflow.WithBaseURL(srv.URL), reeflow.WithHTTPClient(srv.Client()),
		reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithMaxRetries(0), reeflow.WithAttemptTimeout(0))
	require.NoError(t, err)
	_, err = client.Connections.List(context.Background())
	require.ErrorContains(t, err, "unexpected 101 response")
	select {
	case <-closed:
	case <-time.After(closeWait):
		t.Fatal("the client kept the connection of a 101 answer open")
	}
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/reeflow/reeflow-go/internal/testlog"
	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestServesReeflowsOwnExamples sends the requests of Reeflow's JavaScript examples (fetch with
// a Basic header) and of curl -u, with only the URL changed.
func TestServesReeflowsOwnExamples(t *testing.T) {
	const keyID = "key_abc123xyz"
	const secret = "a1b2c3d4e5f6789abcdef0123456789abcdef0123456789abcdef0123456789abc"
	t.Setenv("REEFLOW_API_KEY_ID", keyID)
	t.Setenv("REEFLOW_API_KEY_SECRET", secret)
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &testlog.Sink{}, &testlog.Sink{}
	ready := make(chan *reeflowtest.Server, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, stdout, stderr, func(s *reeflowtest.Server) { ready <- s })
	}()
	srv := <-ready
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"))

	credentials := base64.StdEncoding.EncodeToString([]byte(keyID + ":" + secret))
	send := func(method, path, body string, header http.Header) (int, string) {
		req, err := http.NewRequestWithContext(context.Background(), method, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header = header
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// The docs' "create a new connection" example.
	status, body := send("POST", "/connections", `{"name":"My Database","type":"pg","config":{"host":"localhost","port":5432,"database":"mydb","user":"myuser","password":"mypassword","ssl":false}}`,
		http.Header{"Authorization": {"Basic " + credentials}, "Content-Type": {"application/json"}})
	assert.Equal(t, 201, status, body)
	assert.NotContains(t, body, "mypassword")
	// The docs' "simple GET request" example.
	status, body = send("GET", "/connections", "", http.Header{"Authorization": {"Basic " + credentials}})
	assert.Equal(t, 200, status)
	assert.Contains(t, body, `"name":"My Database"`)
	// curl -u key:secret sends the same header; a wrong secret gets the documented error.
	status, body = send("GET", "/connections", "", http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(keyID+":nope"))}})
	assert.Equal(t, 401, status)
	assert.JSONEq(t, `{"message":"Invalid API key secret","error":"Unauthorized","statusCode":401}`, body)

	http.DefaultClient.CloseIdleConnections()
	cancel()
	require.NoError(t, <-done)
	out := stdout.String()
	assert.Contains(t, out, "default key: "+keyID)
	assert.NotContains(t, out, secret, "a secret from the environment is not printed")
	assert.Contains(t, out, "shutting down")
	logs := stderr.String()
	assert.Equal(t, 3, strings.Count(logs, "reeflowtest: request"), "one log line per request")
	assert.NotContains(t, logs, credentials)
	assert.NotContains(t, logs, secret)
}

func TestRandomKeyIsPrinted(t *testing.T) {
	t.Setenv("REEFLOW_API_KEY_ID", "")
	t.Setenv("REEFLOW_API_KEY_SECRET", "")
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &testlog.Sink{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-tls"}, stdout, io.Discard, func(s *reeflowtest.Server) {
			assert.True(t, strings.HasPrefix(s.URL, "https://"))
			assert.Contains(t, stdout.String(), "export REEFLOW_API_KEY_SECRET="+s.Key().Secret)
			cancel()
		})
	}()
	require.NoError(t, <-done)
}

func TestBadFlags(t *testing.T) {
	assert.Error(t, run(context.Background(), []string{"-nope"}, io.Discard, io.Discard, nil))
	assert.Error(t, run(context.Background(), []string{"extra"}, io.Discard, io.Discard, nil))
	assert.ErrorContains(t, run(context.Background(), []string{"-addr", "0.0.0.0:0"}, io.Discard, io.Discard, nil), "loopback")
}

// startMock runs the command with args until the test ends, and returns its server and output.
func startMock(t *testing.T, args ...string) (srv *reeflowtest.Server, stdout, stderr *testlog.Sink) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &testlog.Sink{}, &testlog.Sink{}
	ready := make(chan *reeflowtest.Server, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), stdout, stderr, func(s *reeflowtest.Server) { ready <- s })
	}()
	select {
	case srv = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("reeflow-mock did not start: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return srv, stdout, stderr
}

// dialRaw opens a raw TCP connection to srv, with a deadline that fails the test instead of
// hanging it if the server never closes the connection. The deadline is a guard, not a
// measurement: the server's own timeouts in these tests are a small fraction of it.
func dialRaw(t *testing.T, srv *reeflowtest.Server) net.Conn {
	t.Helper()
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	conn, err := (&net.Dialer{}).DialContext(context.Background(), "tcp", u.Host)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(20*time.Second)))
	return conn
}

// requireClosedByServer reads from conn until the server closes it, failing if the guard
// deadline passes first.
func requireClosedByServer(t *testing.T, conn net.Conn) {
	t.Helper()
	_, err := io.Copy(io.Discard, conn)
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		t.Fatal("the server held the connection")
	}
}

// TestSlowAndIdleClientsAreCut: a client that trickles its headers, one that stalls in its body
// and one that keeps an idle connection are cut once the (here short) timeouts pass.
func TestSlowAndIdleClientsAreCut(t *testing.T) {
	srv, _, _ := startMock(t, "-read-timeout", "200ms", "-idle-timeout", "200ms")

	t.Run("headers trickled", func(t *testing.T) {
		conn := dialRaw(t, srv)
		stop := make(chan struct{})
		trickled := make(chan struct{})
		go func() { // one byte of a never-ending header every 20 ms, as a slowloris client does
			defer close(trickled)
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			if _, err := io.WriteString(conn, "GET /connections HTTP/1.1\r\nHost: x\r\nX-Slow: "); err != nil {
				return
			}
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					if _, err := conn.Write([]byte("a")); err != nil {
						return
					}
				}
			}
		}()
		requireClosedByServer(t, conn)
		close(stop)
		<-trickled
	})

	t.Run("body stalled", func(t *testing.T) {
		conn := dialRaw(t, srv)
		_, err := io.WriteString(conn, "POST /connections HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
		require.NoError(t, err)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
		assert.JSONEq(t, `{"message":"Request body was not received in time","error":"Request Timeout","statusCode":408}`, string(body))
	})

	t.Run("idle connection", func(t *testing.T) {
		conn := dialRaw(t, srv)
		_, err := io.WriteString(conn, "GET /connections HTTP/1.1\r\nHost: x\r\n\r\n")
		require.NoError(t, err)
		r := bufio.NewReader(conn)
		resp, err := http.ReadResponse(r, nil)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		assert.Equal(t, 401, resp.StatusCode)
		assert.False(t, resp.Close, "the connection is kept alive, then closed once idle")
		_, err = r.ReadByte()
		assert.ErrorIs(t, err, io.EOF, "the server closed the idle connection")
	})
}

func TestBodyLimit(t *testing.T) {
	srv, _, _ := startMock(t)
	req, err := http.NewRequestWithContext(context.Background(), "POST", srv.URL+"/connections", strings.NewReader(`"`+strings.Repeat("x", 1<<20)+`"`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	defer http.DefaultClient.CloseIdleConnections()
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	assert.JSONEq(t, `{"message":"Request body is too large","error":"Request Entity Too Large","statusCode":413}`, string(body))
}

func TestRefusesNonLoopbackAddresses(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		remote bool
		ok     bool
	}{
		{"127.0.0.1:4010", false, true},
		{"[::1]:4010", false, true},
		{"localhost:4010", false, true},
		{"0.0.0.0:4413", false, false},
		{":4010", false, false},
		{"[::]:4010", false, false},
		{"192.168.1.20:4010", false, false},
		{"reeflow-mock.internal:4010", false, false},
		{"0.0.0.0:4413", true, true},
	} {
		err := checkListenAddr(tc.addr, tc.remote)
		if tc.ok {
			assert.NoError(t, err, tc.addr)
		} else {
			assert.ErrorContains(t, err, "not a loopback address", tc.addr)
			assert.ErrorContains(t, err, "-allow-remote", tc.addr)
		}
	}
	// The issue's own command: refused before anything listens or prints a key.
	var stdout bytes.Buffer
	err := run(context.Background(), []string{"-addr", "0.0.0.0:4413", "-tls"}, &stdout, io.Discard, nil)
	assert.ErrorContains(t, err, `-addr "0.0.0.0:4413" is not a loopback address`)
	assert.Empty(t, stdout.String())
}

func TestSeedFile(t *testing.T) {
	t.Setenv("REEFLOW_API_KEY_ID", "key_seed")
	t.Setenv("REEFLOW_API_KEY_SECRET", "seed-secret")
	path := filepath.Join(t.TempDir(), "seed.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"connections": [
		{"id": "conn_demo", "name": "Demo", "type": "pg",
		 "config": {"host": "localhost", "port": 5432, "database": "app", "user": "app", "password": "CANARY-PASSWORD", "ssl": true},
		 "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-02-01T00:00:00Z"},
		{"name": "Events", "type": "tinybird", "config": {"host": "api.tinybird.co", "token": "CANARY-TOKEN"}}
	]}`), 0o600))
	srv, stdout, _ := startMock(t, "-seed", path)
	assert.Contains(t, stdout.String(), "seeded 2 connections from "+path)

	conns, err := srv.Client(reeflow.WithBasicAuth("key_seed", "seed-secret")).Connections.List(context.Background())
	require.NoError(t, err)
	require.Len(t, conns, 2)
	assert.Equal(t, reeflow.Connection{
		ID: "conn_demo", Name: "Demo", Type: reeflow.ConnectionTypePostgres,
		Config:    reeflow.PostgresConfig{Host: "localhost", Port: 5432, Database: "app", User: "app", SSL: true},
		CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC),
	}, conns[0])
	assert.Equal(t, reeflow.TinybirdConfig{Host: "api.tinybird.co"}, conns[1].Config)
	assert.Equal(t, "CANARY-PASSWORD", srv.Connections()[0].Config.(reeflow.PostgresConfig).Password)
}

func TestBadSeedFiles(t *testing.T) {
	dir := t.TempDir()
	stopped, cancel := context.WithCancel(context.Background())
	cancel() // a seed file that wrongly passes makes run return at once, rather than serve forever
	for _, tc := range []struct{ name, content, want string }{
		{"not json", `{"connections": [`, "unexpected EOF"},
		{"a list", `[{"name": "x"}]`, "cannot unmarshal array"},
		{"misspelt field", `{"connections": [{"name": "Demo", "type": "pg", "config": {"host": "h", "port": 1, "database": "d", "user": "u", "pasword": "CANARY"}}]}`,
			`connection 1 ("Demo"): config: json: unknown field "pasword"`},
		{"unknown type", `{"connections": [{"name": "Demo", "type": "mysql", "config": {}}]}`, `connection 1 ("Demo"): type "mysql": use "pg", "tinybird", "bigquery" or "snowflake"`},
		{"no config", `{"connections": [{"name": "Demo", "type": "pg"}]}`, `connection 1 ("Demo"): no config`},
		{"not a service-account key", `{"connections": [{"name": "BQ", "type": "bigquery", "config": {"service_account_key": {"type": "authorized_user", "refresh_token": "CANARY"}, "location": "EU"}}]}`,
			`connection 1 ("BQ"): config: reeflow: BigQuery service-account key is not a service account's key`},
		{"BigQuery without a key", `{"connections": [{"name": "BQ", "type": "bigquery", "config": {"project_id": "p", "location": "EU"}}]}`,
			`config.service_account_key: property "service_account_key" is missing`},
		{"misspelt Snowflake field", `{"connections": [{"name": "Snow", "type": "snowflake", "config": {"account": "a", "user": "u", "pat": "CANARY", "warehouse": "w", "database": "d"}}]}`,
			`connection 1 ("Snow"): config: json: unknown field "pat"`},
		{"invalid config", `{"connections": [{"name": "Demo", "type": "pg", "config": {"host": "h", "port": 0, "database": "d", "user": "u", "password": "CANARY"}}]}`,
			"reeflowtest: SeedConnection: config.port"},
		{"duplicate ID", `{"connections": [{"id": "conn_a", "name": "A", "type": "tinybird", "config": {"host": "h"}}, {"id": "conn_a", "name": "B", "type": "tinybird", "config": {"host": "h"}}]}`,
			`connection "conn_a" already exists`},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".json")
		require.NoError(t, os.WriteFile(path, []byte(tc.content), 0o600))
		var stdout bytes.Buffer
		err := run(stopped, []string{"-addr", "127.0.0.1:0", "-seed", path}, &stdout, io.Discard, nil)
		require.Error(t, err, tc.name)
		assert.Contains(t, err.Error(), "-seed "+path, tc.name)
		assert.Contains(t, err.Error(), tc.want, tc.name)
		assert.NotContains(t, err.Error(), "CANARY", tc.name)
		assert.NotContains(t, stdout.String(), "export", "%s: no key is printed for a server that does not start", tc.name)
	}
	assert.ErrorContains(t, run(stopped, []string{"-seed", filepath.Join(dir, "missing.json")}, io.Discard, io.Discard, nil), "no such file")
}

func TestLogRequests(t *testing.T) {
	t.Setenv("REEFLOW_API_KEY_ID", "key_log")
	t.Setenv("REEFLOW_API_KEY_SECRET", "CANARY-SECRET")
	for _, verbose := range []bool{false, true} {
		args := []string{}
		if verbose {
			args = append(args, "-log-requests")
		}
		srv, _, stderr := startMock(t, args...)
		client := srv.Client(reeflow.WithBasicAuth("key_log", "CANARY-SECRET"))
		_, err := client.Connections.Create(context.Background(), reeflow.CreateConnectionParams{
			Name: "Events", Config: reeflow.TinybirdConfig{Host: "api.tinybird.co", Token: "CANARY-TOKEN"},
		})
		require.NoError(t, err)
		client.CloseIdleConnections()
		logs := stderr.String()
		assert.Equal(t, 1, strings.Count(logs, "reeflowtest: request"))
		assert.NotContains(t, logs, "CANARY")
		if verbose {
			assert.Contains(t, logs, `\"token\":\"[REDACTED]\"`)
			assert.Contains(t, logs, "Authorization:[Basic [REDACTED]]")
			assert.Contains(t, logs, "key_id=key_log auth_mode=basic")
		} else {
			assert.NotContains(t, logs, "body=")
		}
	}
}

// -seed loads BigQuery (its key pasted as an object or as a string) and Snowflake connections,
// whose key and token the API never returns.
func TestSeedFileWithBigQueryAndSnowflake(t *testing.T) {
	t.Setenv("REEFLOW_API_KEY_ID", "key_seed")
	t.Setenv("REEFLOW_API_KEY_SECRET", "seed-secret")
	const key = `{"type": "service_account", "project_id": "my-gcp-project", "client_email": "reader@my-gcp-project.iam.gserviceaccount.com",
		"private_key": "-----BEGIN PRIVATE KEY-----\nCANARY-PRIVATE-KEY\n-----END PRIVATE KEY-----\n"}`
	keyString, err := json.Marshal(key)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "seed.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"connections": [
		{"name": "Warehouse", "type": "bigquery", "config": {"service_account_key": `+key+`, "location": "EU"}},
		{"name": "Billing", "type": "bigquery", "config": {"service_account_key": `+string(keyString)+`, "project_id": "billing", "location": "US"}},
		{"name": "Snow", "type": "snowflake", "config": {"account": "myorg-myaccount", "user": "READER", "token": "CANARY-PAT",
		 "warehouse": "WH", "database": "DB", "schemas": ["PUBLIC", "MARTS"]}}
	]}`), 0o600))
	srv, stdout, _ := startMock(t, "-seed", path)
	assert.Contains(t, stdout.String(), "seeded 3 connections from "+path)

	conns, err := srv.Client(reeflow.WithBasicAuth("key_seed", "seed-secret")).Connections.List(context.Background())
	require.NoError(t, err)
	require.Len(t, conns, 3)
	assert.Equal(t, reeflow.BigQueryConfig{ProjectID: "my-gcp-project", Location: "EU"}, conns[0].Config, "the project ID comes from the key")
	assert.Equal(t, reeflow.BigQueryConfig{ProjectID: "billing", Location: "US"}, conns[1].Config, "unless the file gives one")
	assert.Equal(t, reeflow.SnowflakeConfig{Account: "myorg-myaccount", User: "READER", Warehouse: "WH", Database: "DB", Schemas: []string{"PUBLIC", "MARTS"}}, conns[2].Config)
	stored := srv.Connections()
	assert.Contains(t, stored[0].Config.(reeflow.BigQueryConfig).ServiceAccountKey, "CANARY-PRIVATE-KEY", "the fake keeps the key")
	assert.Equal(t, "CANARY-PAT", stored[2].Config.(reeflow.SnowflakeConfig).Token)
	assert.NotContains(t, stdout.String(), "CANARY")
}

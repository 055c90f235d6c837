package reeflow_test

// Benchmarks compare the SDK with the best a careful engineer could write by hand with
// net/http and encoding/json, against the same in-process TLS server returning the same bytes,
// in the same run. See BENCHMARKS.md for how to run and read them.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reeflow/reeflow-go/reeflow"
)

// benchServer serves fixed bodies: a list of n connections, one connection, a created one.
type benchServer struct {
	srv  *httptest.Server
	sdk  *reeflow.Client
	http *http.Client
	auth []string
}

func connectionsJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		if i%4 == 3 {
			fmt.Fprintf(&b, `{"id":"conn_%08d","name":"Events %d","type":"tinybird","config":{"host":"api.tinybird.co"},"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z"}`, i, i)
			continue
		}
		fmt.Fprintf(&b, `{"id":"conn_%08d","name":"Database %d","type":"pg","config":{"host":"db-%d.internal.example.com","port":5432,"database":"analytics","user":"reeflow_reader","ssl":true},"created_at":"2026-01-02T03:04:05Z","updated_at":"2026-01-02T03:04:05Z"}`, i, i, i)
	}
	b.WriteByte(']')
	return b.Bytes()
}

func newBenchServer(b *testing.B, listSize int) *benchServer {
	b.Helper()
	list := connectionsJSON(listSize)
	one := connectionsJSON(1)
	one = one[1 : len(one)-1]
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/connections":
			w.Header().Set("Content-Length", strconv.Itoa(len(list)))
			_, _ = w.Write(list)
		case r.Method == http.MethodPost:
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write(one)
		default:
			_, _ = w.Write(one)
		}
	}))
	b.Cleanup(srv.Close)
	sdk, err := reeflow.NewClient(reeflow.WithBaseURL(srv.URL), reeflow.WithHTTPClient(srv.Client()), reeflow.WithBasicAuth(docKeyID, docSecret))
	if err != nil {
		b.Fatal(err)
	}
	return &benchServer{
		srv: srv, sdk: sdk, http: srv.Client(),
		auth: []string{"Basic " + base64.StdEncoding.EncodeToString([]byte(docKeyID+":"+docSecret))},
	}
}

// The hand-written baseline: plain structs, the raw config decoded by type afterwards.
type (
	basePG struct {
		Host     string `json:"host"`
		Port     int    `json:"port"`
		Database string `json:"database"`
		User     string `json:"user"`
		SSL      bool   `json:"ssl"`
	}
	baseTB struct {
		Host string `json:"host"`
	}
	baseConn struct {
		ID        string          `json:"id"`
		Name      string          `json:"name"`
		Type      string          `json:"type"`
		Config    json.RawMessage `json:"config"`
		CreatedAt time.Time       `json:"created_at"`
		UpdatedAt time.Time       `json:"updated_at"`
		Typed     any             `json:"-"`
	}
)

func (c *baseConn) decodeConfig() error {
	switch c.Type {
	case "pg":
		var cfg basePG
		if err := json.Unmarshal(c.Config, &cfg); err != nil {
			return err
		}
		c.Typed = cfg
	case "tinybird":
		var cfg baseTB
		if err := json.Unmarshal(c.Config, &cfg); err != nil {
			return err
		}
		c.Typed = cfg
	}
	return nil
}

// baselineTimeout bounds each baseline request as the SDK bounds each attempt by default: a
// careful hand-written client does not let a request hang forever either.
const baselineTimeout = 60 * time.Second

func (s *benchServer) baseline(ctx context.Context, method, path string, body []byte, want int, out any) error {
	ctx, cancel := context.WithTimeout(ctx, baselineTimeout)
	defer cancel()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.srv.URL+path, r)
	if err != nil {
		return err
	}
	req.Header["Authorization"] = s.auth
	if body != nil {
		req.Header["Content-Type"] = []string{"application/json"}
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.Unmarshal(data, out)
}

func benchList(b *testing.B, n int) {
	s := newBenchServer(b, n)
	ctx := context.Background()
	b.Run("SDK", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			conns, err := s.sdk.Connections.List(ctx)
			if err != nil || len(conns) != n {
				b.Fatal(err, len(conns))
			}
		}
	})
	b.Run("Baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var conns []baseConn
			if err := s.baseline(ctx, http.MethodGet, "/connections", nil, 200, &conns); err != nil {
				b.Fatal(err)
			}
			for i := range conns {
				if err := conns[i].decodeConfig(); err != nil {
					b.Fatal(err)
				}
			}
			if len(conns) != n {
				b.Fatal(len(conns))
			}
		}
	})
}

func BenchmarkListConnections1(b *testing.B)    { benchList(b, 1) }
func BenchmarkListConnections100(b *testing.B)  { benchList(b, 100) }
func BenchmarkListConnections5000(b *testing.B) { benchList(b, 5000) }

func BenchmarkGetConnection(b *testing.B) {
	s := newBenchServer(b, 1)
	ctx := context.Background()
	b.Run("SDK", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.sdk.Connections.Get(ctx, "conn_00000000"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Baseline", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c baseConn
			if err := s.baseline(ctx, http.MethodGet, "/connections/conn_00000000", nil, 200, &c); err != nil {
				b.Fatal(err)
			}
			if err := c.decodeConfig(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCreateConnection(b *testing.B) {
	s := newBenchServer(b, 1)
	ctx := context.Background()
	cfg := reeflow.PostgresConfig{Host: "db.internal.example.com", Port: 5432, Database: "analytics", User: "reeflow_reader", Password: "s3cret", SSL: true}
	b.Run("SDK", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.sdk.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: "Analytics", Config: cfg}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Baseline", func(b *testing.B) {
		type pgWithPassword struct {
			basePG
			Password string `json:"password"`
		}
		type create struct {
			Name   string         `json:"name"`
			Type   string         `json:"type"`
			Config pgWithPassword `json:"config"`
		}
		b.ReportAllocs()
		for b.Loop() {
			body, err := json.Marshal(create{Name: "Analytics", Type: "pg", Config: pgWithPassword{
				basePG: basePG{Host: cfg.Host, Port: cfg.Port, Database: cfg.Database, User: cfg.User, SSL: cfg.SSL}, Password: cfg.Password,
			}})
			if err != nil {
				b.Fatal(err)
			}
			var c baseConn
			if err := s.baseline(ctx, http.MethodPost, "/connections", body, 201, &c); err != nil {
				b.Fatal(err)
			}
			if err := c.decodeConfig(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkBasicAuthEditor(b *testing.B) {
	edit, err := reeflow.BasicAuth(docKeyID, docSecret)
	if err != nil {
		b.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "https://api.reeflow.com/connections", nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := edit(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// body1KiB is a 1 KiB JSON request body.
var body1KiB = func() []byte {
	b := []byte(`{"name":"` + strings.Repeat("x", 1024-len(`{"name":""}`)) + `"}`)
	if len(b) != 1024 {
		panic(len(b))
	}
	return b
}()

func signedRequest(b *testing.B) *http.Request {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "https://api.reeflow.com/connections", bytes.NewReader(body1KiB))
	if err != nil {
		b.Fatal(err)
	}
	return req
}

func BenchmarkHMACSign1KiB(b *testing.B) {
	b.Run("SDK", func(b *testing.B) {
		sign, err := reeflow.HMACAuth(docKeyID, docSecret)
		if err != nil {
			b.Fatal(err)
		}
		req := signedRequest(b)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if err := sign(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Straightforward: hmac.New per request, hex.EncodeToString, Header.Set.
	b.Run("Baseline", func(b *testing.B) {
		req := signedRequest(b)
		secret := []byte(docSecret)
		b.ReportAllocs()
		for b.Loop() {
			body, err := req.GetBody()
			if err != nil {
				b.Fatal(err)
			}
			data, _ := io.ReadAll(body)
			sum := sha256.Sum256(data)
			ts := strconv.FormatInt(time.Unix(1764158400, 0).Unix(), 10)
			canonical := req.Method + "\n" + req.URL.EscapedPath() + "\n" + ts + "\n" + hex.EncodeToString(sum[:])
			mac := hmac.New(sha256.New, secret)
			mac.Write([]byte(canonical))
			req.Header.Set("X-API-Key", docKeyID)
			req.Header.Set("X-API-Timestamp", ts)
			req.Header.Set("X-API-Signature", hex.EncodeToString(mac.Sum(nil)))
		}
	})
}

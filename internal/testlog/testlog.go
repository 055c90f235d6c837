// Package testlog collects what a logger or a server writes, for this module's tests: a buffer
// safe for the concurrent writes of a server's goroutines, and the JSON records in it.
package testlog

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
)

// Sink is a bytes.Buffer safe for concurrent use. Its zero value is ready to use.
type Sink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (s *Sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// String returns everything written so far.
func (s *Sink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// Logger returns a logger that writes every record, Debug included, to s as JSON.
func (s *Sink) Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(s, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Records decodes the JSON records written so far, failing t on a line that is not one.
func (s *Sink) Records(t testing.TB) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(s.String()) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %v", err)
		}
		out = append(out, rec)
	}
	return out
}

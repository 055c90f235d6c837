package reeflowtest

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sync"

	"github.com/reeflow/reeflow-go/reeflow"
)

// Request is one request the server received, as [Server.Requests] reports it: what a test
// asserts about the calls its code made. Credentials and secrets are redacted (see Header and
// Body), so a Request can be printed or logged as it is.
type Request struct {
	// Method is the request method, such as "POST".
	Method string
	// Path is the path as sent, escaped, such as "/connections/conn_1".
	Path string
	// Query holds the query parameters; the values of parameters named like a secret (as for
	// Body, and "sig" and "code") are "[REDACTED]", and secrets inside values are redacted as
	// for Body.
	Query url.Values
	// Header holds the request headers. Authorization keeps its scheme ("Basic [REDACTED]");
	// X-API-Signature, cookies and any header named like a secret or token are "[REDACTED]".
	// X-API-Key, which carries only the key ID, is kept.
	Header http.Header
	// Body is the JSON body with the value of every field named like a password, secret, token
	// or key ("private_key", "api_key", "pat", "pw", "auth", "bearer", "jwt", "session…")
	// "[REDACTED]" at any depth (empty values are kept). Under any name, so is a string holding a
	// PEM private key (or a key file in base64), the password or, when there is no password, the
	// user of a URL ("postgres://u:[REDACTED]@h/db", "https://[REDACTED]@github.com/…"), and a
	// connection string's password ("Pwd=[REDACTED]", braces included). Matching on names and
	// shapes hides the usual secrets, not every one: a secret under a name and in a shape it does
	// not know is kept. It is nil when the request had no body or a body that is not JSON, which
	// cannot be redacted and so is not kept.
	Body json.RawMessage
	// KeyID and AuthMode are the API key and the mode (reeflow.AuthBasic or reeflow.AuthHMAC)
	// that authenticated the request; empty and 0 when it did not authenticate.
	KeyID    string
	AuthMode reeflow.AuthMode
	// AuthError is the documented authentication error the request got, such as "Invalid API
	// key secret" or "Request timestamp expired"; empty when it authenticated, and when a fault
	// answered before authentication ran.
	AuthError string
	// Status is the status the server answered with; 0 when it sent no answer (a dropped
	// connection, or a client that gave up during a delay).
	Status int
	// RequestID is the X-Request-Id the server answered with, which the SDK reports in
	// reeflow.APIError.RequestID.
	RequestID string
}

// Requests returns the requests the server has answered, oldest first in the order they
// arrived: at most the last 1000, or as many as [WithRequestLogLimit] says. A request appears
// once it has been answered (or dropped). The result is a copy, safe to keep and modify.
func (s *Server) Requests() []Request {
	s.mustBeCreated("Requests")
	return s.log.snapshot()
}

// defaultRequestLogLimit bounds the requests log unless WithRequestLogLimit says otherwise.
const defaultRequestLogLimit = 1000

// WithRequestLogLimit sets how many requests [Server.Requests] keeps (the most recent ones);
// 0 keeps none. The default is 1000.
func WithRequestLogLimit(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return errors.New("reeflowtest: WithRequestLogLimit: negative limit")
		}
		c.logLimit = n
		return nil
	}
}

// requestLog keeps the last limit requests. Requests are stored as they finish and sorted by
// arrival when read, so a delayed request still appears where it arrived.
type requestLog struct {
	mu      sync.Mutex
	limit   int
	entries []loggedRequest // a ring once full
	next    int             // where the next entry goes once the ring is full
}

type loggedRequest struct {
	seq uint64
	req Request
}

func (l *requestLog) add(seq uint64, r Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.limit == 0:
	case len(l.entries) < l.limit:
		l.entries = append(l.entries, loggedRequest{seq, r})
	default:
		l.entries[l.next] = loggedRequest{seq, r}
		l.next = (l.next + 1) % l.limit
	}
}

func (l *requestLog) snapshot() []Request {
	l.mu.Lock()
	entries := slices.Clone(l.entries)
	l.mu.Unlock()
	slices.SortFunc(entries, func(a, b loggedRequest) int {
		switch {
		case a.seq < b.seq:
			return -1
		case a.seq > b.seq:
			return 1
		}
		return 0
	})
	out := make([]Request, len(entries))
	for i, e := range entries {
		out[i] = e.req.clone()
	}
	return out
}

// clone deep-copies r, so a caller that modifies its copy cannot change the log.
func (r Request) clone() Request {
	r.Query = maps.Clone(r.Query)
	for k, v := range r.Query {
		r.Query[k] = slices.Clone(v)
	}
	r.Header = r.Header.Clone()
	r.Body = slices.Clone(r.Body)
	return r
}

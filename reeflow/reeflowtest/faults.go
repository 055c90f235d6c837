package reeflowtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault is a failure the server injects into the requests that match it, to test how code
// copes with errors, slow answers and lost connections. It needs at least one of Status, Delay
// and Drop; Delay combines with either of the others.
//
// A fault applies before any other processing, authentication included, as a proxy or an
// overloaded server would answer. Each request gets at most one fault: FailNext's first, then
// the faults of AddFault in the order they were added.
type Fault struct {
	// Method matches the request method, such as "POST"; empty matches any method.
	Method string
	// Path matches the request path with a net/http pattern, such as "/connections" or
	// "/connections/{id}" (see net/http.ServeMux); empty matches any path.
	Path string
	// Match, when set, must also report true for the fault to apply. It gets a copy of the
	// request whose body it may read. It runs on the server's goroutines, possibly for several
	// requests at once, so it must not call t.Fatal or require.
	Match func(*http.Request) bool
	// Times is how many matching requests the fault affects; 0 affects every one of them.
	Times int

	// Status answers with this failure status, 400 to 599, and the fake's error body
	// ({"message": <status text>, "error": <status text>, "statusCode": <status>}).
	Status int
	// RetryAfter adds a Retry-After header, rounded up to whole seconds. It needs Status.
	RetryAfter time.Duration
	// Body replaces the error body. It needs Status. A JSON body is served as
	// application/json, anything else with the type net/http sniffs (an HTML page from a proxy
	// is text/html). It is served as given, even where it breaks openapi.yaml.
	Body string

	// Delay waits before answering: then the request gets Status, is dropped, or, with neither,
	// is served normally. The wait ends early when the client gives up or the server closes,
	// and the connection is then dropped, so no test waits out a long delay.
	Delay time.Duration
	// Drop closes the connection after reading the request, without acting on it or answering
	// (over HTTP/2 it resets the stream). The client gets a transport error after sending its
	// request: it cannot tell whether the server acted on it, the case where only calls that are
	// safe to repeat may be retried. For the other case, a request that provably never reached
	// the server, point the client at a closed server (srv.Close) or an unused port: the dial fails.
	Drop bool
}

// AddFault makes the requests that match f fail as f says. A fault that cannot work (a status
// below 400, RetryAfter without Status, an invalid path pattern…) is refused, never half
// applied: in a test from NewServer the test fails at once with a message naming the problem;
// a server from Start, which has no test to fail, answers every later request with a 500 that
// names it.
func (s *Server) AddFault(f Fault) {
	s.mustBeCreated("AddFault")
	if s.tb != nil {
		s.tb.Helper()
	}
	af, err := newActiveFault(f)
	if err != nil {
		s.refuse(fmt.Errorf("reeflowtest: AddFault: %w", err))
		return
	}
	s.faults.add(af)
}

// Validate reports what AddFault would refuse in f, for programs that take faults from their
// users (reeflow-mock -fault) and must say what is wrong before serving.
func (f Fault) Validate() error {
	_, err := newActiveFault(f)
	return err
}

// activeFault is a Fault with its path matcher and the uses it has left.
type activeFault struct {
	Fault
	matcher   *http.ServeMux // nil when Path is empty
	remaining int            // -1: no limit
}

func newActiveFault(f Fault) (*activeFault, error) {
	switch {
	case f.Times < 0:
		return nil, fmt.Errorf("negative Times %d: use 0 for every matching request", f.Times)
	case f.Delay < 0:
		return nil, fmt.Errorf("negative Delay %v", f.Delay)
	case f.RetryAfter < 0:
		return nil, fmt.Errorf("negative RetryAfter %v", f.RetryAfter)
	case f.Status == 0 && (f.RetryAfter != 0 || f.Body != ""):
		return nil, errors.New("a RetryAfter or a Body needs a Status")
	case f.Status != 0 && f.Drop:
		return nil, fmt.Errorf("a Drop excludes Status %d: a dropped connection gets no answer", f.Status)
	case f.Status == 0 && f.Delay == 0 && !f.Drop:
		return nil, errors.New("the fault does nothing: set Status, Delay or Drop")
	}
	if f.Status != 0 {
		if err := checkFailureStatus(f.Status); err != nil {
			return nil, err
		}
	}
	if f.Method != "" {
		if err := checkMethod(f.Method); err != nil {
			return nil, err
		}
	}
	af := &activeFault{Fault: f, remaining: -1}
	if f.Times > 0 {
		af.remaining = f.Times
	}
	if f.Path != "" {
		if !strings.HasPrefix(f.Path, "/") {
			return nil, fmt.Errorf("path pattern %q must start with \"/\" (the method goes in Method)", f.Path)
		}
		af.matcher = http.NewServeMux()
		if err := register(af.matcher, f.Path, http.NotFoundHandler()); err != nil {
			return nil, fmt.Errorf("path pattern %q: %w", f.Path, err)
		}
	}
	return af, nil
}

// checkFailureStatus refuses a status that is not a failure: a "fault" answering 200 or 302
// would make a test pass for the wrong reason.
func checkFailureStatus(status int) error {
	if status < 400 || status > 599 {
		return fmt.Errorf("status %d is not a failure status: use 400 to 599", status)
	}
	return nil
}

// checkMethod refuses a method no client sends: methods are case-sensitive, and one in lower
// case would silently match nothing.
func checkMethod(method string) error {
	for i := 0; i < len(method); i++ {
		c := method[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') && !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return fmt.Errorf("method %q is not an upper-case HTTP method such as \"POST\"", method)
		}
	}
	return nil
}

// register adds pattern to mux, turning the panic with which ServeMux refuses an invalid or
// conflicting pattern into a one-line error, without the places of registration, which are
// this package's own.
func register(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			msg := registeredAt.ReplaceAllString(fmt.Sprint(p), "")
			err = errors.New(strings.Join(strings.Fields(msg), " "))
		}
	}()
	mux.Handle(pattern, h)
	return nil
}

var registeredAt = regexp.MustCompile(` \(registered at [^)]*\)`)

// routedPattern returns the pattern mux would serve r with; "" when none would, or when the
// path is not clean, which ServeMux would redirect rather than serve.
func routedPattern(mux *http.ServeMux, r *http.Request) string {
	if p := r.URL.EscapedPath(); cleanPath(p) != p {
		return ""
	}
	_, pattern := mux.Handler(r)
	return pattern
}

// cleanPath is path.Clean keeping a trailing slash, as ServeMux cleans paths.
func cleanPath(p string) string {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

func (f *activeFault) matches(r *http.Request, body []byte) bool {
	if f.Method != "" && r.Method != f.Method {
		return false
	}
	if f.matcher != nil && routedPattern(f.matcher, r) != f.Path {
		return false
	}
	if f.Match == nil {
		return true
	}
	c := r.Clone(r.Context())
	c.Body = io.NopCloser(bytes.NewReader(body))
	return f.Match(c)
}

// faultList holds the faults of AddFault in the order they were added.
type faultList struct {
	mu     sync.Mutex
	faults []*activeFault
}

func (l *faultList) add(f *activeFault) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.faults = append(l.faults, f)
}

// take returns the first fault that matches r and has uses left, using one. Predicates run
// without the lock held, so one that is slow, or calls Server.Requests, blocks nobody.
func (l *faultList) take(r *http.Request, body []byte) (Fault, bool) {
	l.mu.Lock()
	candidates := slices.Clone(l.faults)
	l.mu.Unlock()
	for _, f := range candidates {
		if !f.matches(r, body) {
			continue
		}
		l.mu.Lock()
		ok := f.remaining != 0 // another request may have used it up meanwhile
		if f.remaining > 0 {
			f.remaining--
			if f.remaining == 0 {
				l.faults = slices.DeleteFunc(l.faults, func(g *activeFault) bool { return g == f })
			}
		}
		l.mu.Unlock()
		if ok {
			return f.Fault, true
		}
	}
	return Fault{}, false
}

// takeFault returns the fault for r, if any: FailNext's, then AddFault's.
func (s *Server) takeFault(r *http.Request, body []byte) (Fault, bool) {
	if status, retryAfter, ok := s.state.takeFailure(); ok {
		return Fault{Status: status, RetryAfter: retryAfter}, true
	}
	return s.faults.take(r, body)
}

// applyFault carries out f and reports whether it answered the request; when it did not (a
// delay alone), the request is then served normally. A drop panics with http.ErrAbortHandler,
// which makes net/http close the connection (HTTP/1) or reset the stream (HTTP/2) without
// answering.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	if f.Delay > 0 && !s.wait(r.Context(), f.Delay) {
		panic(http.ErrAbortHandler)
	}
	if f.Drop {
		panic(http.ErrAbortHandler)
	}
	if f.Status == 0 {
		return false
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(int64((f.RetryAfter+time.Second-1)/time.Second), 10))
	}
	if f.Body == "" {
		writeError(w, f.Status, http.StatusText(f.Status))
		return true
	}
	contentType := "application/json; charset=utf-8"
	if !json.Valid([]byte(f.Body)) {
		contentType = http.DetectContentType([]byte(f.Body))
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(f.Status)
	_, _ = io.WriteString(w, f.Body)
	return true
}

// wait waits d, and reports false if the client gave up or the server closed first.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.closing:
		return false
	}
}

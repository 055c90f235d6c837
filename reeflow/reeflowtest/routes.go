package reeflowtest

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// Handle serves h for the requests that match method and pattern, for an endpoint the SDK does
// not model, so that code calling it as a raw request is tested the way the rest is. pattern is a
// net/http pattern without method or host, such as "/dashboards/{id}"; h reads its wildcards
// with r.PathValue.
//
// The request goes through what every request goes through first: it is logged in
// [Server.Requests], faults apply to it, its body is bounded, and it must authenticate (Basic or
// HMAC) or get the documented error body. A request whose method and path match no route, the
// API's or Handle's, gets the fake's 404 body. Only what h writes is h's own: it is outside
// openapi.yaml, and the fake does not check it.
//
// A pattern that overlaps a route of the API as ambiguously as net/http.ServeMux refuses
// ("GET /connections/{id}"), an empty or lower-case method, and a nil handler are refused: the
// test fails at once, or, for a server from Start, every later request gets a 500 that names the
// problem. A more specific pattern, such as "GET /connections/{id}/tables", is allowed.
func (s *Server) Handle(method, pattern string, h http.Handler) {
	if s.tb != nil {
		s.tb.Helper()
	}
	if err := s.routes.handle(method, pattern, h); err != nil {
		s.refuse(fmt.Errorf("reeflowtest: Handle(%q, %q): %w", method, pattern, err))
	}
}

// customRoutes holds the routes of Handle. The API's own routes are registered on its mux too,
// so that ServeMux refuses a custom pattern that conflicts with one of them; requests are only
// ever served from it when a custom pattern matched.
type customRoutes struct {
	mux      *http.ServeMux
	mu       sync.RWMutex
	patterns map[string]bool // the custom ones
}

func newCustomRoutes(apiPatterns []string) (*customRoutes, error) {
	c := &customRoutes{mux: http.NewServeMux(), patterns: map[string]bool{}}
	for _, p := range apiPatterns {
		if err := register(c.mux, p, http.NotFoundHandler()); err != nil {
			return nil, fmt.Errorf("reeflowtest: route of the spec: %w", err)
		}
	}
	return c, nil
}

func (c *customRoutes) handle(method, pattern string, h http.Handler) error {
	switch {
	case method == "":
		return errors.New("empty method")
	case h == nil:
		return errors.New("nil handler")
	case !strings.HasPrefix(pattern, "/"):
		return errors.New(`the pattern must start with "/" (the method is the first argument)`)
	}
	if err := checkMethod(method); err != nil {
		return err
	}
	full := method + " " + pattern
	if err := register(c.mux, full, h); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.patterns[full] = true
	return nil
}

// serve serves r with a custom route and reports whether one matched.
func (c *customRoutes) serve(w http.ResponseWriter, r *http.Request) bool {
	pattern := routedPattern(c.mux, r)
	c.mu.RLock()
	custom := c.patterns[pattern]
	c.mu.RUnlock()
	if !custom {
		return false
	}
	c.mux.ServeHTTP(w, r) // sets r.Pattern and the path values
	return true
}

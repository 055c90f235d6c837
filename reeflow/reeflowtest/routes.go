package reeflowtest

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Handle serves h for the requests that match method and pattern: an endpoint the SDK does not
// model, so that code calling it as a raw request is tested the way the rest is, or a route of
// the API whose modeled behaviour a test replaces. pattern is a net/http pattern without method
// or host, such as "/dashboards/{id}"; h reads its wildcards with r.PathValue.
//
// The request goes through what every request goes through first: it is logged in
// [Server.Requests], faults apply to it, its body is bounded, and it must authenticate (Basic or
// HMAC) or get the documented error body. A request whose method and path match no route, the
// API's or Handle's, gets the fake's 404 body. Only what h writes is h's own: it is outside
// openapi.yaml, and the fake does not check it.
//
// A pattern with the same method and the same path as a route of the API, wildcard names aside
// ("POST /connections", "GET /connections/{id}"), replaces that route. A more specific pattern,
// such as "GET /connections/{id}/tables", is added beside it. A pattern that overlaps a route
// ambiguously, as net/http.ServeMux refuses ("GET /{kind}/conn_1"), a pattern given twice, an
// empty or lower-case method, and a nil handler are refused: the test fails at once, or, for a
// server from Start, every later request gets a 500 that names the problem.
func (s *Server) Handle(method, pattern string, h http.Handler) {
	s.mustBeCreated("Handle")
	if s.tb != nil {
		s.tb.Helper()
	}
	if err := s.routes.handle(method, pattern, h); err != nil {
		s.refuse(fmt.Errorf("reeflowtest: Handle(%q, %q): %w", method, pattern, err))
	}
}

// customRoutes holds the routes of Handle. The API's own routes are registered on its mux too,
// unless a custom route replaces them, so that ServeMux refuses a custom pattern that conflicts
// with one of them; requests are only ever served from it when a custom pattern matched.
type customRoutes struct {
	apiPatterns []string
	mu          sync.RWMutex
	mux         *http.ServeMux
	custom      []customRoute
	patterns    map[string]bool // the custom ones
}

type customRoute struct {
	pattern string
	h       http.Handler
}

func newCustomRoutes(apiPatterns []string) (*customRoutes, error) {
	c := &customRoutes{apiPatterns: apiPatterns, patterns: map[string]bool{}}
	mux, err := c.build(nil)
	if err != nil {
		return nil, fmt.Errorf("reeflowtest: route of the spec: %w", err)
	}
	c.mux = mux
	return c, nil
}

// build registers custom, then every API route that none of them replaces, on a new mux.
func (c *customRoutes) build(custom []customRoute) (*http.ServeMux, error) {
	mux := http.NewServeMux()
	replaced := map[string]bool{}
	for _, r := range custom {
		if err := register(mux, r.pattern, r.h); err != nil {
			return nil, err
		}
		replaced[routeShape(r.pattern)] = true
	}
	for _, p := range c.apiPatterns {
		if replaced[routeShape(p)] {
			continue
		}
		if err := register(mux, p, http.NotFoundHandler()); err != nil {
			return nil, err
		}
	}
	return mux, nil
}

// routeShape is a pattern with its wildcard names dropped: "GET /connections/{}". Two patterns
// of the same shape match the same requests.
func routeShape(pattern string) string {
	return wildcardName.ReplaceAllString(pattern, "{$1}")
}

var wildcardName = regexp.MustCompile(`\{[^}.]*(\.\.\.)?\}`)

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
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.custom {
		if routeShape(r.pattern) == routeShape(full) {
			return fmt.Errorf("%q is already handled", r.pattern)
		}
	}
	custom := append(slices.Clone(c.custom), customRoute{full, h})
	mux, err := c.build(custom)
	if err != nil {
		return err
	}
	c.mux, c.custom = mux, custom
	c.patterns[full] = true
	return nil
}

// serve serves r with a custom route and reports whether one matched.
func (c *customRoutes) serve(w http.ResponseWriter, r *http.Request) bool {
	c.mu.RLock()
	mux := c.mux
	custom := c.patterns[routedPattern(mux, r)]
	c.mu.RUnlock()
	if !custom {
		return false
	}
	mux.ServeHTTP(w, r) // sets r.Pattern and the path values
	return true
}

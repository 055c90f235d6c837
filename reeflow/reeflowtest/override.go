package reeflowtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"

	"github.com/reeflow/reeflow-go/internal/fakeoverride"
	"github.com/reeflow/reeflow-go/internal/hmacsig"
)

// The overrides of internal/fakeoverride, by which this module's tests make the fake disagree
// with openapi.yaml. They are not part of the public API.
func init() {
	fakeoverride.Register(applyOverrides)
}

func applyOverrides(srv any, o fakeoverride.Overrides) error {
	s, ok := srv.(*Server)
	if !ok || s == nil {
		return fmt.Errorf("reeflowtest: overrides apply to a *reeflowtest.Server, not %T", srv)
	}
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	s.state.overrides = o
	return nil
}

// canonical is the canonical string the HMAC verifier accepts. s.mu must be held.
func (s *state) canonical() *hmacsig.Variant {
	if v := s.overrides.Canonical; v != nil {
		return v
	}
	return &hmacsig.Default
}

// withOverrides hands every response to the Respond override, when there is one, before it
// is sent.
func (s *Server) withOverrides(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.state.mu.Lock()
		respond := s.state.overrides.Respond
		s.state.mu.Unlock()
		if respond == nil {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		resp := &fakeoverride.Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
		respond(r, resp)
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(resp.Body)))
		w.WriteHeader(resp.Status)
		_, _ = w.Write(resp.Body)
	})
}

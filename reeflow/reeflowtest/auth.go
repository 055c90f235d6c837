package reeflowtest

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/reeflow/reeflow-go/internal/hmacsig"
)

// Authentication messages. The first five are Reeflow's documented error table; the others are
// this fake's choice where the docs are silent (see the README).
//
//nolint:gosec // error messages, not credentials
const (
	msgInvalidAPIKey       = "Invalid API key"
	msgInvalidSecret       = "Invalid API key secret"
	msgInvalidBasicFormat  = "Invalid Basic auth format"
	msgKeyDisabled         = "API key is disabled"
	msgMultipleCredentials = "Multiple credentials provided"
	msgMissingCredentials  = "Missing credentials"
	msgInvalidHMACFormat   = "Invalid HMAC auth format"
	msgTimestampExpired    = hmacsig.MessageTimestampExpired
	msgInvalidSignature    = "Invalid signature"
)

// hmacWindow is how far a request timestamp may be from the server's clock ("about five
// minutes" in Reeflow's docs).
const hmacWindow = 300 * time.Second

// authenticate checks the request's credentials and writes the documented error when they fail.
func (s *state) authenticate(w http.ResponseWriter, r *http.Request, body []byte) bool {
	authz, keyID := r.Header.Get("Authorization"), r.Header.Get(hmacsig.HeaderKey)
	var status int
	var msg string
	switch {
	case authz != "" && keyID != "":
		status, msg = http.StatusBadRequest, msgMultipleCredentials
	case authz != "":
		status, msg = s.checkBasic(authz)
	case keyID != "" || r.Header.Get(hmacsig.HeaderSignature) != "" || r.Header.Get(hmacsig.HeaderTimestamp) != "":
		status, msg = s.checkHMAC(r, keyID, body)
	default:
		status, msg = http.StatusUnauthorized, msgMissingCredentials
	}
	if status != 0 {
		writeError(w, status, msg)
		return false
	}
	return true
}

func (s *state) checkBasic(header string) (int, string) {
	scheme, encoded, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return http.StatusUnauthorized, msgInvalidBasicFormat
	}
	decoded, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return http.StatusUnauthorized, msgInvalidBasicFormat
	}
	id, secret, found := strings.Cut(string(decoded), ":")
	if !found || id == "" || secret == "" {
		return http.StatusUnauthorized, msgInvalidBasicFormat
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key, ok := s.keys[id]
	switch {
	case !ok:
		return http.StatusUnauthorized, msgInvalidAPIKey
	case !key.secretMatches(secret):
		return http.StatusUnauthorized, msgInvalidSecret
	}
	return s.admit(key)
}

func (s *state) checkHMAC(r *http.Request, keyID string, body []byte) (int, string) {
	tsHeader, signature := r.Header.Get(hmacsig.HeaderTimestamp), r.Header.Get(hmacsig.HeaderSignature)
	ts, err := strconv.ParseInt(tsHeader, 10, 64)
	if keyID == "" || err != nil || !isLowerHex(signature, 64) {
		return http.StatusUnauthorized, msgInvalidHMACFormat
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key, ok := s.keys[keyID]
	if !ok {
		return http.StatusUnauthorized, msgInvalidAPIKey
	}
	if skew := s.clock().Sub(time.Unix(ts, 0)); skew > hmacWindow || skew < -hmacWindow {
		return http.StatusUnauthorized, msgTimestampExpired
	}
	canonical := s.canonical().Append(nil, &hmacsig.Message{
		Method: r.Method, EscapedPath: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
		ContentType: r.Header.Get("Content-Type"), Unix: ts, Body: body,
	})
	if !key.signer.Verify(canonical, signature) {
		return http.StatusUnauthorized, msgInvalidSignature
	}
	return s.admit(key)
}

// admit lets an authenticated key through unless it is disabled, and records its use.
// s.mu must be held.
func (s *state) admit(key *apiKey) (int, string) {
	if !key.enabled {
		return http.StatusForbidden, msgKeyDisabled
	}
	used := s.clock().UTC()
	key.lastUsedAt = &used
	return 0, ""
}

func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

package reeflowtest

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/reeflow/reeflow-go/internal/hmacsig"
	"github.com/reeflow/reeflow-go/reeflow"
)

// Authentication messages. The first five are Reeflow's documented error table; the others are
// this fake's choice where the docs are silent (see docs/assumptions.md).
//
//nolint:gosec // error messages, not credentials
const (
	msgInvalidAPIKey       = "Invalid API key"
	msgInvalidSecret       = "Invalid API key secret"
	msgInvalidBasicFormat  = "Invalid Basic auth format"
	msgKeyDisabled         = "API key is disabled"
	msgMultipleCredentials = "Multiple credentials provided"
	msgMissingCredentials  = hmacsig.MessageMissingCredentials
	msgInvalidHMACFormat   = hmacsig.MessageInvalidFormat
	msgTimestampExpired    = hmacsig.MessageTimestampExpired
	msgInvalidSignature    = hmacsig.MessageInvalidSignature
)

// hmacWindow is how far a request timestamp may be from the server's clock ("about five
// minutes" in Reeflow's docs).
const hmacWindow = 300 * time.Second

// authResult is what authentication found: the key and mode that authenticated the request,
// or the documented error it gets.
type authResult struct {
	keyID  string
	mode   reeflow.AuthMode
	status int // 0 when the request authenticated
	msg    string
}

// authenticate checks the request's credentials.
func (s *state) authenticate(r *http.Request, body []byte) authResult {
	authz, keyID := r.Header.Get("Authorization"), r.Header.Get(hmacsig.HeaderKey)
	var res authResult
	switch {
	case authz != "" && keyID != "":
		res.status, res.msg = http.StatusBadRequest, msgMultipleCredentials
	case authz != "":
		res.mode = reeflow.AuthBasic
		res.keyID, res.status, res.msg = s.checkBasic(authz)
	case keyID != "" || r.Header.Get(hmacsig.HeaderSignature) != "" || r.Header.Get(hmacsig.HeaderTimestamp) != "":
		res.mode, res.keyID = reeflow.AuthHMAC, keyID
		res.status, res.msg = s.checkHMAC(r, keyID, body)
	default:
		res.status, res.msg = http.StatusUnauthorized, msgMissingCredentials
	}
	if res.status != 0 {
		return authResult{status: res.status, msg: res.msg}
	}
	return res
}

// checkBasic returns the key ID the header names and, when it does not authenticate, the
// documented status and message.
func (s *state) checkBasic(header string) (keyID string, status int, msg string) {
	scheme, encoded, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", http.StatusUnauthorized, msgInvalidBasicFormat
	}
	decoded, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return "", http.StatusUnauthorized, msgInvalidBasicFormat
	}
	id, secret, found := strings.Cut(string(decoded), ":")
	if !found || id == "" || secret == "" {
		return "", http.StatusUnauthorized, msgInvalidBasicFormat
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key, ok := s.keys[id]
	switch {
	case !ok:
		return id, http.StatusUnauthorized, msgInvalidAPIKey
	case !key.secretMatches(secret):
		return id, http.StatusUnauthorized, msgInvalidSecret
	}
	status, msg = s.admit(key)
	return id, status, msg
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
	canonical := hmacsig.Default.Append(nil, &hmacsig.Message{
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

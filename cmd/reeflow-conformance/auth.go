package main

import (
	"context"
	"encoding/base64"
	"net/http"

	"github.com/reeflow/reeflow-go/internal/hmacsig"
)

// Reeflow's documented Basic authentication errors (the table of its Basic Authentication page).
//
//nolint:gosec // error messages, not credentials
const (
	msgInvalidAPIKey       = "Invalid API key"
	msgInvalidSecret       = "Invalid API key secret"
	msgInvalidBasicFormat  = "Invalid Basic auth format"
	msgMultipleCredentials = "Multiple credentials provided"
)

// msgMissingCredentials is this SDK's assumption for a request without any credentials.
const msgMissingCredentials = "Missing credentials"

// unknownKeyID is well-formed and, with overwhelming likelihood, no one's key.
const unknownKeyID = "key_reeflowconformance0unknown"

// checkAuth sends the documented auth table's cases with the real key ID where one is needed,
// and a request with no credentials at all. A disabled key is not tried: the probe never
// changes a key.
func (p *probe) checkAuth(ctx context.Context) {
	withHeader := func(header http.Header) signer {
		return func(req *http.Request, _ []byte) error {
			for k, v := range header {
				req.Header[k] = v
			}
			return nil
		}
	}
	basicOf := func(id, secret string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
	}
	cases := []struct {
		id, fact string
		source   Source
		sign     signer
		status   int
		message  string
	}{
		{"auth.none", `no credentials at all → 401 "Missing credentials"`, Assumed,
			nil, http.StatusUnauthorized, msgMissingCredentials},
		{"auth.basic.wrong-secret", `Basic with a wrong secret → 401 "Invalid API key secret"`, Documented,
			withHeader(http.Header{"Authorization": {basicOf(p.cfg.keyID, "reeflow-conformance-wrong-secret")}}),
			http.StatusUnauthorized, msgInvalidSecret},
		{"auth.basic.unknown-key", `Basic with an unknown key ID → 401 "Invalid API key"`, Documented,
			withHeader(http.Header{"Authorization": {basicOf(unknownKeyID, "reeflow-conformance-secret")}}),
			http.StatusUnauthorized, msgInvalidAPIKey},
		{"auth.basic.malformed", `a malformed Basic header → 401 "Invalid Basic auth format"`, Documented,
			withHeader(http.Header{"Authorization": {"Basic not-base64!"}}),
			http.StatusUnauthorized, msgInvalidBasicFormat},
		{"auth.basic.multiple", `Basic plus X-API-Key → 400 "Multiple credentials provided"`, Documented,
			func(req *http.Request, body []byte) error {
				req.Header.Set(hmacsig.HeaderKey, p.cfg.keyID)
				return p.withBasic(req, body)
			},
			http.StatusBadRequest, msgMultipleCredentials},
	}
	for _, c := range cases {
		result, evidence := expectError(p.send(ctx, http.MethodGet, "/connections", nil, c.sign), c.status, c.message)
		p.record(c.id, c.fact, c.source, result, evidence)
	}
	p.record("auth.basic.disabled", `a disabled key → 403 "API key is disabled"`, Documented, Skipped,
		"not tried: the probe never disables a key")
}

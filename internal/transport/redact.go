package transport

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
)

// redacted replaces a credential in the server's text.
const redacted = "[REDACTED]"

// minRedacted is the length, in bytes, under which a credential is not looked for in a server's
// text: replacing a secret such as "e" or "key" would rewrite the server's own words ("Invalid
// API [REDACTED]") and a JSON body's keys. The Authorization value, its token and the decoded
// "keyID:secret" are always longer; Reeflow's secrets are 64 characters.
const minRedacted = 8

// redactor removes from a failed response's text the credentials its request carried: a server
// or a proxy that echoes the request's Authorization header ("bad header Authorization: Basic …")
// would otherwise put the credential into the error string, its GoString and the log. It knows
// the credential from the request itself, whatever authenticated it, and is built for failed
// responses only: a success pays nothing.
type redactor struct {
	// needles, longest first: the Authorization value ("Basic <token>"), its token, and for
	// Basic the decoded "keyID:secret" and the secret; none shorter than minRedacted.
	needles []string
}

// newRedactor returns the redactor for a request's headers. HMAC mode sends no Authorization,
// and no secret: the redactor of such a request changes nothing.
func newRedactor(h http.Header) redactor {
	var r redactor
	for _, v := range h["Authorization"] {
		scheme, token, ok := strings.Cut(v, " ")
		r.add(v)
		if !ok {
			continue
		}
		token = strings.TrimSpace(token)
		r.add(token)
		if !strings.EqualFold(scheme, "Basic") {
			continue
		}
		decoded, err := base64.StdEncoding.DecodeString(token)
		if err != nil {
			continue
		}
		r.add(string(decoded))
		if _, secret, ok := strings.Cut(string(decoded), ":"); ok {
			r.add(secret)
		}
	}
	return r
}

func (r *redactor) add(s string) {
	if len(s) >= minRedacted {
		r.needles = append(r.needles, s)
	}
}

// String returns s with every credential replaced by "[REDACTED]".
func (r redactor) String(s string) string {
	for _, n := range r.needles {
		if strings.Contains(s, n) {
			s = strings.ReplaceAll(s, n, redacted)
		}
	}
	return s
}

// Bytes returns body with every credential replaced, as written or escaped as a JSON string
// would hold it (encoding/json's escapes, and "\/" as PHP writes a slash), so that the raw body
// a caller may log is clean too. The decoded fields of an error body are cleaned by String,
// whatever escapes the server used.
func (r redactor) Bytes(body []byte) []byte {
	for _, n := range r.needles {
		quoted, _ := json.Marshal(n) // a string always encodes
		escaped := string(quoted[1 : len(quoted)-1])
		for _, form := range [...]string{n, escaped, strings.ReplaceAll(escaped, "/", `\/`)} {
			if bytes.Contains(body, []byte(form)) {
				body = bytes.ReplaceAll(body, []byte(form), []byte(redacted))
			}
		}
	}
	return body
}

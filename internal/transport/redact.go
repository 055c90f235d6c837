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
// API [REDACTED]") and a JSON body's keys. The Authorization value and its token are always
// longer, and so is the decoded "keyID:secret" of any real key; Reeflow's secrets are 64
// characters.
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

// Bytes returns body with every credential replaced, so that the raw body a caller may log is
// clean too: as written, and as a JSON string holds it when a server escapes it (encoding/json
// writes "<" as \u003c, PHP writes "/" as \/, and a body may carry both), which a body that is
// not JSON (an HTML page quoting a JSON object) shows as is. The decoded fields of an error
// body are cleaned by String, whatever escapes the server used.
func (r redactor) Bytes(body []byte) []byte {
	for _, n := range r.needles {
		for _, form := range jsonForms(n) {
			if bytes.Contains(body, []byte(form)) {
				body = bytes.ReplaceAll(body, []byte(form), []byte(redacted))
			}
		}
	}
	return body
}

// jsonForms returns s as written and the ways a JSON string may escape it.
func jsonForms(s string) [4]string {
	goQuoted, _ := json.Marshal(s) // a string always encodes
	var plain bytes.Buffer
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	goForm := string(goQuoted[1 : len(goQuoted)-1])
	plainForm := strings.TrimSuffix(plain.String(), "\n")
	plainForm = plainForm[1 : len(plainForm)-1]
	return [4]string{s, goForm, strings.ReplaceAll(plainForm, "/", `\/`), strings.ReplaceAll(goForm, "/", `\/`)}
}

package reeflowtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// redacted replaces every secret the requests log and the request log lines would otherwise keep.
const redacted = "[REDACTED]"

// sensitiveNameParts mark a header, query parameter or JSON field as holding a credential or a
// secret. Matching on parts of the name, not on a list of Reeflow's fields, keeps the secrets of
// custom routes (Server.Handle) out of the log too, at the price of redacting a harmless
// "token_count".
var sensitiveNameParts = []string{"authorization", "cookie", "credential", "passwd", "password", "secret", "signature", "token",
	"service_account_key", "private_key"}

func sensitiveName(name string) bool {
	// encoding/json matches field names case-insensitively with Unicode folding, so "paſſword"
	// (long s) fills a Password field: fold the same way before matching.
	name = strings.Map(foldToASCII, name)
	for _, part := range sensitiveNameParts {
		if strings.Contains(name, part) {
			return true
		}
	}
	return false
}

// redactHeader copies h with the values of sensitive headers replaced. Authorization headers
// keep their scheme, so a log still tells Basic from Bearer.
func redactHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for name, values := range h {
		if !sensitiveName(name) {
			out[name] = append([]string(nil), values...)
			continue
		}
		out[name] = make([]string, len(values))
		for i, v := range values {
			out[name][i] = redactHeaderValue(name, v)
		}
	}
	return out
}

func redactHeaderValue(name, value string) string {
	if value == "" {
		return ""
	}
	if strings.HasSuffix(strings.ToLower(name), "authorization") {
		if scheme, _, found := strings.Cut(value, " "); found {
			return scheme + " " + redacted
		}
	}
	return redacted
}

// redactQuery parses a raw query and replaces the values of sensitive parameters.
func redactQuery(raw string) url.Values {
	values, _ := url.ParseQuery(raw) // a malformed pair is skipped, as net/http does
	for name, vs := range values {
		if !sensitiveName(name) {
			continue
		}
		for i, v := range vs {
			if v != "" {
				vs[i] = redacted
			}
		}
	}
	return values
}

// redactJSON returns body with the values of sensitive fields replaced, at any depth, or nil
// when body is empty or not JSON: a body that cannot be parsed cannot be redacted either.
// Empty values are kept, so a log still tells whether a password was sent at all.
func redactJSON(body []byte) json.RawMessage {
	if len(bytes.TrimSpace(body)) == 0 || !json.Valid(body) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // keep numbers exactly as sent
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(redactValue(v)); err != nil {
		return nil
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n"))
}

func redactValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, field := range v {
			if sensitiveName(k) && field != nil && field != "" {
				v[k] = redacted
				continue
			}
			v[k] = redactValue(field)
		}
	case []any:
		for i, item := range v {
			v[i] = redactValue(item)
		}
	}
	return v
}

// foldToASCII maps a rune to the lower-case ASCII letter it folds to, if any (K for the Kelvin
// sign, s for the long s), and otherwise to its lower case.
func foldToASCII(r rune) rune {
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < utf8.RuneSelf {
			return unicode.ToLower(f)
		}
	}
	return unicode.ToLower(r)
}

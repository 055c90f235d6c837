package reeflowtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// redacted replaces every secret the requests log and the request log lines would otherwise keep.
const redacted = "[REDACTED]"

// sensitiveNameParts mark a header, query parameter or JSON field as holding a credential or a
// secret when the name, folded to lower case and stripped of "_", "-", "." and spaces, contains
// one. Matching on parts of the name, not on a list of Reeflow's fields, keeps the secrets of
// custom routes (Server.Handle) and of config types the fake does not know yet (a BigQuery
// service-account key's "private_key", a Snowflake "programmatic_access_token") out of the
// log too, at the price of redacting a harmless "token_count", "author" or "private_key_id". To
// cover a new kind of secret, extend this list or sensitiveNameSuffixes.
var sensitiveNameParts = []string{
	"accesskey", "apikey", "auth", "bearer", "cookie", "credential", "jwt", "passcode",
	"passphrase", "passwd", "password", "privatekey", "pwd", "secret", "session", "signature",
	"token",
}

// sensitiveNameSuffixes mark a name that ends in one ("pass", "db_pass", "key", "signing_key",
// "snowflake_pat", "db_pw") as sensitive too: as parts they would match far too much
// ("passthrough", "keyword", "path").
var sensitiveNameSuffixes = []string{"key", "pass", "pat", "pw"}

// sensitiveQuerySuffixes mark a query parameter as sensitive beside sensitiveName: a signed
// URL's "sig" and an OAuth "code" travel in queries, where a body field of those names is rare.
var sensitiveQuerySuffixes = []string{"sig", "code"}

func sensitiveName(name string) bool {
	name = normalName(name)
	for _, part := range sensitiveNameParts {
		if strings.Contains(name, part) {
			return true
		}
	}
	for _, suffix := range sensitiveNameSuffixes {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

func sensitiveQueryName(name string) bool {
	if sensitiveName(name) {
		return true
	}
	name = normalName(name)
	for _, suffix := range sensitiveQuerySuffixes {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

// normalName folds a name for matching: lower case, without "_", "-", "." and spaces.
// encoding/json matches field names case-insensitively with Unicode folding, so "paſſword"
// (long s) fills a Password field: fold the same way, and fold full-width letters
// ("ｐａｓｓｗｏｒｄ"), which a server normalising Unicode reads as ASCII.
func normalName(name string) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune("_-. ", r) {
			return -1
		}
		return foldToASCII(r)
	}, name)
}

// keptHeaders are headers named like a secret that carry none: X-API-Key holds only the key ID,
// which a test asserts on.
var keptHeaders = map[string]bool{"X-Api-Key": true}

// urlPassword finds the password of a URL's user info ("postgres://user:pw@host/db", spaces
// allowed, as DSN parsers allow them), urlUser a user info with no password, which is then the
// credential itself ("https://TOKEN@github.com/…"), and passwordPair a password in a key=value
// connection string ("host=h password=pw", "Server=h;Pwd={a;b};"): values whose field names
// say nothing, such as a "dsn". jsonPair finds "name": "value" pairs in a string that looks
// like JSON but does not parse, so that a sensitive name still hides its value.
var (
	urlPassword  = regexp.MustCompile(`(?i)([a-z][a-z0-9+.-]*://[^\s:/?#@]*:)[^@/\n]*@`)
	urlUser      = regexp.MustCompile(`(?i)([a-z][a-z0-9+.-]*://)[^\s:/?#@\[\]]+@`)
	passwordPair = regexp.MustCompile(`(?i)\b((?:password|passwd|pwd|pass)\s*=\s*)(\{(?:[^}]|\}\})*\}|'[^']*'|"[^"]*"|[^\s;&,]*)`)
	jsonPair     = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"(\s*:\s*)"(?:[^"\\]|\\.)*"`)
)

// redactString replaces the secrets inside a string value whose name is not sensitive: the
// whole string when it holds a PEM private key, a password or a user info in a URL, a password
// in a connection string, and sensitive fields of broken JSON.
func redactString(v string) string {
	if begin := strings.Index(v, "-----BEGIN"); begin >= 0 && strings.Contains(v[begin:], "PRIVATE KEY-----") {
		return redacted
	}
	if isEncodedPrivateKey(v) {
		return redacted
	}
	v = urlPassword.ReplaceAllString(v, "${1}"+redacted+"@")
	v = urlUser.ReplaceAllString(v, "${1}"+redacted+"@")
	v = passwordPair.ReplaceAllStringFunc(v, func(m string) string {
		sub := passwordPair.FindStringSubmatch(m)
		if sub[2] == "" {
			return m
		}
		return sub[1] + redacted
	})
	return jsonPair.ReplaceAllStringFunc(v, func(m string) string {
		sub := jsonPair.FindStringSubmatch(m)
		if !sensitiveName(sub[1]) {
			return m
		}
		return `"` + sub[1] + `"` + sub[2] + `"` + redacted + `"`
	})
}

// isEncodedPrivateKey reports a base64 value (a key file passed as "credentials_b64") that
// decodes to a PEM private key or to a key file's "private_key".
func isEncodedPrivateKey(v string) bool {
	if len(v) < 64 {
		return false
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(strings.TrimSpace(v)); err == nil {
			return bytes.Contains(b, []byte("PRIVATE KEY-----")) || bytes.Contains(b, []byte(`"private_key"`))
		}
	}
	return false
}

// redactHeader copies h with the values of sensitive headers replaced. Authorization headers
// keep their scheme, so a log still tells Basic from Bearer.
func redactHeader(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for name, values := range h {
		if keptHeaders[http.CanonicalHeaderKey(name)] || !sensitiveName(name) {
			out[name] = make([]string, len(values))
			for i, v := range values {
				out[name][i] = redactString(v)
			}
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
		for i, v := range vs {
			switch {
			case !sensitiveQueryName(name):
				vs[i] = redactString(v)
			case v != "":
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
	case string:
		if !looksLikeJSONContainer(v) {
			return redactString(v)
		}
		if nested := redactJSON([]byte(v)); nested != nil {
			return string(nested) // a key file sent as a string: {"key_json": "{\"private_key\": …}"}
		}
		return redactString(v)
	}
	return v
}

func looksLikeJSONContainer(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")
}

// foldToASCII maps a rune to the lower-case ASCII letter it folds to, if any (K for the Kelvin
// sign, s for the long s), and otherwise to its lower case.
func foldToASCII(r rune) rune {
	if r >= '\uFF01' && r <= '\uFF5E' { // full-width ASCII, which NFKC maps to ASCII
		r -= 0xFEE0
	}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < utf8.RuneSelf {
			return unicode.ToLower(f)
		}
	}
	return unicode.ToLower(r)
}

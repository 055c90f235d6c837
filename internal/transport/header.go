package transport

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// CheckHeader checks a WithHeader. Headers that carry credentials (Authorization,
// Proxy-Authorization, X-API-*) are refused, since the client authenticates every request
// itself, and so are headers that net/http computes (Host, Content-Length, Transfer-Encoding,
// Connection).
func CheckHeader(name, value string) error {
	if name == "" {
		return errors.New("empty header name")
	}
	if !IsToken(name) {
		return fmt.Errorf("header name %q has a character that is not allowed in a header name", name)
	}
	canonical := http.CanonicalHeaderKey(name)
	if isCredentialHeader(name) {
		return fmt.Errorf("%w: header %s carries credentials; the client authenticates every request itself", ErrMultipleCredentials, canonical)
	}
	switch canonical {
	case "Host", "Content-Length", "Transfer-Encoding", "Connection":
		return fmt.Errorf("header %s is set by net/http", canonical)
	}
	for i := 0; i < len(value); i++ {
		if b := value[i]; (b < 0x20 && b != '\t') || b == 0x7f {
			return fmt.Errorf("value of header %s has a control character", canonical)
		}
	}
	return nil
}

// isCredentialHeader reports, whatever the case of name, whether it is a header that carries
// credentials: Authorization, Proxy-Authorization or any X-API-* header of HMAC mode.
func isCredentialHeader(name string) bool {
	return strings.EqualFold(name, "Authorization") || strings.EqualFold(name, "Proxy-Authorization") ||
		len(name) >= len("X-API-") && strings.EqualFold(name[:len("X-API-")], "X-API-")
}

// credentialHeader returns the name of a header in h that carries credentials, whatever its
// case (an editor may index the map with a non-canonical key), or "".
func credentialHeader(h http.Header) string {
	for name, values := range h {
		if len(values) > 0 && isCredentialHeader(name) {
			return name
		}
	}
	return ""
}

// IsToken reports whether s is a non-empty HTTP token (RFC 9110, section 5.6.2): what a method
// or a header name may be.
func IsToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0:
		default:
			return false
		}
	}
	return true
}

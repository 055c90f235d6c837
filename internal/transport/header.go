package transport

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/reeflow/reeflow-go/internal/hmacsig"
)

// CheckHeader checks a WithHeader. Headers that carry credentials (Authorization,
// Proxy-Authorization, and X-API-Key, X-API-Timestamp and X-API-Signature of HMAC mode) are
// refused with an error wrapping multipleCredentials, since the client authenticates every
// request itself; so are headers that net/http computes (Host, Content-Length,
// Transfer-Encoding, Connection), those the client sets (User-Agent, Content-Type), and
// connection-specific ones (Upgrade, Keep-Alive, Proxy-Connection, TE).
func CheckHeader(name, value string, multipleCredentials error) error {
	if name == "" {
		return errors.New("empty header name")
	}
	if i := badTokenByte(name); i >= 0 {
		// The name is not quoted: a whole "X-Token: secret" line passed as a name would be.
		return fmt.Errorf("header name has a character that is not allowed in a header name (byte %d, %q)", i, name[i])
	}
	canonical := http.CanonicalHeaderKey(name)
	if isCredentialHeader(name) {
		return fmt.Errorf("%w: header %s carries credentials; the client authenticates every request itself", multipleCredentials, canonical)
	}
	switch canonical {
	case "Host", "Content-Length", "Transfer-Encoding", "Connection":
		return fmt.Errorf("header %s is set by net/http", canonical)
	case "User-Agent":
		return errors.New("header User-Agent is set by the client: use WithUserAgent")
	case "Content-Type":
		return errors.New("header Content-Type is set by the client for the body it sends")
	case "Upgrade", "Keep-Alive", "Proxy-Connection", "Te":
		// Connection-specific: HTTP/2 refuses a request that carries one, so every call would fail.
		return fmt.Errorf("header %s is connection-specific, which HTTP/2 refuses", canonical)
	}
	for i := 0; i < len(value); i++ {
		if b := value[i]; (b < 0x20 && b != '\t') || b == 0x7f {
			return fmt.Errorf("value of header %s has a control character", canonical)
		}
	}
	return nil
}

// isCredentialHeader reports, whatever the case of name, whether it is a header that carries
// credentials: Authorization, Proxy-Authorization or a header HMAC mode writes. Other X-API-*
// names stay free for headers Reeflow may add (an X-API-Version).
func isCredentialHeader(name string) bool {
	for _, h := range [...]string{"Authorization", "Proxy-Authorization", hmacsig.HeaderKey, hmacsig.HeaderTimestamp, hmacsig.HeaderSignature} {
		if strings.EqualFold(name, h) {
			return true
		}
	}
	return false
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
	return s != "" && badTokenByte(s) < 0
}

// badTokenByte returns the index of the first byte of s that an HTTP token cannot hold, or -1.
func badTokenByte(s string) int {
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0:
		default:
			return i
		}
	}
	return -1
}

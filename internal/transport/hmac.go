package transport

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/reeflow/reeflow-go/internal/hmacsig"
)

// HMACEditor returns an editor that signs requests in HMAC signature mode: X-API-Key,
// X-API-Timestamp (Unix seconds from now) and X-API-Signature (lower-case hex HMAC-SHA256 of the
// canonical string). It never sets Authorization, so the secret never travels. The body is read
// through req.GetBody and left in place.
func HMACEditor(c Credentials, now func() time.Time) Editor {
	s := &hmacSigner{keyID: c.KeyID, key: hmacsig.NewKey([]byte(c.Secret)), now: now}
	return s.sign
}

type hmacSigner struct {
	keyID string
	key   *hmacsig.Key
	now   func() time.Time
}

func (s *hmacSigner) sign(_ context.Context, req *http.Request) error {
	if req == nil || req.URL == nil {
		return ErrNilRequest
	}
	body, err := replayableBody(req)
	if err != nil {
		return err
	}
	unix := s.now().Unix()
	m := &hmacsig.Message{
		Method: req.Method, EscapedPath: req.URL.EscapedPath(), RawQuery: req.URL.RawQuery,
		ContentType: req.Header.Get("Content-Type"), Unix: unix, Body: body,
	}
	// Room for the fields and the body's hash, so that building the string allocates once.
	canonical := hmacsig.Default.Append(make([]byte, 0, len(m.Method)+len(m.EscapedPath)+len(m.RawQuery)+len(m.ContentType)+128), m)
	var sig [64]byte
	if req.Header == nil {
		req.Header = make(http.Header, 3)
	}
	req.Header[hmacsig.HeaderKey] = []string{s.keyID}
	req.Header[hmacsig.HeaderTimestamp] = []string{strconv.FormatInt(unix, 10)}
	req.Header[hmacsig.HeaderSignature] = []string{string(s.key.AppendSignature(sig[:0], canonical))}
	return nil
}

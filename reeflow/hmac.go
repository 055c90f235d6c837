package reeflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/reeflow/reeflow-go/internal/hmacsig"
)

// HMACOption configures HMACAuth.
type HMACOption func(*hmacSigner)

// WithSigningClock makes HMACAuth take the request timestamp from now instead of time.Now, for
// tests and for callers that correct a known clock offset.
func WithSigningClock(now func() time.Time) HMACOption {
	return func(s *hmacSigner) {
		if now != nil {
			s.now = now
		}
	}
}

// HMACAuth returns a RequestEditorFn that signs requests in Reeflow's HMAC signature mode: it
// sets X-API-Key, X-API-Timestamp (Unix seconds) and X-API-Signature (lower-case hex
// HMAC-SHA256 of the canonical string) and never sets Authorization, so the secret never
// travels. The body is read through req.GetBody and left in place; a body that cannot be
// replayed is refused. Signing the same request at the same instant gives the same headers.
//
// The canonical string is this SDK's (see the README): Reeflow's own definition could not be read.
func HMACAuth(keyID, secret string, opts ...HMACOption) (RequestEditorFn, error) {
	if err := (Credentials{KeyID: keyID, Secret: NewSecret(secret)}).Validate(); err != nil {
		return nil, err
	}
	s := &hmacSigner{keyID: keyID, key: hmacsig.NewKey([]byte(secret)), now: time.Now}
	for _, opt := range opts {
		opt(s)
	}
	return s.sign, nil
}

type hmacSigner struct {
	keyID string
	key   *hmacsig.Key
	now   func() time.Time
}

// signScratch holds a request's body and canonical string while it is signed.
type signScratch struct {
	body      bytes.Buffer
	canonical []byte
}

var signScratchPool = sync.Pool{New: func() any { return new(signScratch) }}

func (s *hmacSigner) sign(_ context.Context, req *http.Request) error {
	if req == nil || req.URL == nil {
		return errNilRequest
	}
	sc := signScratchPool.Get().(*signScratch)
	defer releaseSignScratch(sc)
	if err := readReplayableBody(req, &sc.body); err != nil {
		return err
	}
	unix := s.now().Unix()
	canonical := hmacsig.Default.Append(sc.canonical[:0], &hmacsig.Message{
		Method: req.Method, EscapedPath: req.URL.EscapedPath(), RawQuery: req.URL.RawQuery,
		ContentType: req.Header.Get("Content-Type"), Unix: unix, Body: sc.body.Bytes(),
	})
	// The timestamp and the signature share one allocation: "<unix><hex signature>".
	out := strconv.AppendInt(canonical, unix, 10)
	tsLen := len(out) - len(canonical)
	out = s.key.AppendSignature(out, canonical)
	sc.canonical = out
	values := string(out[len(canonical):])

	if req.Header == nil {
		req.Header = make(http.Header, 3)
	}
	headers := make([]string, 3)
	headers[0], headers[1], headers[2] = s.keyID, values[:tsLen], values[tsLen:]
	req.Header[hmacsig.HeaderKey] = headers[0:1:1]
	req.Header[hmacsig.HeaderTimestamp] = headers[1:2:2]
	req.Header[hmacsig.HeaderSignature] = headers[2:3:3]
	return nil
}

// errBodyNotReplayable is returned when a request body cannot be read twice (once to sign, once to send).
var errBodyNotReplayable = errors.New("reeflow: request body cannot be replayed for signing: set GetBody (http.NewRequest does for bytes and strings readers)")

// readReplayableBody copies the request body into buf without consuming req.Body.
func readReplayableBody(req *http.Request, buf *bytes.Buffer) error {
	if req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	if req.GetBody == nil {
		return errBodyNotReplayable
	}
	body, err := req.GetBody()
	if err != nil {
		return fmt.Errorf("reeflow: read request body for signing: %w", err)
	}
	defer body.Close()
	if _, err := io.Copy(buf, body); err != nil {
		return fmt.Errorf("reeflow: read request body for signing: %w", err)
	}
	return nil
}

func releaseSignScratch(sc *signScratch) {
	if sc.body.Cap() > maxPooledBuffer || cap(sc.canonical) > maxPooledBuffer {
		return
	}
	sc.body.Reset()
	signScratchPool.Put(sc)
}

package transport

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// Mode is how credentials authenticate a request.
type Mode int

// The two authentication modes.
const (
	ModeBasic Mode = iota + 1
	ModeHMAC
)

// Authenticator puts credentials on a request, once per attempt, closest to the wire.
type Authenticator interface {
	Authenticate(ctx context.Context, req *http.Request) error
	// SignsWithPipelineClock reports whether it signs in HMAC mode with the clock it was given,
	// the pipeline's: only then does a clock offset learned from the server change its next
	// signature, so that a "Request timestamp expired" answer is worth learning from and
	// sending again.
	SignsWithPipelineClock() bool
}

// Credentials are a key ID and its secret, already checked by the caller.
type Credentials struct {
	KeyID, Secret string
}

// BasicEditor returns an editor that sets "Authorization: Basic base64(key_id:secret)". The
// header is encoded here, once, not per request. The editor is a method value, so every editor
// BasicEditor makes runs the same code whatever the compiler inlines (package reeflow tells
// them apart from other editors by it).
func BasicEditor(c Credentials) Editor {
	b := &basicSigner{header: "Basic " + base64.StdEncoding.EncodeToString([]byte(c.KeyID+":"+c.Secret))}
	return b.set
}

type basicSigner struct{ header string }

func (b *basicSigner) set(_ context.Context, req *http.Request) error {
	if req == nil {
		return ErrNilRequest
	}
	if req.Header == nil {
		req.Header = make(http.Header, 1)
	}
	req.Header["Authorization"] = []string{b.header} // a slice of its own: a RoundTripper may write into it
	return nil
}

// editorFor returns the editor of mode for c, HMAC signatures timed by now.
func editorFor(mode Mode, c Credentials, now func() time.Time) Editor {
	if mode == ModeHMAC {
		return HMACEditor(c, now)
	}
	return BasicEditor(c)
}

// StaticAuth authenticates with fixed credentials, HMAC signatures timed by now.
func StaticAuth(mode Mode, c Credentials, now func() time.Time) Authenticator {
	return staticAuth{edit: editorFor(mode, c, now), pipelineClock: mode == ModeHMAC}
}

type staticAuth struct {
	edit          Editor
	pipelineClock bool
}

func (a staticAuth) Authenticate(ctx context.Context, req *http.Request) error {
	return a.edit(ctx, req)
}
func (a staticAuth) SignsWithPipelineClock() bool { return a.pipelineClock }

// EditorAuth authenticates with edit, an editor made by BasicEditor or HMACEditor. An HMAC
// editor keeps the clock it was made with: the pipeline cannot correct it, so a "Request
// timestamp expired" answer is returned as it is.
func EditorAuth(edit Editor) Authenticator {
	return staticAuth{edit: edit}
}

// ProviderAuth asks fetch for credentials on every attempt, so keys rotate without a restart.
// fetch checks what it returns. The editor of the last credentials seen is kept, so that an
// unchanged key is not encoded again for every request.
func ProviderAuth(mode Mode, fetch func(context.Context) (Credentials, error), now func() time.Time) Authenticator {
	return &providerAuth{fetch: fetch, mode: mode, now: now}
}

type providerAuth struct {
	fetch func(context.Context) (Credentials, error)
	mode  Mode
	now   func() time.Time

	mu sync.Mutex
	// last identifies the credentials edit was made for by a digest, so that the secret itself
	// is kept only inside the editor's closure, out of reach of reflection.
	last [sha256.Size]byte
	edit Editor
}

func (a *providerAuth) Authenticate(ctx context.Context, req *http.Request) error {
	c, err := a.fetch(ctx)
	if err != nil {
		return fmt.Errorf("credentials provider: %w", err)
	}
	return a.editorFor(c)(ctx, req)
}

func (a *providerAuth) editorFor(c Credentials) Editor {
	h := sha256.New()
	h.Write([]byte(c.KeyID))
	h.Write([]byte{0}) // a key ID holds no NUL: ID and secret cannot shift into each other
	h.Write([]byte(c.Secret))
	var digest [sha256.Size]byte
	h.Sum(digest[:0])
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.edit == nil || digest != a.last {
		a.last, a.edit = digest, editorFor(a.mode, c, a.now)
	}
	return a.edit
}

func (a *providerAuth) SignsWithPipelineClock() bool { return a.mode == ModeHMAC }

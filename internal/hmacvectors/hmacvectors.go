// Package hmacvectors holds testdata/hmac_vectors.json, the golden vectors that both the SDK's
// signer and the fake server's verifier are tested against. The file is embedded, so the
// tests that use it run from any directory and under -trimpath.
package hmacvectors

import (
	"bytes"
	"context"
	_ "embed" // the vectors file
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
)

// Vector is one signed request and its expected canonical string and signature.
type Vector struct {
	Name       string `json:"name"`
	Method     string `json:"method"`
	Path       string `json:"path"` // escaped
	Query      string `json:"query"`
	Timestamp  int64  `json:"timestamp"`
	Secret     string `json:"secret"`
	BodyBase64 string `json:"body_base64"`
	Canonical  string `json:"canonical"`
	Signature  string `json:"signature"`
}

// Body returns the decoded request body.
func (v Vector) Body() []byte {
	b, err := base64.StdEncoding.DecodeString(v.BodyBase64)
	if err != nil {
		panic("hmacvectors: " + v.Name + ": " + err.Error())
	}
	return b
}

// URL returns the request URL under base.
func (v Vector) URL(base string) string {
	u := base + v.Path
	if v.Query != "" {
		u += "?" + v.Query
	}
	return u
}

// NewRequest builds the vector's request under base, with a replayable body when it has one.
func (v Vector) NewRequest(ctx context.Context, base string) (*http.Request, error) {
	var body io.Reader
	if b := v.Body(); len(b) > 0 {
		body = bytes.NewReader(b)
	}
	return http.NewRequestWithContext(ctx, v.Method, v.URL(base), body)
}

// File is the vectors file.
type File struct {
	KeyID   string   `json:"key_id"`
	Vectors []Vector `json:"vectors"`
}

//go:embed testdata/hmac_vectors.json
var vectorsJSON []byte

// Load decodes the embedded vectors file.
func Load() (File, error) {
	var f File
	err := json.Unmarshal(vectorsJSON, &f)
	return f, err
}

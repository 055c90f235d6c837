// Package hmacsig holds the HMAC signature-mode canonical string, shared by the SDK's signer
// and the fake server's verifier, and the signing key.
//
// The canonical string is this SDK's, not Reeflow's: Reeflow documents that the signature
// covers the method, path, timestamp and body, but its exact form could not be read. The SDK's
// definition is Default, one Variant among the Candidates that cmd/reeflow-conformance tries
// against the real API. When Reeflow's definition is known, Default (and the golden vectors in
// testdata/hmac_vectors.json) is the whole change.
package hmacsig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
)

// Header names of HMAC signature mode, in canonical MIME form so they can index an http.Header directly.
const (
	HeaderKey       = "X-Api-Key"
	HeaderTimestamp = "X-Api-Timestamp"
	HeaderSignature = "X-Api-Signature"
)

// The 401 messages of HMAC signature mode and of a request without credentials. They are this
// SDK's assumption, like the canonical string: the fake sends them, the client's error sentinels
// match them, and the client corrects its clock when it sees MessageTimestampExpired.
const (
	MessageTimestampExpired   = "Request timestamp expired"
	MessageInvalidSignature   = "Invalid signature"
	MessageInvalidFormat      = "Invalid HMAC auth format"
	MessageMissingCredentials = "Missing credentials"
)

// Key signs canonical strings with one secret. It is safe for concurrent use. The secret is
// kept in a closure, out of reach of reflection-based printers.
type Key struct {
	newMAC func() hash.Hash
}

// NewKey returns a Key for secret.
func NewKey(secret []byte) *Key {
	k := append([]byte(nil), secret...)
	return &Key{newMAC: func() hash.Hash { return hmac.New(sha256.New, k) }}
}

// AppendSignature appends the lower-case hex HMAC-SHA256 of canonical to dst.
func (k *Key) AppendSignature(dst, canonical []byte) []byte {
	mac := k.newMAC()
	mac.Write(canonical)
	var sum [sha256.Size]byte
	return hex.AppendEncode(dst, mac.Sum(sum[:0]))
}

// Verify reports, in constant time, whether signature is the hex signature of canonical.
func (k *Key) Verify(canonical []byte, signature string) bool {
	var buf [2 * sha256.Size]byte
	want := k.AppendSignature(buf[:0], canonical)
	return hmac.Equal(want, []byte(signature))
}

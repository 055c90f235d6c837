package redisstore

import (
	"crypto/cipher"
	"crypto/rand"
	"errors"
)

// sealVersion starts every sealed value, so that a later format can be told apart from this one.
const sealVersion = 1

// errUnopened is why a stored value is a miss: no sealing key opens it for its Redis key.
var errUnopened = errors.New("no sealing key opens the value for its key")

// seal encrypts value with aead, binding it to redisKey: the additional data makes a value copied
// under another key fail to open. A random nonce per value: with one token per user per
// lifetime, a key seals far fewer values than the 2^32 that random 96-bit nonces allow.
func seal(aead cipher.AEAD, redisKey string, value []byte) []byte {
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(value)+aead.Overhead())
	out[0] = sealVersion
	nonce := out[1:]
	_, _ = rand.Read(nonce)                                       // crypto/rand.Read never fails (it crashes the program instead)
	return aead.Seal(out, nonce, value, additionalData(redisKey)) //nolint:gosec // G407 is wrong here: the nonce comes from crypto/rand just above
}

// open decrypts a value sealed by seal under redisKey with any of aeads.
func open(aeads []cipher.AEAD, redisKey string, sealed []byte) ([]byte, error) {
	if len(sealed) < 1 || sealed[0] != sealVersion {
		return nil, errUnopened
	}
	ad := additionalData(redisKey)
	for _, aead := range aeads {
		n := aead.NonceSize()
		if len(sealed) < 1+n+aead.Overhead() {
			return nil, errUnopened
		}
		if value, err := aead.Open(nil, sealed[1:1+n], sealed[1+n:], ad); err == nil {
			return value, nil
		}
	}
	return nil, errUnopened
}

// additionalData binds a sealed value to its format version and Redis key.
func additionalData(redisKey string) []byte {
	return append([]byte{sealVersion}, redisKey...)
}

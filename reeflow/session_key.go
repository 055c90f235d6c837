package reeflow

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
)

// sessionKey identifies the sessions a SessionCache may share: a SHA-256 digest of the
// canonical encoding of the user, the organization and their attributes. A digest rather than
// the encoding itself, so that the cache holds no attribute value in printable form, and a
// cryptographic one, so that two different users can never share a token by collision.
type sessionKey [sha256.Size]byte

// sessionKeyOf checks p as SessionsService.Create would and returns its key. Attributes are
// taken in canonical order and as JSON carries them, so the same attributes in any map order
// or numeric type give the same key. It allocates nothing for typical parameters.
func sessionKeyOf(p CreateSessionParams) (sessionKey, error) {
	if err := checkSessionParams(p); err != nil {
		return sessionKey{}, err
	}
	var scratch [512]byte
	b := append(scratch[:0], "reeflow session v1"...)
	b = appendLenString(b, p.UserID)
	b = appendLenString(b, p.OrganizationID)
	var err error
	if b, err = appendCanonicalAttributes(b, "user", p.UserAttributes); err != nil {
		return sessionKey{}, err
	}
	if b, err = appendCanonicalAttributes(b, "organization", p.OrganizationAttributes); err != nil {
		return sessionKey{}, err
	}
	return sha256.Sum256(b), nil
}

func appendCanonicalAttributes(b []byte, subject string, attrs Attributes) ([]byte, error) {
	var small [8]attribute // enough for most sessions without allocating
	sorted, err := sortedAttributes(subject, attrs, small[:])
	if err != nil {
		return nil, err
	}
	b = binary.AppendUvarint(b, uint64(len(sorted)))
	for _, a := range sorted {
		v, err := normalizeAttribute(a.value)
		if err != nil {
			return nil, fmt.Errorf("%s attribute %s: value %w", subject, quoteName(a.name), err)
		}
		b = appendLenString(b, a.name)
		b = v.appendCanonical(b)
	}
	return b, nil
}

// appendLenString appends s with its length first, so that no two sequences of strings
// encode the same.
func appendLenString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendCanonical appends an unambiguous encoding of v for the cache key.
func (v attrValue) appendCanonical(b []byte) []byte {
	b = append(b, byte(v.kind))
	switch v.kind {
	case attrString:
		return appendLenString(b, v.s)
	case attrBool:
		if v.b {
			return append(b, 1)
		}
		return append(b, 0)
	default:
		return binary.BigEndian.AppendUint64(b, math.Float64bits(v.f))
	}
}

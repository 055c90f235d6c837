package embedding

import (
	"bytes"
	"encoding/binary"
	"errors"
	"time"

	"github.com/reeflow/reeflow-go/reeflow"
)

// cacheEntry is what a Cache keeps in its Store for a key: the token, and Reeflow's time when it
// was minted, from which any instance can tell how long the token may be handed out at most.
type cacheEntry struct {
	session  reeflow.Session
	mintedAt time.Time // Reeflow's time when it answered (its Date header)
}

// entryVersion starts every encoded entry, so that a later format can tell old entries apart.
const entryVersion = 2

// entryHeader is the version, the key the entry was stored under, the expiry and the minting
// time.
const entryHeader = 1 + len(cacheKey{}) + 8 + 8

// encode returns version, key, expiry and minting time (Unix nanoseconds, big-endian) and the
// token. The key binds the entry to the params it was minted for: a store that hands back
// another key's value (a bug, a mix-up) gives a miss, never another user's token.
func (e cacheEntry) encode(key cacheKey) []byte {
	b := make([]byte, 0, entryHeader+len(e.session.Token))
	b = append(b, entryVersion)
	b = append(b, key[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(e.session.ExpiresAt.UnixNano())) //nolint:gosec // a round trip through uint64 keeps every int64
	b = binary.BigEndian.AppendUint64(b, uint64(e.mintedAt.UnixNano()))          //nolint:gosec // as above
	return append(b, e.session.Token...)
}

var (
	errBadEntry   = errors.New("not a session entry of this version")
	errEntryOfKey = errors.New("a session entry stored for other params")
)

func decodeEntry(b []byte, key cacheKey) (cacheEntry, error) {
	if len(b) <= entryHeader || b[0] != entryVersion {
		return cacheEntry{}, errBadEntry
	}
	if !bytes.Equal(b[1:1+len(key)], key[:]) {
		return cacheEntry{}, errEntryOfKey
	}
	b = b[1+len(key):]
	expires := int64(binary.BigEndian.Uint64(b[0:8])) //nolint:gosec // the round trip of encode
	minted := int64(binary.BigEndian.Uint64(b[8:16])) //nolint:gosec // as above
	return cacheEntry{
		session:  reeflow.Session{Token: string(b[16:]), ExpiresAt: time.Unix(0, expires).UTC()},
		mintedAt: time.Unix(0, minted).UTC(),
	}, nil
}

// hold is how long, from its minting, the token may be handed out: until its refresh time, both
// measured by Reeflow's clock, so that the local clock's offset from Reeflow's never matters. A
// second less, since the Date header has whole seconds: Reeflow's time when it answered may be up
// to a second later than mintedAt says.
func (e cacheEntry) hold(margin time.Duration) time.Duration {
	return e.refreshAt(margin).Sub(e.mintedAt) - dateResolution
}

// plausible reports whether the token's life, from its minting to its expiry by Reeflow's clock,
// is one Reeflow gives: more than nothing, at most a day (and the clocks' bound).
func (e cacheEntry) plausible() bool {
	life := e.session.ExpiresAt.Sub(e.mintedAt)
	return life > 0 && life <= maxSessionLifetime+maxDateSkew
}

// dateResolution is the resolution of an HTTP Date header.
const dateResolution = time.Second

// refreshAt is the Reeflow time from which the token is no longer handed out: its expiry minus
// the margin, the margin capped at half the token's lifetime so that a token is always reused
// for a while.
func (e cacheEntry) refreshAt(margin time.Duration) time.Time {
	margin = min(margin, e.session.ExpiresAt.Sub(e.mintedAt)/2)
	return e.session.ExpiresAt.Add(-margin)
}

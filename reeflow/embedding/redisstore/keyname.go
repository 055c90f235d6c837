package redisstore

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// namerInfo tells HKDF what the derived key is for, apart from any other use of a sealing key.
const namerInfo = "reeflow-go redisstore: Redis key names v1"

// namer turns the cache's digests into Redis key names under a secret derived from a sealing
// key. The digest alone is a plain SHA-256 of the user ID, organization and attributes: anyone
// with a list of likely user IDs could hash them and find each one's key in a dump. Keyed, the
// names reveal nothing without the sealing key, and two applications with different sealing
// keys never meet on one Redis even under the same prefix.
type namer struct {
	secret []byte
}

// newNamer derives a namer's secret from sealingKey with HKDF-SHA256.
func newNamer(sealingKey []byte) (namer, error) {
	secret, err := hkdf.Key(sha256.New, sealingKey, nil, namerInfo, sha256.Size)
	if err != nil {
		return namer{}, err
	}
	return namer{secret: secret}, nil
}

// name is digest's name in Redis: HMAC-SHA256 of it under the namer's secret, in hex.
func (n namer) name(digest string) string {
	m := hmac.New(sha256.New, n.secret)
	m.Write([]byte(digest))
	return hex.EncodeToString(m.Sum(nil))
}

package embedding_test

import (
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/embedding"
)

type plan string

// regionCode is an attribute type whose text form is not its wire value: reeflow sends the
// number, while encoding/json would write "eu" for any of them.
type regionCode int

func (regionCode) MarshalText() ([]byte, error) { return []byte("eu"), nil }

// TestCacheKeys checks that tokens are shared exactly between params that are the same on the
// wire: the same attributes in another map, or the same number in another Go type, share; any
// difference Reeflow would see does not. Every token handed out carries its own caller's claims.
func TestCacheKeys(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cache := f.cache(t)
	attrs := func(level, region any) reeflow.Attributes {
		return reeflow.Attributes{"level": level, "region": region, "admin": true}
	}
	base := reeflow.CreateSessionParams{UserID: "u1", OrganizationID: "o1", UserAttributes: attrs(1, "eu")}
	baseToken := get(t, cache, base).Token

	same := map[string]reeflow.CreateSessionParams{
		"attributes built in another order": {UserID: "u1", OrganizationID: "o1",
			UserAttributes: func() reeflow.Attributes {
				a := reeflow.Attributes{}
				a["admin"], a["region"], a["level"] = true, "eu", 1
				return a
			}()},
		"float64 1.0 for int 1":  {UserID: "u1", OrganizationID: "o1", UserAttributes: attrs(1.0, "eu")},
		"uint8 1":                {UserID: "u1", OrganizationID: "o1", UserAttributes: attrs(uint8(1), "eu")},
		"float32 1":              {UserID: "u1", OrganizationID: "o1", UserAttributes: attrs(float32(1), "eu")},
		"json.Number 1.0":        {UserID: "u1", OrganizationID: "o1", UserAttributes: attrs(json.Number("1.0"), "eu")},
		"named string type":      {UserID: "u1", OrganizationID: "o1", UserAttributes: attrs(1, plan("eu"))},
		"empty organization map": {UserID: "u1", OrganizationID: "o1", UserAttributes: attrs(1, "eu"), OrganizationAttributes: reeflow.Attributes{}},
	}
	for name, p := range same {
		assert.Equal(t, baseToken, get(t, cache, p).Token, name)
	}
	noAttrs := get(t, cache, reeflow.CreateSessionParams{UserID: "u9"}).Token
	assert.Equal(t, noAttrs, get(t, cache, reeflow.CreateSessionParams{UserID: "u9", UserAttributes: reeflow.Attributes{}}).Token,
		"an empty map is no attributes, as on the wire")
	assert.Equal(t, 2, f.minted())

	different := map[string]reeflow.CreateSessionParams{
		"another user":               {UserID: "u2", OrganizationID: "o1", UserAttributes: base.UserAttributes},
		"another organization":       {UserID: "u1", OrganizationID: "o2", UserAttributes: base.UserAttributes},
		"no organization":            {UserID: "u1", UserAttributes: base.UserAttributes},
		"another value":              {UserID: "u1", OrganizationID: "o1", UserAttributes: attrs(2, "eu")},
		"the string 1":               {UserID: "u1", OrganizationID: "o1", UserAttributes: attrs("1", "eu")},
		"the bool true for 1":        {UserID: "u1", OrganizationID: "o1", UserAttributes: attrs(true, "eu")},
		"one attribute fewer":        {UserID: "u1", OrganizationID: "o1", UserAttributes: reeflow.Attributes{"level": 1, "region": "eu"}},
		"no attributes":              {UserID: "u1", OrganizationID: "o1"},
		"name case":                  {UserID: "u1", OrganizationID: "o1", UserAttributes: reeflow.Attributes{"Level": 1, "region": "eu", "admin": true}},
		"as organization attributes": {UserID: "u1", OrganizationID: "o1", OrganizationAttributes: base.UserAttributes},
		"IDs shifted between fields": {UserID: "u1o", OrganizationID: "1", UserAttributes: base.UserAttributes},
		"name and value shifted":     {UserID: "u1", OrganizationID: "o1", UserAttributes: reeflow.Attributes{"level": 1, "regio": "neu", "admin": true}},
		// A number whose MarshalText says "eu": keyed by its text, it would take the token of
		// region "eu", which Reeflow tells apart.
		"a number that marshals as eu": {UserID: "u1", OrganizationID: "o1", UserAttributes: attrs(1, regionCode(7))},
		// IDs and values that look like the encoding itself.
		"organization inside the user ID": {UserID: `u1","organization":"o1`, UserAttributes: base.UserAttributes},
		"attributes inside a value":       {UserID: "u1", OrganizationID: "o1", UserAttributes: reeflow.Attributes{"level": 1, "region": `eu","admin":true`}},
		"a value inside a name":           {UserID: "u1", OrganizationID: "o1", UserAttributes: reeflow.Attributes{`level":1,"region`: "eu", "admin": true}},
		// The same values in the same order under other names; the same letters split otherwise
		// between a name and its value.
		"a renamed attribute":              {UserID: "u1", OrganizationID: "o1", UserAttributes: reeflow.Attributes{"level": 1, "zone": "eu", "admin": true}},
		"a name running into its value":    {UserID: "u1", OrganizationID: "o1", UserAttributes: reeflow.Attributes{"a": "bsc"}},
		"the same letters split elsewhere": {UserID: "u1", OrganizationID: "o1", UserAttributes: reeflow.Attributes{"asb": "c"}},
	}
	tokens := map[string]string{baseToken: "base", noAttrs: "u9"}
	for name, p := range different {
		sess := get(t, cache, p)
		require.NotContains(t, tokens, sess.Token, "%s shares the token of %s", name, tokens[sess.Token])
		tokens[sess.Token] = name
		claims, err := f.srv.ParseSessionToken(sess.Token)
		require.NoError(t, err)
		assert.Equal(t, p.UserID, claims.UserID, name)
		assert.Equal(t, p.OrganizationID, claims.OrganizationID, name)
		assert.Len(t, claims.UserAttributes, len(p.UserAttributes), name)
		assert.Len(t, claims.OrganizationAttributes, len(p.OrganizationAttributes), name)
	}
	assert.Equal(t, 2+len(different), f.minted())
	assert.Equal(t, 2+len(different), embedding.CachedForTest(cache))
}

// TestCacheKeysFollowTheWireForFloats: numbers share a token exactly when reeflow sends them
// alike. A float32 travels as its shortest decimal, so float32(0.1) is 0.1 on the wire while
// float64(float32(0.1)) is 0.10000000149011612; -0 travels as 0.
func TestCacheKeysFollowTheWireForFloats(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cache := f.cache(t)
	limit := func(v any) reeflow.CreateSessionParams {
		return reeflow.CreateSessionParams{UserID: "u1", UserAttributes: reeflow.Attributes{"limit": v}}
	}
	wireLimit := func(token string) any {
		claims, err := f.srv.ParseSessionToken(token)
		require.NoError(t, err)
		return claims.UserAttributes["limit"]
	}

	// The fake mints the same token for the same claims at the same instant, so what shows a
	// shared token is the count of POST /sessions, step by step.
	widened := get(t, cache, limit(float64(float32(0.1)))).Token
	assert.Equal(t, 1, f.minted())
	short := get(t, cache, limit(float32(0.1))).Token
	assert.Equal(t, 2, f.minted(), "0.10000000149011612 and 0.1 differ on the wire")
	assert.NotEqual(t, widened, short)
	assert.Equal(t, 0.1, wireLimit(short), "the float32's token carries 0.1")
	get(t, cache, limit(0.1))
	assert.Equal(t, 2, f.minted(), "0.1 is float32(0.1) on the wire: no new token")

	get(t, cache, limit(0.0))
	assert.Equal(t, 3, f.minted())
	get(t, cache, limit(math.Copysign(0, -1)))
	assert.Equal(t, 3, f.minted(), "-0 travels as 0")
	get(t, cache, limit(float32(math.Copysign(0, -1))))
	assert.Equal(t, 3, f.minted(), "a float32 -0 too")
	get(t, cache, limit(json.Number("-0.0")))
	assert.Equal(t, 3, f.minted(), "and a json.Number -0")
}

// TestCacheRefusesNumbersThatLookLikeCachedOnes: the cache looks for a token before it validates
// the params, so params that Validate refuses must never find a valid one's token: an integer
// beyond ±(2^53−1) converts to a float64 that is valid, and a json.Number that reeflow refuses
// may still parse as a float. Each gets Validate's error, and nothing is sent.
func TestCacheRefusesNumbersThatLookLikeCachedOnes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cache := f.cache(t)
	limit := func(v any) reeflow.CreateSessionParams {
		return reeflow.CreateSessionParams{UserID: "u1", UserAttributes: reeflow.Attributes{"limit": v}}
	}
	get(t, cache, limit(float64(1<<60)))
	get(t, cache, limit(16.0))
	get(t, cache, limit(-1))
	require.Equal(t, 3, f.minted())

	for name, v := range map[string]any{
		"int 2^60":            1 << 60,
		"int64 -2^60":         int64(-1 << 60),
		"uint64 2^60":         uint64(1 << 60),
		"uint64 max":          uint64(math.MaxUint64), // -1 as an int64
		"named int 2^60":      regionCode(1 << 60),
		"json.Number 2^60":    json.Number("1152921504606846976"),
		"json.Number in hex":  json.Number("0x1p4"),
		"json.Number beyond":  json.Number("99999999999999999999"),
		"named uint64 2^60":   level(1 << 60),
		"float64 2^60 itself": float64(1 << 60), // the control: cached, no error
	} {
		p := limit(v)
		sess, err := cache.Get(context.Background(), p)
		if name == "float64 2^60 itself" {
			require.NoError(t, err)
			require.NotNil(t, sess)
			continue
		}
		require.ErrorIs(t, err, embedding.ErrInvalidSessionParams, name)
		require.Nil(t, sess, name)
		validateErr := p.Validate()
		require.Error(t, validateErr, name)
		assert.EqualError(t, err, "embedding: invalid session parameters: "+validateErr.Error(), name)
	}
	assert.Equal(t, 3, f.minted(), "nothing was sent")
}

type level uint64

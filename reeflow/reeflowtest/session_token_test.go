package reeflowtest_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"log"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

func TestParseSessionToken(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t) // every response checked against openapi.yaml
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return now })
	sess, err := client.Sessions.Create(context.Background(), reeflow.CreateSessionParams{
		UserID: "user_42", OrganizationID: "org_7", NotBefore: now.Add(time.Minute), Expiration: now.Add(2 * time.Hour),
		UserAttributes:         reeflow.Attributes{"region": "eu", "level": 3, "ratio": 0.25, "admin": true},
		OrganizationAttributes: reeflow.Attributes{"plan": "enterprise"},
	})
	require.NoError(t, err)

	claims, err := srv.ParseSessionToken(sess.Token)
	require.NoError(t, err)
	assert.Equal(t, reeflowtest.SessionClaims{
		UserID: "user_42", OrganizationID: "org_7",
		UserAttributes:         map[string]any{"region": "eu", "level": 3.0, "ratio": 0.25, "admin": true},
		OrganizationAttributes: map[string]any{"plan": "enterprise"},
		IssuedAt:               now, NotBefore: now.Add(time.Minute), ExpiresAt: now.Add(2 * time.Hour),
	}, claims, "a token not valid yet is returned, NotBefore says so")

	plain, err := client.Sessions.Create(context.Background(), reeflow.CreateSessionParams{UserID: "u"})
	require.NoError(t, err)
	claims, err = srv.ParseSessionToken(plain.Token)
	require.NoError(t, err)
	assert.Equal(t, reeflowtest.SessionClaims{UserID: "u", IssuedAt: now, NotBefore: now, ExpiresAt: now.Add(time.Hour)}, claims,
		"no organization, no attributes: empty and nil")
}

func TestParseSessionTokenRefusesTokensItDidNotMint(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t)
	other, otherClient := newServer(t)
	ctx := context.Background()
	sess, err := client.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "u"})
	require.NoError(t, err)
	foreign, err := otherClient.Sessions.Create(ctx, reeflow.CreateSessionParams{UserID: "u"})
	require.NoError(t, err)

	parts := strings.Split(sess.Token, ".")
	require.Len(t, parts, 3)
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"u"`, `"admin"`, 1))) + "." + parts[2]
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."

	key := reeflowtest.SigningKeyForTest(srv)
	valid := jwt.MapClaims{"iss": "reeflowtest", "user_id": "u", "iat": time.Now().Unix(), "nbf": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}
	sign := func(method jwt.SigningMethod, claims jwt.MapClaims) string {
		token, err := jwt.NewWithClaims(method, claims).SignedString(key)
		require.NoError(t, err)
		return token
	}
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for name, value := range valid {
			c[name] = value
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	require.NotEmpty(t, sign(jwt.SigningMethodHS256, valid))
	_, err = srv.ParseSessionToken(sign(jwt.SigningMethodHS256, valid))
	require.NoError(t, err, "the forging works: each case below changes one thing")

	for name, tc := range map[string]struct{ token, want string }{
		"another server's token": {foreign.Token, "signature is invalid"},
		"tampered payload":       {tampered, "signature is invalid"},
		"alg none":               {none, "token signature is invalid"},
		"HS512 with the key":     {sign(jwt.SigningMethodHS512, valid), "signing method HS512 is invalid"},
		"another issuer":         {sign(jwt.SigningMethodHS256, with("iss", "elsewhere")), "not issued by reeflowtest"},
		"no user":                {sign(jwt.SigningMethodHS256, with("user_id", nil)), "no user_id claim"},
		"no expiry":              {sign(jwt.SigningMethodHS256, with("exp", nil)), "iat, nbf or exp claim missing"},
		"garbage":                {"not.a.jwt", "token is malformed"},
		"empty":                  {"", "token is malformed"},
	} {
		_, err := srv.ParseSessionToken(tc.token)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), tc.want, name)
		assert.True(t, strings.HasPrefix(err.Error(), "reeflowtest: session token: "), name)
		if tc.token != "" {
			assert.NotContains(t, err.Error(), tc.token, "%s: an error never quotes the token", name)
		}
	}
	_, err = other.ParseSessionToken(foreign.Token)
	require.NoError(t, err, "the other server accepts its own")
}

func TestParseSessionTokenRefusesExpiredTokensByTheServersClock(t *testing.T) {
	t.Parallel()
	srv, client := newServer(t)
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	srv.SetClock(func() time.Time { return now })
	sess, err := client.Sessions.Create(context.Background(), reeflow.CreateSessionParams{UserID: "u"})
	require.NoError(t, err)

	srv.SetClock(func() time.Time { return now.Add(time.Hour - time.Second) })
	_, err = srv.ParseSessionToken(sess.Token)
	require.NoError(t, err)
	srv.SetClock(func() time.Time { return now.Add(time.Hour) })
	_, err = srv.ParseSessionToken(sess.Token)
	require.ErrorIs(t, err, jwt.ErrTokenExpired)
	assert.EqualError(t, err, "reeflowtest: session token: token is expired: expired at 2026-11-26T13:00:00Z, the server's clock says 2026-11-26T13:00:00Z")
}

func TestSessionAttributesAreValidatedByTheFake(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t)
	for body, want := range map[string]string{
		`{"user":{"id":"u","attributes":{"tags":["a"]}}}`:                     "user.attributes.tags",
		`{"user":{"id":"u","attributes":{"nested":{"a":1}}}}`:                 "user.attributes.nested",
		`{"user":{"id":"u","attributes":{"nothing":null}}}`:                   "user.attributes.nothing",
		`{"user":{"id":"u"},"organization":{"id":"o","attributes":{"x":[]}}}`: "organization.attributes.x",
	} {
		status, _, got := raw(t, srv, "POST", "/sessions", body, basic(srv.Key()))
		assert.Equal(t, 400, status, body)
		assert.Contains(t, got, want, body)
	}
	status, _, got := raw(t, srv, "POST", "/sessions", `{"user":{"id":"u","attributes":{"a":"x","b":1.5,"c":false}}}`, basic(srv.Key()))
	require.Equal(t, 201, status, got)
}

// ParseSessionToken checks what a token carries: here, the token a handler handed out.
func ExampleServer_ParseSessionToken() {
	srv, err := reeflowtest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	sess, err := srv.Client().Sessions.Create(context.Background(), reeflow.CreateSessionParams{
		UserID: "user_1234", OrganizationID: "org_acme",
		UserAttributes: reeflow.Attributes{"region": "eu", "level": 3},
	})
	if err != nil {
		log.Fatal(err)
	}
	claims, err := srv.ParseSessionToken(sess.Token)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(claims.UserID, claims.OrganizationID, claims.UserAttributes["region"], claims.UserAttributes["level"])
	fmt.Println(claims.ExpiresAt.Sub(claims.IssuedAt))

	_, err = srv.ParseSessionToken(sess.Token + "x")
	fmt.Println(err)
	// Output:
	// user_1234 org_acme eu 3
	// 1h0m0s
	// reeflowtest: session token: token signature is invalid: signature is invalid
}

package reeflowtest

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The fake signs session tokens with HS256 and a random key of its own; ParseSessionToken
// accepts that algorithm alone, so a token with "alg": "none" or any other is refused.
var tokenSigningMethod = jwt.SigningMethodHS256

const tokenIssuer = "reeflowtest"

// sessionClaims are the claims of a session token minted by the fake. Their names are the
// fake's: Reeflow's own token claims are not documented.
type sessionClaims struct {
	UserID                 string         `json:"user_id"`
	OrganizationID         string         `json:"organization_id,omitempty"`
	UserAttributes         map[string]any `json:"user_attributes,omitempty"`
	OrganizationAttributes map[string]any `json:"organization_attributes,omitempty"`
	jwt.RegisteredClaims
}

// SessionClaims are what a session token minted by the fake carries, as ParseSessionToken
// returns them: the way a test checks what a handler handed to the browser.
type SessionClaims struct {
	UserID         string
	OrganizationID string // "" when the session had no organization
	// UserAttributes and OrganizationAttributes are nil when the session had none. Values are
	// as encoding/json decodes them: string, bool, and float64 for every number.
	UserAttributes         map[string]any
	OrganizationAttributes map[string]any
	// The token's iat, nbf and exp, in UTC, to the second.
	IssuedAt  time.Time
	NotBefore time.Time
	ExpiresAt time.Time
}

// ParseSessionToken verifies a session token and returns its claims. It refuses a token that
// this server did not mint (a wrong signature or issuer, another algorithm than HS256, a
// malformed token) and one that has expired by the server's clock (see SetClock). A token whose
// NotBefore is still ahead is returned, since minting one is legitimate: check NotBefore.
func (s *Server) ParseSessionToken(token string) (SessionClaims, error) {
	if !s.created() {
		return SessionClaims{}, errNotCreated
	}
	var c sessionClaims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.state.jwtSecret, nil },
		jwt.WithValidMethods([]string{tokenSigningMethod.Alg()}),
		jwt.WithoutClaimsValidation(), // the times are checked below, against the server's clock
	)
	if err != nil {
		return SessionClaims{}, fmt.Errorf("reeflowtest: session token: %w", err)
	}
	switch {
	case c.Issuer != tokenIssuer:
		return SessionClaims{}, errors.New("reeflowtest: session token: not issued by reeflowtest")
	case c.UserID == "":
		return SessionClaims{}, errors.New("reeflowtest: session token: no user_id claim")
	case c.IssuedAt == nil || c.NotBefore == nil || c.ExpiresAt == nil:
		return SessionClaims{}, errors.New("reeflowtest: session token: iat, nbf or exp claim missing")
	}
	if now := s.state.now(); !now.Before(c.ExpiresAt.Time) {
		return SessionClaims{}, fmt.Errorf("reeflowtest: session token: %w: expired at %s, the server's clock says %s",
			jwt.ErrTokenExpired, c.ExpiresAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return SessionClaims{
		UserID:                 c.UserID,
		OrganizationID:         c.OrganizationID,
		UserAttributes:         c.UserAttributes,
		OrganizationAttributes: c.OrganizationAttributes,
		IssuedAt:               c.IssuedAt.UTC(),
		NotBefore:              c.NotBefore.UTC(),
		ExpiresAt:              c.ExpiresAt.UTC(),
	}, nil
}

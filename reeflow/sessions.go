package reeflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/reeflow/reeflow-go/internal/api"
	"github.com/reeflow/reeflow-go/internal/transport"
)

// CreateSessionParams describe an embed session. Zero times are omitted, so Reeflow applies
// its defaults (one hour of validity, usable at once).
//
// SessionsService.Create sends them as the JSON body of POST /sessions, times in RFC 3339. The
// "attributes" fields are assumed, not documented by Reeflow (see docs/assumptions.md). For
// example,
//
//	reeflow.CreateSessionParams{
//		UserID:                 "user_42",
//		UserAttributes:         reeflow.Attributes{"tenant_id": "t_1", "max_rows": 500},
//		OrganizationID:         "org_7",
//		OrganizationAttributes: reeflow.Attributes{"plan": "pro"},
//		Expiration:             time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC),
//	}
//
// is sent as:
//
//	{
//	  "expiration": "2026-11-26T13:00:00Z",
//	  "organization": {"attributes": {"plan": "pro"}, "id": "org_7"},
//	  "user": {"attributes": {"max_rows": 500, "tenant_id": "t_1"}, "id": "user_42"}
//	}
type CreateSessionParams struct {
	UserID         string    // required, at most 64 characters
	OrganizationID string    // optional, at most 64 characters
	Expiration     time.Time // at most 24 hours from now
	NotBefore      time.Time

	// UserAttributes and OrganizationAttributes are the attribute values Reeflow's row filters
	// read (see Attributes). OrganizationAttributes need an OrganizationID.
	UserAttributes         Attributes
	OrganizationAttributes Attributes
}

// Validate reports, without sending anything, whether SessionsService.Create would refuse p: an
// empty or overlong user ID, organization attributes without an organization, NotBefore not
// before Expiration, or an attribute Reeflow cannot carry (see Attributes). The error names the
// problem, never an attribute's value.
func (p CreateSessionParams) Validate() error {
	// The checks of createSessionBody, in its order, without building the body.
	if err := checkSessionParams(p); err != nil {
		return err
	}
	if err := checkAttributes("user", p.UserAttributes, nil); err != nil {
		return err
	}
	return checkAttributes("organization", p.OrganizationAttributes, nil) // none without an organization
}

// Session is an embed session token for <reeflow-provider auth-token=…>. Its JSON is the wire
// format, token included, so a Session can be sent to the page that embeds the dashboard as it
// is. The token is a bearer credential: printing a Session (any fmt verb) or logging it as a
// slog attribute shows "[REDACTED]" in its place. encoding/json writes the token, and so does
// slog's JSON handler when it meets a Session nested in a slice, a map or a struct of yours:
// log the Session itself, not a value that holds it.
type Session struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

type redactedSession Session

// Format prints the session with its token redacted, for every verb.
func (s Session) Format(f fmt.State, verb rune) {
	s.Token = redactNonEmpty(s.Token)
	formatRedacted(f, verb, redactedSession(s), "reeflow.redactedSession", "reeflow.Session")
}

// LogValue logs the expiry, not the token.
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(slog.String("token", redactNonEmpty(s.Token)), slog.Time("expires_at", s.ExpiresAt))
}

// UnmarshalJSON decodes a session and refuses one without a token or an expiry.
func (s *Session) UnmarshalJSON(b []byte) error {
	var w redactedSession
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if w.Token == "" || w.ExpiresAt.IsZero() {
		return errors.New("session has no token or no expires_at")
	}
	*s = Session(w)
	return nil
}

// SessionsService mints embed session tokens.
type SessionsService struct{ c *client }

// client returns the client the service sends through (see ConnectionsService.client).
func (s *SessionsService) client() *client {
	if s == nil {
		return nil
	}
	return s.c
}

var opCreateSession = operation{name: "create session", policy: transport.RetryIdempotent, sendsBody: true}

const maxSubjectID = 64

// Create mints an embed session token for a user: POST /sessions. An expiration more than
// 24 hours ahead gives a *BadRequestError with Code "INVALID_EXPIRATION".
func (s *SessionsService) Create(ctx context.Context, p CreateSessionParams, opts ...Option) (*Session, error) {
	body, err := createSessionBody(p)
	if err != nil {
		return nil, opError(opCreateSession, err)
	}
	out := new(Session)
	err = s.client().do(ctx, opCreateSession, opts, func(base string) (*http.Request, error) {
		return api.NewCreateSessionRequest(base, body)
	}, out.UnmarshalJSON)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func createSessionBody(p CreateSessionParams) (api.CreateSessionRequest, error) {
	body := api.CreateSessionRequest{User: api.SessionSubject{Id: p.UserID}}
	if err := checkSessionParams(p); err != nil {
		return body, err
	}
	var err error
	if body.User.Attributes, err = attributesBody("user", p.UserAttributes); err != nil {
		return body, err
	}
	if p.OrganizationID != "" {
		body.Organization = &api.SessionSubject{Id: p.OrganizationID}
		if body.Organization.Attributes, err = attributesBody("organization", p.OrganizationAttributes); err != nil {
			return body, err
		}
	}
	if !p.Expiration.IsZero() {
		body.Expiration = &p.Expiration
	}
	if !p.NotBefore.IsZero() {
		body.NotBefore = &p.NotBefore
	}
	return body, nil
}

// checkSessionParams checks the subjects and times of p (attributes are checked as they are
// encoded).
func checkSessionParams(p CreateSessionParams) error {
	var err error
	switch {
	case p.UserID == "":
		err = errors.New("UserID is empty")
	case !utf8.ValidString(p.UserID):
		err = errors.New("UserID is not valid UTF-8")
	case !utf8.ValidString(p.OrganizationID):
		err = errors.New("OrganizationID is not valid UTF-8")
	case utf8.RuneCountInString(p.UserID) > maxSubjectID:
		err = fmt.Errorf("UserID is longer than %d characters", maxSubjectID)
	case utf8.RuneCountInString(p.OrganizationID) > maxSubjectID:
		err = fmt.Errorf("OrganizationID is longer than %d characters", maxSubjectID)
	case p.OrganizationID == "" && len(p.OrganizationAttributes) > 0:
		err = errors.New("OrganizationAttributes are set but OrganizationID is empty: organization attributes belong to an organization")
	case !p.Expiration.IsZero() && !p.NotBefore.IsZero() && !p.NotBefore.Before(p.Expiration):
		err = errors.New("NotBefore is not before Expiration")
	}
	return err
}

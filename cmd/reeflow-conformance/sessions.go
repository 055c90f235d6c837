package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
)

// The session subject the probe mints tokens for; it names no real user.
const (
	probeUserID    = "reeflow-conformance"
	probeAttribute = "reeflow_conformance"
)

// checkSessions mints session tokens (which stores nothing): the response shape, the JWT's
// header and claim names (decoded, not verified), the default lifetime, the 24-hour limit, and
// user attributes.
func (p *probe) checkSessions(ctx context.Context) {
	source := p.opSource(http.MethodPost, "/sessions")
	const (
		factShape    = "POST /sessions → 201 with token and expires_at"
		factJWT      = "the session token is a JWT"
		factClaims   = "the token's claims carry exp and the user ID as user_id (as the fake's do)"
		factLifetime = "a token lives one hour by default"
		factMax      = `an expiration over 24 hours → 400 INVALID_EXPIRATION "Expiration cannot be more than 86400 seconds from now"`
	)
	body, _ := json.Marshal(map[string]any{"user": map[string]string{"id": probeUserID}})
	r := p.send(ctx, http.MethodPost, "/sessions", body, p.withBasic)
	token, expiresAt, shapeResult, shapeEvidence := p.sessionShape(r)
	p.record("sessions.create", factShape, source, shapeResult, shapeEvidence)

	if token == "" {
		for _, f := range [][2]string{{"sessions.jwt", factJWT}, {"sessions.claims", factClaims}, {"sessions.lifetime", factLifetime}} {
			p.record(f[0], f[1], sourceOfSessionFact(f[0]), Skipped, "no token")
		}
	} else {
		jwt, err := decodeJWT(token)
		if err != nil {
			p.record("sessions.jwt", factJWT, Documented, Contradicted, err.Error())
			p.record("sessions.claims", factClaims, Assumed, Skipped, "not a JWT")
			p.record("sessions.lifetime", factLifetime, Documented, Skipped, "not a JWT")
		} else {
			p.record("sessions.jwt", factJWT, Documented, Confirmed, jwt.headerEvidence())
			_, hasExp := jwt.claims["exp"]
			_, hasUser := jwt.claims["user_id"]
			result := Confirmed
			if !hasExp || !hasUser {
				result = Contradicted
			}
			p.record("sessions.claims", factClaims, Assumed, result, "claims: "+strings.Join(sortedKeys(jwt.claims), ", "))
			result, evidence := p.lifetime(jwt, expiresAt, r)
			p.record("sessions.lifetime", factLifetime, Documented, result, evidence)
		}
	}

	over, _ := json.Marshal(map[string]any{
		"user":       map[string]string{"id": probeUserID},
		"expiration": p.serverNow().Add(25 * time.Hour).UTC().Format(time.RFC3339),
	})
	r = p.send(ctx, http.MethodPost, "/sessions", over, p.withBasic)
	result, evidence := expectError(r, http.StatusBadRequest, "Expiration cannot be more than 86400 seconds from now")
	if result == Confirmed && r.apiError().Code != "INVALID_EXPIRATION" {
		result = Contradicted
	}
	p.record("sessions.max-expiration", factMax, Documented, result, evidence)

	p.checkAttributes(ctx)
}

func sourceOfSessionFact(id string) Source {
	if id == "sessions.claims" {
		return Assumed
	}
	return Documented
}

// sessionShape reads a session response; the token is returned for decoding and kept secret.
func (p *probe) sessionShape(r reply) (token string, expiresAt time.Time, result Result, evidence string) {
	switch {
	case r.undecided():
		return "", time.Time{}, Inconclusive, r.String()
	case !r.ok():
		return "", time.Time{}, Contradicted, r.String()
	}
	obj, err := objectShape(r.body)
	if err != nil {
		return "", time.Time{}, Contradicted, fmt.Sprintf("%d, %v", r.status, err)
	}
	_ = json.Unmarshal(obj["token"], &token)
	p.keepSecret(token)
	if parts := strings.Split(token, "."); len(parts) == 3 {
		p.keepSecret(parts[1])
		p.keepSecret(parts[2])
	}
	var exp string
	_ = json.Unmarshal(obj["expires_at"], &exp)
	expiresAt, expErr := time.Parse(time.RFC3339, exp)
	evidence = fmt.Sprintf("%d, fields %s", r.status, strings.Join(sortedKeys(obj), ", "))
	switch {
	case r.status != http.StatusCreated, token == "", expErr != nil:
		return token, time.Time{}, Contradicted, evidence
	}
	return token, expiresAt, Confirmed, evidence
}

// lifetime compares the token's validity with the documented default of one hour.
func (p *probe) lifetime(jwt decodedJWT, expiresAt time.Time, r reply) (Result, string) {
	exp, okExp := jwt.time("exp")
	start, okStart := jwt.time("iat")
	from := "iat"
	if !okStart {
		start, okStart = jwt.time("nbf")
		from = "nbf"
	}
	if !okStart {
		if date, err := http.ParseTime(r.header.Get("Date")); err == nil {
			start, okStart, from = date, true, "the response's Date"
		}
	}
	if !okExp && !expiresAt.IsZero() {
		exp, okExp = expiresAt, true
	}
	if !okExp || !okStart {
		return Inconclusive, "no expiry or no start time to compare"
	}
	life := exp.Sub(start)
	evidence := fmt.Sprintf("exp - %s = %s", from, life)
	if math.Abs(float64(life-time.Hour)) > float64(2*time.Minute) {
		return Contradicted, evidence
	}
	return Confirmed, evidence
}

// checkAttributes sends user.attributes and looks for them in the token's claims.
func (p *probe) checkAttributes(ctx context.Context) {
	source := p.schemaSource("Attributes")
	const (
		factAccepted = "POST /sessions accepts user.attributes"
		factClaims   = "user.attributes appear in the token's claims"
	)
	body, _ := json.Marshal(map[string]any{"user": map[string]any{
		"id": probeUserID, "attributes": map[string]any{probeAttribute: "probe"},
	}})
	r := p.send(ctx, http.MethodPost, "/sessions", body, p.withBasic)
	token, _, _, _ := p.sessionShape(r)
	switch {
	case r.undecided():
		p.record("sessions.attributes", factAccepted, source, Inconclusive, r.String())
		p.record("sessions.attributes.claims", factClaims, source, Skipped, "no token")
		return
	case !r.ok():
		// "attributes should not exist" refuses the field; another 400 (such as an attribute
		// the organization has not defined, which Reeflow documents as an error) shows it was read.
		result := Inconclusive
		if msg := strings.ToLower(r.String()); strings.Contains(msg, "attributes") &&
			(strings.Contains(msg, "should not exist") || strings.Contains(msg, "not allowed") || strings.Contains(msg, "unknown")) {
			result = Contradicted
		}
		p.record("sessions.attributes", factAccepted, source, result, r.String())
		p.record("sessions.attributes.claims", factClaims, source, Skipped, "no token")
		return
	}
	p.record("sessions.attributes", factAccepted, source, Confirmed, r.String())
	jwt, err := decodeJWT(token)
	if err != nil {
		p.record("sessions.attributes.claims", factClaims, source, Inconclusive, err.Error())
		return
	}
	names := "claims: " + strings.Join(sortedKeys(jwt.claims), ", ")
	if where := findKey(jwt.claims, probeAttribute, ""); where != "" {
		p.record("sessions.attributes.claims", factClaims, source, Confirmed, names+"; the attribute is at "+where)
		return
	}
	p.record("sessions.attributes.claims", factClaims, source, Contradicted, names+"; the attribute is in none of them")
}

// findKey returns the path of the first object key named key in v, or "".
func findKey(v any, key, prefix string) string {
	switch v := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(v) {
			if k == key {
				return prefix + k
			}
			if where := findKey(v[k], key, prefix+k+"."); where != "" {
				return where
			}
		}
	case []any:
		for _, e := range v {
			if where := findKey(e, key, prefix); where != "" {
				return where
			}
		}
	}
	return ""
}

// decodedJWT is a JWT's header and claims, decoded without verifying the signature (the probe
// has no key to verify it with, and needs only the names).
type decodedJWT struct {
	header map[string]any
	claims map[string]any
}

func decodeJWT(token string) (decodedJWT, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return decodedJWT{}, fmt.Errorf("the token has %d dot-separated parts, not 3", len(parts))
	}
	var d decodedJWT
	if err := decodeSegment(parts[0], &d.header); err != nil {
		return decodedJWT{}, fmt.Errorf("the token's header: %w", err)
	}
	if err := decodeSegment(parts[1], &d.claims); err != nil {
		return decodedJWT{}, fmt.Errorf("the token's claims: %w", err)
	}
	return d, nil
}

func decodeSegment(seg string, into *map[string]any) error {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return errors.New("not base64url")
	}
	if err := json.Unmarshal(b, into); err != nil || *into == nil {
		return errors.New("not a JSON object")
	}
	return nil
}

// headerEvidence names the header fields and gives alg and typ, which describe the format and
// identify no one.
func (d decodedJWT) headerEvidence() string {
	s := "header: " + strings.Join(sortedKeys(d.header), ", ")
	for _, k := range []string{"alg", "typ"} {
		if v, ok := d.header[k].(string); ok {
			s += fmt.Sprintf("; %s %s", k, clip(v, 20))
		}
	}
	return s
}

// time reads a NumericDate claim.
func (d decodedJWT) time(claim string) (time.Time, bool) {
	v, ok := d.claims[claim].(float64)
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(int64(v), 0), true
}

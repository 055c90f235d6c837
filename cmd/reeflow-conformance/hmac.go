package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/reeflow/reeflow-go/internal/hmacsig"
	"github.com/reeflow/reeflow-go/internal/transport"
	"github.com/reeflow/reeflow-go/reeflow"
)

// Messages this SDK assumes for HMAC failures.
const (
	msgInvalidSignature  = "Invalid signature"
	msgInvalidHMACFormat = "Invalid HMAC auth format"
)

// checkHMAC signs GET /connections with the SDK's signer. If Reeflow refuses it, the other
// candidate definitions are tried, paced, on the same harmless GET. With a definition that
// works, it then checks a query string and a body, and records the answers to a wrong
// signature, an old timestamp and a missing signature.
func (p *probe) checkHMAC(ctx context.Context) {
	const factCanonical = "HMAC: Reeflow accepts the SDK's canonical string (" + `METHOD "\n" PATH?QUERY "\n" TIMESTAMP "\n" hex(sha256(BODY))` + ")"
	source := Assumed // the headers are documented; the canonical string is this SDK's
	creds := reeflow.Credentials{KeyID: p.cfg.keyID, Secret: reeflow.NewSecret(p.cfg.secret)}
	if err := creds.Validate(); err != nil {
		p.record("hmac.canonical", factCanonical, source, Inconclusive, err.Error())
		return
	}
	// The SDK's own signer, timed by the server's clock as a Client corrects its own.
	sdk := transport.HMACEditor(transport.Credentials{KeyID: p.cfg.keyID, Secret: p.cfg.secret}, p.serverNow)
	r := p.send(ctx, http.MethodGet, "/connections", nil, func(req *http.Request, _ []byte) error { return sdk(req.Context(), req) })
	var accepted *hmacsig.Variant
	switch {
	case r.ok():
		accepted = &hmacsig.Default
		p.record("hmac.canonical", factCanonical, source, Confirmed, r.String())
	case r.undecided() || r.status != http.StatusUnauthorized:
		p.record("hmac.canonical", factCanonical, source, Inconclusive, r.String())
	default:
		var evidence string
		accepted, evidence = p.searchCandidates(ctx)
		p.record("hmac.canonical", factCanonical, source, Contradicted, r.String()+"; "+evidence)
	}
	p.checkHMACCoverage(ctx, accepted)
	p.checkHMACErrors(ctx, accepted)
}

// searchCandidates tries the other definitions on GET /connections, pausing between them, and
// returns the first that Reeflow accepts. Candidates that build the same string as one already
// tried for this request (such as "query excluded", on a request without a query) are skipped.
func (p *probe) searchCandidates(ctx context.Context) (*hmacsig.Variant, string) {
	candidates := hmacsig.Candidates()
	probeMsg := &hmacsig.Message{Method: http.MethodGet, EscapedPath: "/connections", Unix: 1}
	built := map[string]bool{string(candidates[0].Append(nil, probeMsg)): true}
	tried, same := 0, 0
	for i := range candidates[1:] {
		v := &candidates[i+1]
		s := string(v.Append(nil, probeMsg))
		if built[s] {
			same++
			continue
		}
		built[s] = true
		if err := p.sleep(ctx, p.cfg.pace); err != nil {
			return nil, fmt.Sprintf("stopped after %d candidates: %v", tried, err)
		}
		tried++
		r := p.send(ctx, http.MethodGet, "/connections", nil, p.signWith(v, 0))
		switch {
		case r.ok():
			return v, fmt.Sprintf("Reeflow accepts candidate %q: %s (tried %d)", v.Name, v, tried)
		case errors.Is(r.err, errBudget):
			return nil, fmt.Sprintf("stopped after %d candidates: %v", tried, r.err)
		case r.undecided():
			return nil, fmt.Sprintf("stopped after %d candidates: candidate %q got %s", tried, v.Name, r)
		}
	}
	return nil, fmt.Sprintf("none of the %d other candidates was accepted (skipped %d that %s the same string on this request)", tried, same, plural(same, "builds", "build"))
}

// signWith signs in HMAC mode with v, its timestamp offset from the server's clock.
func (p *probe) signWith(v *hmacsig.Variant, offset time.Duration) signer {
	key := hmacsig.NewKey([]byte(p.cfg.secret))
	return func(req *http.Request, body []byte) error {
		unix := p.serverNow().Add(offset).Unix()
		canonical := v.Append(nil, &hmacsig.Message{
			Method: req.Method, EscapedPath: req.URL.EscapedPath(), RawQuery: req.URL.RawQuery,
			ContentType: req.Header.Get("Content-Type"), Unix: unix, Body: body,
		})
		req.Header.Set(hmacsig.HeaderKey, p.cfg.keyID)
		req.Header.Set(hmacsig.HeaderTimestamp, strconv.FormatInt(unix, 10))
		req.Header.Set(hmacsig.HeaderSignature, string(key.AppendSignature(nil, canonical)))
		return nil
	}
}

// checkHMACCoverage checks, with the accepted definition, that the query string is covered
// and that a request with a body is accepted.
func (p *probe) checkHMACCoverage(ctx context.Context, accepted *hmacsig.Variant) {
	const (
		factQuery = "HMAC: the signature covers the query string"
		factBody  = "HMAC: a signed request with a body (POST /sessions) is accepted"
	)
	if accepted == nil {
		p.record("hmac.query", factQuery, Assumed, Skipped, "no accepted canonical string to build on")
		p.record("hmac.body", factBody, Assumed, Skipped, "no accepted canonical string to build on")
		return
	}
	const path = "/connections?reeflow_conformance=1"
	withQuery, withoutQuery := *accepted, *accepted
	withQuery.ExcludeQuery, withoutQuery.ExcludeQuery = false, true
	r := p.send(ctx, http.MethodGet, path, nil, p.signWith(&withQuery, 0))
	switch {
	case r.ok():
		p.record("hmac.query", factQuery, Assumed, Confirmed, "GET "+path+" signed with the query: "+r.String())
	case r.undecided() || r.status != http.StatusUnauthorized:
		p.record("hmac.query", factQuery, Assumed, Inconclusive, "GET "+path+": "+r.String())
	default:
		r2 := p.send(ctx, http.MethodGet, path, nil, p.signWith(&withoutQuery, 0))
		result, evidence := Inconclusive, fmt.Sprintf("GET %s signed with the query: %s; without: %s", path, r, r2)
		if r2.ok() {
			result, evidence = Contradicted, evidence+fmt.Sprintf("; Reeflow signs %s", withoutQuery)
		}
		p.record("hmac.query", factQuery, Assumed, result, evidence)
	}

	body, _ := json.Marshal(map[string]any{"user": map[string]string{"id": probeUserID}})
	r = p.send(ctx, http.MethodPost, "/sessions", body, p.signWith(accepted, 0))
	p.sessionShape(r) // keeps the token secret
	switch {
	case r.ok():
		p.record("hmac.body", factBody, Assumed, Confirmed, r.String())
	case r.undecided():
		p.record("hmac.body", factBody, Assumed, Inconclusive, r.String())
	default:
		p.record("hmac.body", factBody, Assumed, Contradicted, r.String()+" (the body's encoding or the Content-Type differs)")
	}
}

// checkHMACErrors records Reeflow's answers to a wrong signature, a timestamp ten minutes old
// and a missing signature header, signed with the accepted definition (or the SDK's) so that
// only the one thing is wrong.
func (p *probe) checkHMACErrors(ctx context.Context, accepted *hmacsig.Variant) {
	v := accepted
	if v == nil {
		v = &hmacsig.Default
	}
	const (
		factBadSignature = `HMAC: a wrong signature → 401 "Invalid signature"`
		factOldRefused   = "HMAC: a timestamp 10 minutes old is refused (the window is about 5 minutes)"
		factOldMessage   = `HMAC: a timestamp 10 minutes old → 401 "Request timestamp expired" (the SDK corrects its clock on it)`
		factMissing      = `HMAC: no X-API-Signature header → 401 "Invalid HMAC auth format"`
	)
	sign := p.signWith(v, 0)
	wrong := func(req *http.Request, body []byte) error {
		if err := sign(req, body); err != nil {
			return err
		}
		sig := []byte(req.Header.Get(hmacsig.HeaderSignature))
		if sig[0] == '0' { // still lower-case hex, no longer the signature
			sig[0] = '1'
		} else {
			sig[0] = '0'
		}
		req.Header.Set(hmacsig.HeaderSignature, string(sig))
		return nil
	}
	result, evidence := expectError(p.send(ctx, http.MethodGet, "/connections", nil, wrong), http.StatusUnauthorized, msgInvalidSignature)
	p.record("hmac.bad-signature", factBadSignature, Assumed, result, evidence)

	r := p.send(ctx, http.MethodGet, "/connections", nil, p.signWith(v, -10*time.Minute))
	switch {
	case r.undecided():
		p.record("hmac.old-timestamp", factOldRefused, Documented, Inconclusive, r.String())
	case r.ok():
		p.record("hmac.old-timestamp", factOldRefused, Documented, Contradicted, r.String())
	case accepted == nil:
		p.record("hmac.old-timestamp", factOldRefused, Documented, Inconclusive, r.String()+" (but no signature was accepted at all)")
	default:
		p.record("hmac.old-timestamp", factOldRefused, Documented, Confirmed, r.String())
	}
	result, evidence = expectError(r, http.StatusUnauthorized, hmacsig.MessageTimestampExpired)
	p.record("hmac.old-timestamp.message", factOldMessage, Assumed, result, evidence)

	missing := func(req *http.Request, body []byte) error {
		if err := sign(req, body); err != nil {
			return err
		}
		req.Header.Del(hmacsig.HeaderSignature)
		return nil
	}
	result, evidence = expectError(p.send(ctx, http.MethodGet, "/connections", nil, missing), http.StatusUnauthorized, msgInvalidHMACFormat)
	p.record("hmac.missing-signature", factMissing, Assumed, result, evidence)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

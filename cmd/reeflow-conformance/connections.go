package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/reeflow/reeflow-go/internal/safetext"
)

// connectionFields are the fields openapi.yaml assumes a connection has.
var connectionFields = []string{"id", "name", "type", "config", "created_at", "updated_at"}

// checkConnectionList reads GET /connections with Basic auth: its shape, its elements, and
// the headers every response is assumed to carry.
func (p *probe) checkConnectionList(ctx context.Context) {
	source := p.opSource(http.MethodGet, "/connections")
	r := p.send(ctx, http.MethodGet, "/connections", nil, p.withBasic)
	p.checkHeaders(r)

	switch {
	case r.ok():
		p.record("auth.basic.accepted", "Basic with the key is accepted", Documented, Confirmed, r.String())
	case r.undecided():
		p.record("auth.basic.accepted", "Basic with the key is accepted", Documented, Inconclusive, r.String())
	default:
		p.record("auth.basic.accepted", "Basic with the key is accepted", Documented, Contradicted, r.String())
	}

	const (
		factShape  = "GET /connections → 200 with a JSON array of connections"
		factFields = "a listed connection has id, name, type, config, created_at, updated_at"
		factIDs    = "connection IDs start with conn_"
		factSecret = "no listed connection carries a password or token" //nolint:gosec // a sentence, not a credential
	)
	if !r.ok() {
		result := Contradicted
		if r.undecided() {
			result = Inconclusive
		}
		p.record("connections.list", factShape, source, result, r.String())
		for _, f := range []struct{ id, fact string }{{"connections.list.fields", factFields}, {"connections.list.ids", factIDs}, {"connections.list.no-secrets", factSecret}} {
			p.record(f.id, f.fact, Assumed, Skipped, "GET /connections failed")
		}
		return
	}
	elems, shape, isArray, err := listShape(r.body)
	switch {
	case err != nil:
		p.record("connections.list", factShape, source, Contradicted, fmt.Sprintf("%d, %v", r.status, err))
	case r.status != http.StatusOK || !isArray:
		p.record("connections.list", factShape, source, Contradicted, fmt.Sprintf("%d, %s", r.status, shape))
	default:
		p.record("connections.list", factShape, source, Confirmed, fmt.Sprintf("%d, %s", r.status, shape))
	}
	if len(elems) == 0 {
		const none = "no connection to look at (with -write, the throwaway connection is checked)"
		p.record("connections.list.fields", factFields, Assumed, Inconclusive, none)
		p.record("connections.list.ids", factIDs, Documented, Inconclusive, none)
		p.record("connections.list.no-secrets", factSecret, Documented, Inconclusive, none)
		return
	}
	result, evidence := checkFields(elems, connectionFields)
	p.record("connections.list.fields", factFields, Assumed, result, evidence)
	p.checkIDs("connections.list.ids", factIDs, elems)
	var found []string
	for _, e := range elems {
		b, _ := json.Marshal(e)
		found = append(found, findSecretFields(b)...)
	}
	if len(found) > 0 {
		p.record("connections.list.no-secrets", factSecret, Documented, Contradicted, "fields present: "+strings.Join(dedupe(found), ", "))
	} else {
		p.record("connections.list.no-secrets", factSecret, Documented, Confirmed, fmt.Sprintf("%d checked, no password or token field", len(elems)))
	}
}

func (p *probe) checkIDs(id, fact string, elems []map[string]json.RawMessage) {
	bad := 0
	for _, e := range elems {
		var v string
		if json.Unmarshal(e["id"], &v) != nil || !strings.HasPrefix(v, "conn_") {
			bad++
		}
	}
	if bad > 0 {
		p.record(id, fact, Documented, Contradicted, fmt.Sprintf("%d of %d IDs do not", bad, len(elems)))
		return
	}
	p.record(id, fact, Documented, Confirmed, fmt.Sprintf("%d checked", len(elems)))
}

// checkHeaders records what the headers of an authenticated response say: a request ID, rate
// limits, a Date.
func (p *probe) checkHeaders(r reply) {
	if r.err != nil {
		for _, f := range [][2]string{{"headers.request-id", factRequestID}, {"headers.rate-limit", factRateLimit}, {"headers.date", factDate}} {
			p.record(f[0], f[1], Assumed, Inconclusive, r.String())
		}
		return
	}
	var requestIDs, rateLimits []string
	for name := range r.header {
		lower := strings.ToLower(name)
		switch {
		case strings.Contains(lower, "request-id"), strings.Contains(lower, "requestid"), strings.Contains(lower, "correlation"), strings.Contains(lower, "trace"):
			requestIDs = append(requestIDs, name)
		case strings.Contains(lower, "ratelimit"), strings.Contains(lower, "rate-limit"):
			rateLimits = append(rateLimits, name)
		}
	}
	requestIDs, rateLimits = dedupe(requestIDs), dedupe(rateLimits)
	switch {
	case r.header.Get("X-Request-Id") != "":
		p.record("headers.request-id", factRequestID, Assumed, Confirmed, "present: "+strings.Join(requestIDs, ", "))
	case len(requestIDs) > 0:
		p.record("headers.request-id", factRequestID, Assumed, Contradicted, "absent; request-ID-like headers: "+strings.Join(requestIDs, ", "))
	default:
		p.record("headers.request-id", factRequestID, Assumed, Contradicted, "absent, and no other request-ID-like header")
	}
	if len(rateLimits) > 0 {
		p.record("headers.rate-limit", factRateLimit, Assumed, Contradicted, "present: "+strings.Join(rateLimits, ", "))
	} else {
		p.record("headers.rate-limit", factRateLimit, Assumed, Confirmed, "none")
	}
	if skew, ok := p.learnSkew(r); ok {
		p.record("headers.date", factDate, Assumed, Confirmed, fmt.Sprintf("present; the server's clock is %s from this machine's", skew))
	} else {
		p.record("headers.date", factDate, Assumed, Contradicted, "absent or not an HTTP date")
	}
}

const (
	factRequestID = "responses carry X-Request-Id (the SDK reports it in errors)"
	factRateLimit = "responses carry no rate-limit headers (the SDK relies on 429 and Retry-After)"
	factDate      = "responses carry a Date header (the SDK's HMAC clock correction reads it)"
)

// checkConnectionLifecycle creates a throwaway connection, reads, renames and deletes it, and
// reads it again. Only with -write; the connection is deleted whatever happens.
func (p *probe) checkConnectionLifecycle(ctx context.Context) {
	steps := []struct{ id, fact, method, path string }{
		{"connections.create", "POST /connections → 201 with the connection, without its password", http.MethodPost, "/connections"},
		{"connections.create.id", "a created connection's ID starts with conn_", "", ""},
		{"connections.get", "GET /connections/{id} → 200 with the connection", http.MethodGet, "/connections/{connection_id}"},
		{"connections.update", "PATCH /connections/{id} with a new name → 200 with the renamed connection", http.MethodPatch, "/connections/{connection_id}"},
		{"connections.delete", "DELETE /connections/{id} → 204", http.MethodDelete, "/connections/{connection_id}"},
		{"connections.get.deleted", `GET /connections/{id} after the delete → 404 "Connection not found"`, http.MethodGet, "/connections/{connection_id}"},
	}
	source := func(i int) Source {
		if steps[i].method == "" {
			return Documented // connection IDs starting with conn_ are documented
		}
		return p.opSource(steps[i].method, steps[i].path)
	}
	done := 0
	record := func(result Result, evidence string) {
		p.record(steps[done].id, steps[done].fact, source(done), result, evidence)
		done++
	}
	defer func() {
		for ; done < len(steps); done++ {
			evidence := "not tried: an earlier step failed"
			if !p.cfg.write {
				evidence = "not tried: needs -write"
			}
			p.record(steps[done].id, steps[done].fact, source(done), Skipped, evidence)
		}
	}()
	if !p.cfg.write {
		return
	}

	suffix := randomHex(6)
	name := "reeflow-conformance-" + suffix + " (throwaway, safe to delete)"
	password := "rc-" + randomHex(16)
	p.keepSecret(password)
	body, _ := json.Marshal(map[string]any{
		"name": name,
		"type": "pg",
		"config": map[string]any{
			// 192.0.2.1 is TEST-NET-1 (RFC 5737): nothing answers there.
			"host": "192.0.2.1", "port": 5432, "database": "reeflow_conformance",
			"user": "reeflow_conformance", "password": password, "ssl": true,
		},
	})
	r := p.send(ctx, http.MethodPost, "/connections", body, p.withBasic)
	obj, err := objectShape(r.body)
	var id string
	if r.ok() && err == nil {
		_ = json.Unmarshal(obj["id"], &id)
	}
	// Without an ID from a clear answer (a timeout while Reeflow tries the unroutable host, a
	// 5xx, an unreadable body), the connection may exist all the same: look for it by name.
	lookup := id == "" && !errors.Is(r.err, errBudget) && (r.err != nil || r.ok() || r.status >= 500)
	defer func() {
		cleanupCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
		defer cancel()
		if lookup {
			id = p.findPendingConnection(cleanupCtx, name)
		}
		if id != "" {
			p.deleteConnection(cleanupCtx, id, name)
		}
	}()
	switch {
	case !r.ok() || err != nil:
		result := Contradicted
		if r.undecided() {
			result = Inconclusive
		}
		evidence := r.String()
		if err != nil && r.ok() {
			evidence += ", " + err.Error()
		}
		record(result, evidence)
		return
	case id == "":
		record(Contradicted, fmt.Sprintf("%d, no id field", r.status))
		return
	}
	result, evidence := p.connectionEvidence(r, obj, http.StatusCreated, password)
	record(result, evidence)
	if strings.HasPrefix(id, "conn_") {
		record(Confirmed, "it does")
	} else {
		record(Contradicted, "it does not")
	}

	path := "/connections/" + url.PathEscape(id)
	r = p.send(ctx, http.MethodGet, path, nil, p.withBasic)
	obj, _ = objectShape(r.body)
	result, evidence = p.connectionEvidence(r, obj, http.StatusOK, password)
	record(result, evidence)

	newName := "reeflow-conformance-" + suffix + " renamed (throwaway, safe to delete)"
	body, _ = json.Marshal(map[string]string{"name": newName})
	r = p.send(ctx, http.MethodPatch, path, body, p.withBasic)
	obj, _ = objectShape(r.body)
	result, evidence = p.connectionEvidence(r, obj, http.StatusOK, password)
	var gotName string
	if result == Confirmed && (json.Unmarshal(obj["name"], &gotName) != nil || gotName != newName) {
		result, evidence = Contradicted, evidence+"; the name did not change"
	}
	record(result, evidence)

	r = p.send(ctx, http.MethodDelete, path, nil, p.withBasic)
	switch {
	case r.status == http.StatusNoContent:
		record(Confirmed, r.String())
	case r.undecided():
		record(Inconclusive, r.String())
	default:
		record(Contradicted, r.String())
	}
	if !r.ok() {
		return // the deferred delete tries again
	}
	id = "" // deleted: nothing left to clean up
	r = p.send(ctx, http.MethodGet, path, nil, p.withBasic)
	result, evidence = expectError(r, http.StatusNotFound, "Connection not found")
	record(result, evidence)
}

// connectionEvidence checks a response that should be one connection, with the given status
// and without the password that was sent.
func (p *probe) connectionEvidence(r reply, obj map[string]json.RawMessage, status int, password string) (Result, string) {
	switch {
	case r.undecided():
		return Inconclusive, r.String()
	case r.status != status:
		return Contradicted, r.String()
	case obj == nil:
		return Contradicted, fmt.Sprintf("%d, the body is not a JSON object", r.status)
	}
	result, evidence := checkFields([]map[string]json.RawMessage{obj}, connectionFields)
	evidence = fmt.Sprintf("%d, %s", r.status, evidence)
	b, _ := json.Marshal(obj)
	if secrets := findSecretFields(b); len(secrets) > 0 || strings.Contains(string(r.body), password) {
		return Contradicted, evidence + "; the password came back (fields: " + strings.Join(secrets, ", ") + ")"
	}
	return result, evidence + "; no password"
}

// deleteConnection is the clean-up of checkConnectionLifecycle: it runs even when a step
// failed, the run's deadline passed or the budget is spent, and says so if it cannot delete.
// The ID and the reply are the server's text: escaped and bounded before they are printed.
func (p *probe) deleteConnection(ctx context.Context, id, name string) {
	r := p.sendUnbudgeted(ctx, http.MethodDelete, "/connections/"+url.PathEscape(id), nil, p.withBasic)
	shownID := p.safe(id, safetext.MaxID)
	switch {
	case r.ok():
		fmt.Fprintf(p.stderr, "reeflow-conformance: deleted the throwaway connection %s\n", shownID)
	case r.status == http.StatusNotFound:
		fmt.Fprintf(p.stderr, "reeflow-conformance: the throwaway connection %s is gone\n", shownID)
	default:
		p.leftBehind = fmt.Sprintf("could not delete the throwaway connection %s (%q): %s; delete it in the Reeflow Console",
			shownID, name, p.safe(r.String(), maxEvidence))
	}
}

// recheckPauses are the pauses before each new look for a throwaway connection whose create got
// no usable answer: a server still creating it when the probe gave up (Ctrl-C, a timeout) may
// finish a moment later. About 7 seconds in all, well within the clean-up's 20.
var recheckPauses = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}

// findPendingConnection looks for the connection named name until it appears, or the pauses
// are spent; then it reports that the connection may still appear.
func (p *probe) findPendingConnection(ctx context.Context, name string) string {
	for i := 0; ; i++ {
		id, ok := p.findConnection(ctx, name)
		switch {
		case !ok:
			return "" // could not look: findConnection said so
		case id != "":
			return id
		case i == len(recheckPauses) || p.sleep(ctx, recheckPauses[i]) != nil:
			p.leftBehind = fmt.Sprintf("the create of the throwaway connection %q got no answer and the connection was not "+
				"found, but the server may still create it: if it appears, delete it in the Reeflow Console", name)
			return ""
		}
	}
}

// findConnection returns the ID of the connection named name, or "" when there is none; ok is
// false when it could not look, which it records in leftBehind.
func (p *probe) findConnection(ctx context.Context, name string) (id string, ok bool) {
	r := p.sendUnbudgeted(ctx, http.MethodGet, "/connections", nil, p.withBasic)
	elems, _, _, err := listShape(r.body)
	if !r.ok() || err != nil {
		p.leftBehind = fmt.Sprintf("could not check whether the throwaway connection %q was created (GET /connections: %s); look for it in the Reeflow Console",
			name, p.safe(r.String(), maxEvidence))
		return "", false
	}
	for _, e := range elems {
		var n string
		if json.Unmarshal(e["name"], &n) == nil && n == name && json.Unmarshal(e["id"], &id) == nil {
			return id, true
		}
	}
	return "", true
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// dedupe sorts s and drops repeats.
func dedupe(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// apiKeyFields are the fields openapi.yaml assumes an API key has.
var apiKeyFields = []string{"id", "name", "enabled", "created_at", "last_used_at"}

// checkAPIKeys reads GET /api-keys and GET /api-keys/{id} for the probe's own key. Neither
// endpoint is documented; the keys' last_used_at field is.
func (p *probe) checkAPIKeys(ctx context.Context) {
	const (
		factList     = "GET /api-keys → 200 with a JSON array of keys"
		factFields   = "an API key has id, name, enabled, created_at, last_used_at, and no secret"
		factLastUsed = "API keys carry last_used_at"
		factGet      = "GET /api-keys/{id} → 200 with the key"
	)
	r := p.send(ctx, http.MethodGet, "/api-keys", nil, p.withBasic)
	source := p.opSource(http.MethodGet, "/api-keys")
	var elems []map[string]json.RawMessage
	switch {
	case r.undecided():
		p.record("apikeys.list", factList, source, Inconclusive, r.String())
	case !r.ok():
		p.record("apikeys.list", factList, source, Contradicted, r.String())
	default:
		var shape string
		var isArray bool
		var err error
		elems, shape, isArray, err = listShape(r.body)
		switch {
		case err != nil:
			p.record("apikeys.list", factList, source, Contradicted, fmt.Sprintf("%d, %v", r.status, err))
		case r.status != http.StatusOK || !isArray:
			p.record("apikeys.list", factList, source, Contradicted, fmt.Sprintf("%d, %s", r.status, shape))
		default:
			p.record("apikeys.list", factList, source, Confirmed, fmt.Sprintf("%d, %s", r.status, shape))
		}
	}

	g := p.send(ctx, http.MethodGet, "/api-keys/"+url.PathEscape(p.cfg.keyID), nil, p.withBasic)
	getSource := p.opSource(http.MethodGet, "/api-keys/{api_key_id}")
	var key map[string]json.RawMessage
	switch {
	case g.undecided():
		p.record("apikeys.get", factGet, getSource, Inconclusive, g.String())
	case !g.ok():
		p.record("apikeys.get", factGet, getSource, Contradicted, g.String())
	default:
		var err error
		if key, err = objectShape(g.body); err != nil || g.status != http.StatusOK {
			p.record("apikeys.get", factGet, getSource, Contradicted, fmt.Sprintf("%s; %v", g, err))
		} else {
			var id string
			_ = json.Unmarshal(key["id"], &id)
			result, evidence := Confirmed, g.String()+", the probe's own key"
			if id != p.cfg.keyID {
				result, evidence = Contradicted, g.String()+", but not the key asked for"
			}
			p.record("apikeys.get", factGet, getSource, result, evidence)
			elems = append(elems, key)
		}
	}

	if len(elems) == 0 {
		p.record("apikeys.fields", factFields, Assumed, Inconclusive, "no key to look at")
		p.record("apikeys.last-used-at", factLastUsed, Documented, Inconclusive, "no key to look at")
		return
	}
	result, evidence := checkFields(elems, apiKeyFields)
	var secrets []string
	for _, e := range elems {
		b, _ := json.Marshal(e)
		secrets = append(secrets, findSecretFields(b)...)
	}
	if len(secrets) > 0 {
		result, evidence = Contradicted, evidence+"; secret-like fields: "+strings.Join(dedupe(secrets), ", ")
	}
	p.record("apikeys.fields", factFields, Assumed, result, evidence)
	missing := 0
	for _, e := range elems {
		if _, ok := e["last_used_at"]; !ok {
			missing++
		}
	}
	if missing > 0 {
		p.record("apikeys.last-used-at", factLastUsed, Documented, Contradicted, fmt.Sprintf("%d of %d keys lack it", missing, len(elems)))
	} else {
		p.record("apikeys.last-used-at", factLastUsed, Documented, Confirmed, fmt.Sprintf("%d checked", len(elems)))
	}
}

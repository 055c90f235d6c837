package main

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"os"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// checkOpenAPI fetches Reeflow's OpenAPI document, saves it when asked, and reports how it
// differs from openapi.yaml.
func (p *probe) checkOpenAPI(ctx context.Context) {
	const (
		factServed     = "GET /openapi serves Reeflow's OpenAPI document"
		factOperations = "every operation of openapi.yaml is in Reeflow's document"
		factStatuses   = "shared operations list the status codes openapi.yaml lists"
		factFields     = "shared operations' JSON bodies have the top-level fields openapi.yaml lists"
	)
	source := p.opSource(http.MethodGet, "/openapi")
	skipRest := func(result Result, why string) {
		p.record("openapi.operations", factOperations, Assumed, result, why)
		p.record("openapi.statuses", factStatuses, Assumed, result, why)
		p.record("openapi.fields", factFields, Assumed, result, why)
	}
	r := p.send(ctx, http.MethodGet, "/openapi", nil, p.withBasic)
	where := "/openapi"
	if r.ok() && isHTML(r) {
		// NestJS serves a documentation page at the document's path and the JSON beside it.
		where = "/openapi-json"
		r = p.send(ctx, http.MethodGet, where, nil, p.withBasic)
	}
	switch {
	case r.undecided():
		p.record("openapi.served", factServed, source, Inconclusive, r.String())
		skipRest(Inconclusive, "no document")
		return
	case !r.ok():
		p.record("openapi.served", factServed, source, Contradicted, r.String())
		skipRest(Inconclusive, "no document")
		return
	}
	theirs, err := openapi3.NewLoader().LoadFromData(r.body)
	if err != nil || theirs.Paths == nil || theirs.Paths.Len() == 0 {
		p.record("openapi.served", factServed, source, Contradicted, fmt.Sprintf("GET %s: %s, not an OpenAPI document (%v)", where, r, err))
		skipRest(Inconclusive, "no document")
		return
	}
	d := diffSpecs(p.ours, theirs)
	evidence := fmt.Sprintf("GET %s: %s; OpenAPI %s, %d operations", where, r, theirs.OpenAPI, d.theirOps)
	if len(d.onlyTheirs) > 0 {
		evidence += fmt.Sprintf(" (%d not in openapi.yaml: %s)", len(d.onlyTheirs), strings.Join(d.onlyTheirs, ", "))
	}
	if p.cfg.saveSpec != "" {
		if err := os.WriteFile(p.cfg.saveSpec, r.body, 0o600); err != nil {
			evidence += "; not saved: " + err.Error()
		} else {
			evidence += "; saved to " + p.cfg.saveSpec
		}
	}
	p.record("openapi.served", factServed, source, Confirmed, evidence)
	p.recordDiff("openapi.operations", factOperations, d.onlyOurs, "only in openapi.yaml: ")
	p.recordDiff("openapi.statuses", factStatuses, d.statuses, "")
	p.recordDiff("openapi.fields", factFields, d.fields, "")
}

func (p *probe) recordDiff(id, fact string, diffs []string, prefix string) {
	if len(diffs) == 0 {
		p.record(id, fact, Assumed, Confirmed, "no difference")
		return
	}
	p.record(id, fact, Assumed, Contradicted, prefix+strings.Join(diffs, "; "))
}

func isHTML(r reply) bool {
	media, _, _ := mime.ParseMediaType(r.header.Get("Content-Type"))
	return media == "text/html"
}

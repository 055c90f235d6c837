package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/reeflow/reeflow-go/reeflow"
)

// connectionType is a connection type of openapi.yaml and the config schema it assumes.
type connectionType struct {
	value    string   // the "type" value, such as "bigquery"
	schema   string   // the config schema's name, such as "BigQueryConfig"
	fields   []string // the config's fields, sorted
	required []string // those openapi.yaml requires, sorted
}

// connectionTypes reads the connection types from openapi.yaml's CreateConnectionRequest, in
// its order, so that the probe checks what the spec says, whatever it grows to.
func (p *probe) connectionTypes() []connectionType {
	req := p.ours.Components.Schemas["CreateConnectionRequest"]
	if req == nil || req.Value == nil || req.Value.Discriminator == nil {
		return nil
	}
	var out []connectionType
	for _, ref := range req.Value.OneOf {
		for value, target := range req.Value.Discriminator.Mapping {
			if target.Ref != ref.Ref || ref.Value == nil || ref.Value.Properties["config"] == nil {
				continue
			}
			config := ref.Value.Properties["config"]
			t := connectionType{value: value, schema: config.Ref[strings.LastIndex(config.Ref, "/")+1:], required: slices.Sorted(slices.Values(config.Value.Required))}
			t.fields = slices.Sorted(func(yield func(string) bool) {
				for name := range config.Value.Properties {
					if !yield(name) {
						return
					}
				}
			})
			out = append(out, t)
		}
	}
	return out
}

// probeType is the "type" of the create that asks Reeflow which types it accepts: no type
// has this name, so the create cannot succeed.
const probeType = "reeflow-conformance-no-such-type"

// checkConnectionTypes learns from Reeflow's own validation what openapi.yaml assumes about
// connection types and their config fields: one create with a type no server has, then, per
// type, one create with an empty config. None of them can reach a database, and none should
// create anything; one that does is deleted and reported. Only with -write.
func (p *probe) checkConnectionTypes(ctx context.Context) {
	types := p.connectionTypes()
	values := make([]string, len(types))
	for i, t := range types {
		values[i] = t.value
	}
	factTypes := fmt.Sprintf("the connection types are %s (a create with an unknown type is refused, naming them)", strings.Join(values, ", "))
	if !p.cfg.write {
		p.record("connections.types", factTypes, Assumed, Skipped, "not tried: needs -write")
		for _, t := range types {
			p.record("connections.config."+t.value, t.fact(), p.schemaSource(t.schema), Skipped, "not tried: needs -write")
		}
		return
	}
	r, created := p.incompleteCreate(ctx, probeType)
	result, evidence := typesEvidence(r, created, values)
	p.record("connections.types", factTypes, Assumed, result, evidence)
	for _, t := range types {
		r, created := p.incompleteCreate(ctx, t.value)
		result, evidence := t.evidence(r, created)
		p.record("connections.config."+t.value, t.fact(), p.schemaSource(t.schema), result, evidence)
	}
}

func (t connectionType) fact() string {
	return fmt.Sprintf("type %q takes a config with %s (openapi.yaml's %s; required: %s)",
		t.value, strings.Join(t.fields, ", "), t.schema, strings.Join(t.required, ", "))
}

// incompleteCreate sends a create of the given type with an empty config, which no server
// should accept. When it is accepted all the same, or its answer is unclear, the connection is
// looked for and deleted; created is its ID.
func (p *probe) incompleteCreate(ctx context.Context, typ string) (r reply, created string) {
	if ctx.Err() != nil { // the run is over (interrupted, or out of time): send nothing more
		return reply{err: context.Cause(ctx)}, ""
	}
	name := "reeflow-conformance-" + randomHex(6) + " (throwaway, safe to delete)"
	body, _ := json.Marshal(map[string]any{"name": name, "type": typ, "config": map[string]any{}})
	r = p.send(ctx, http.MethodPost, "/connections", body, p.withBasic)
	var id string
	if obj, err := objectShape(r.body); r.ok() && err == nil {
		_ = json.Unmarshal(obj["id"], &id)
	}
	unclear := (r.err != nil && !errors.Is(r.err, errBudget)) || r.status >= 500
	if !r.ok() && !unclear {
		return r, "" // refused: nothing was created
	}
	cleanupCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	earlier := p.leftBehind
	defer func() { // what an earlier step left behind is still reported, first
		if earlier != "" && p.leftBehind != earlier {
			p.leftBehind = earlier + "; " + p.leftBehind
		}
	}()
	switch {
	case id == "" && unclear:
		// No usable answer: the server may still be creating it, as for the lifecycle's
		// throwaway connection. Not found after the pauses, it is named on stderr (exit 3).
		id = p.findPendingConnection(cleanupCtx, name)
	case id == "":
		id, _ = p.findConnection(cleanupCtx, name)
	}
	if id == "" {
		return r, ""
	}
	fmt.Fprintf(p.stderr, "reeflow-conformance: a create of type %q with an empty config was not refused\n", typ)
	p.deleteConnection(cleanupCtx, id, name)
	return r, id
}

// typesEvidence reads the accepted types from the answer to a create with an unknown type, as
// NestJS words it: "type must be one of the following values: pg, tinybird".
func typesEvidence(r reply, created string, ours []string) (Result, string) {
	switch {
	case created != "":
		return Contradicted, fmt.Sprintf("a create with type %q was accepted (connection %s; its clean-up is reported on stderr)", probeType, created)
	case r.undecided():
		return Inconclusive, r.String()
	case r.status != http.StatusBadRequest || r.apiError() == nil:
		return Contradicted, r.String()
	}
	for _, m := range r.apiError().Messages {
		_, list, found := strings.Cut(m, "one of")
		if !found {
			continue
		}
		if _, after, ok := strings.Cut(list, ":"); ok {
			list = after
		}
		var theirs []string
		for v := range strings.FieldsFuncSeq(list, func(r rune) bool { return r == ',' || r == ' ' || r == '"' || r == '\'' || r == '[' || r == ']' }) {
			theirs = append(theirs, v)
		}
		if len(theirs) == 0 {
			continue
		}
		onlyOurs, onlyTheirs := difference(ours, theirs), difference(theirs, ours)
		if len(onlyOurs) == 0 && len(onlyTheirs) == 0 {
			return Confirmed, "Reeflow accepts " + strings.Join(theirs, ", ")
		}
		evidence := "Reeflow accepts " + strings.Join(theirs, ", ")
		if len(onlyOurs) > 0 {
			evidence += "; not " + strings.Join(onlyOurs, ", ")
		}
		return Contradicted, evidence
	}
	return Inconclusive, "the 400 lists no accepted types: " + r.String()
}

// evidence reads which config fields Reeflow names when it refuses an empty config of the type.
func (t connectionType) evidence(r reply, created string) (Result, string) {
	switch {
	case created != "":
		return Contradicted, fmt.Sprintf("a create with an empty config was accepted (connection %s; its clean-up is reported on stderr), though openapi.yaml requires %s",
			created, strings.Join(t.required, ", "))
	case r.undecided():
		return Inconclusive, r.String()
	case r.status != http.StatusBadRequest || r.apiError() == nil:
		return Contradicted, r.String()
	}
	named, typeRefused := configFieldNames(r.apiError().Messages)
	switch {
	case len(named) == 0 && typeRefused:
		return Contradicted, fmt.Sprintf("Reeflow refuses the type %q: %s", t.value, r.String())
	case len(named) == 0:
		return Inconclusive, "the 400 names no config field: " + r.String()
	}
	if foreign := difference(named, t.fields); len(foreign) > 0 {
		return Contradicted, fmt.Sprintf("Reeflow names %s, which openapi.yaml's %s does not have (it has %s)",
			strings.Join(foreign, ", "), t.schema, strings.Join(t.fields, ", "))
	}
	evidence := "Reeflow names " + strings.Join(named, ", ")
	if optional := difference(named, t.required); len(optional) > 0 {
		evidence += "; it demands " + strings.Join(optional, ", ") + ", optional in openapi.yaml"
	}
	if unnamed := difference(t.required, named); len(unnamed) > 0 {
		evidence += "; it does not name " + strings.Join(unnamed, ", ")
	}
	return Confirmed, evidence
}

// fieldPath is a message's leading field path, as kin-openapi ("config.host: …") and NestJS's
// class-validator ("config.host must be a string") both start their messages.
var fieldPath = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)(:|\s+(?:must|should|is|has)\b)`)

// quotedName is a field named in quotes, as in `config: property "bogus" is unsupported`.
var quotedName = regexp.MustCompile(`property "([A-Za-z_][A-Za-z0-9_]*)"`)

// configFieldNames returns the config fields that validation messages name, sorted, and
// whether one of them is about the type itself.
func configFieldNames(messages []string) (names []string, typeRefused bool) {
	for _, m := range messages {
		match := fieldPath.FindStringSubmatch(m)
		if match == nil {
			continue
		}
		path := match[1]
		switch {
		case path == "type":
			typeRefused = true
		case strings.HasPrefix(path, "config."):
			field, _, _ := strings.Cut(strings.TrimPrefix(path, "config."), ".")
			names = append(names, field)
		case path == "config":
			for _, q := range quotedName.FindAllStringSubmatch(m, -1) {
				names = append(names, q[1])
			}
		}
	}
	return dedupe(names), typeRefused
}

// difference returns the elements of a that are not in b.
func difference(a, b []string) []string {
	var out []string
	for _, v := range a {
		if !slices.Contains(b, v) {
			out = append(out, v)
		}
	}
	return out
}

// noteQuota keeps the first answer of the run that refused a create for a quota, for checkQuota.
func (p *probe) noteQuota(method string, r reply) {
	if p.quotaReply == nil && method == http.MethodPost && r.quotaRefusal() {
		p.quotaReply = &r
	}
}

// quotaRefusal reports whether r is a 403 that speaks of a quota, whatever its wording.
func (r reply) quotaRefusal() bool {
	if r.err != nil || r.status != http.StatusForbidden {
		return false
	}
	e := r.apiError()
	return e != nil && strings.Contains(strings.ToLower(e.Message), "quota")
}

const factQuota = `a create refused for a quota answers 403 "Quota exceeded: maximum N <resources> allowed per organization (currently: M)"`

// checkQuota reads the message of a create refused for a quota, if the run's creates met one.
func (p *probe) checkQuota() {
	switch {
	case p.quotaReply == nil && !p.cfg.write:
		p.record("quotas.message", factQuota, Documented, Skipped, "not tried: needs -write")
		return
	case p.quotaReply == nil:
		p.record("quotas.message", factQuota, Documented, Inconclusive, "no create was refused for a quota")
		return
	}
	r := *p.quotaReply
	var quota *reeflow.QuotaError
	if errors.As(&reeflow.PermissionDeniedError{APIError: r.apiError()}, &quota) && quota.Resource != "" && quota.Maximum >= 0 && quota.Current >= 0 {
		p.record("quotas.message", factQuota, Documented, Confirmed,
			fmt.Sprintf("%s; resource %s, maximum %d, currently %d", r, quota.Resource, quota.Maximum, quota.Current))
		return
	}
	p.record("quotas.message", factQuota, Documented, Contradicted, r.String())
}

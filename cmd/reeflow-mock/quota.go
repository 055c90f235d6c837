package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// quotaUsage is -quota's help text.
const quotaUsage = `limit a resource, as Reeflow's quotas do: 'connections=5' or 'api-keys=3' (repeatable).
A create beyond it gets 403 "Quota exceeded: maximum 5 connections allowed per organization
(currently: 5)". By default connections have no quota and API keys 20, as documented.`

// quotaFlags collects the -quota flags as reeflowtest options, checked when the server starts.
type quotaFlags []reeflowtest.Option

func (q *quotaFlags) String() string { return "" }

func (q *quotaFlags) Set(v string) error {
	resource, n, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("want resource=max, such as connections=5, not %q", v)
	}
	max, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil {
		return fmt.Errorf("%q: the maximum is not a whole number", v)
	}
	*q = append(*q, reeflowtest.WithQuota(strings.TrimSpace(resource), max))
	return nil
}

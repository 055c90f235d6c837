package reeflowtest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/reeflow/reeflow-go/internal/fakeapi"
)

// Quota resources: what WithQuota limits.
const (
	quotaAPIKeys     = "api-keys"
	quotaConnections = "connections"
)

// quotaNouns are the words the quota message names each resource with: the documented body
// says "API keys".
var quotaNouns = map[string]string{quotaAPIKeys: "API keys", quotaConnections: "connections"}

// defaultAPIKeyQuota is Reeflow's documented quota: "at most 20 API keys per organization".
const defaultAPIKeyQuota = 20

// WithQuota limits how many of a resource the organization may have, as Reeflow's quotas do:
// a create beyond it is refused with 403 and the documented body, {"message": "Quota exceeded:
// maximum 20 API keys allowed per organization (currently: 20)", "statusCode": 403, "error":
// "Forbidden"}, which the SDK reports as reeflow.ErrQuotaExceeded. Reading, updating and
// deleting are never limited.
//
// resource is "connections" (no quota by default: Reeflow's is not documented) or "api-keys"
// (20 by default, as documented; the fake creates keys only through AddKey and SeedAPIKey, which
// refuse a key beyond it). max must be at least 0, and at least 1 for "api-keys", which counts
// the default key.
func WithQuota(resource string, max int) Option {
	return func(c *config) error {
		if _, ok := quotaNouns[resource]; !ok {
			known := slices.Sorted(func(yield func(string) bool) {
				for k := range quotaNouns {
					if !yield(k) {
						return
					}
				}
			})
			return fmt.Errorf("reeflowtest: WithQuota: unknown resource %q: use %s", resource, strings.Join(known, " or "))
		}
		least := 0
		if resource == quotaAPIKeys {
			least = 1 // the default key
		}
		if max < least {
			return fmt.Errorf("reeflowtest: WithQuota: a quota of %d %s: it must be at least %d", max, resource, least)
		}
		if c.quotas == nil {
			c.quotas = map[string]int{}
		}
		c.quotas[resource] = max
		return nil
	}
}

// quotaExceeded returns the documented message when the organization, which has current of
// resource, may not create one more; "" when it may. The caller holds s.mu.
func (s *state) quotaExceeded(resource string, current int) string {
	max, limited := s.quotas[resource]
	if !limited || current < max {
		return ""
	}
	return fmt.Sprintf("Quota exceeded: maximum %d %s allowed per organization (currently: %d)", max, quotaNouns[resource], current)
}

// quotaError is the documented 403 body of a refused create.
func quotaError(message string) fakeapi.ForbiddenJSONResponse {
	return fakeapi.ForbiddenJSONResponse(errorBody(http.StatusForbidden, message))
}

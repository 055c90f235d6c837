package reeflow_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// A 403 whose message starts with "Quota exceeded" matches ErrQuotaExceeded and gives its
// numbers, in both of the docs' spellings; it is still a *PermissionDeniedError and matches
// ErrForbidden. Other 403s are not quota errors.
func TestQuotaExceeded(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		body             string
		quota            bool
		resource         string
		maximum, current int
	}{
		"errors page": {`{"message": "Quota exceeded: maximum 20 API keys allowed per organization (currently: 20)", "statusCode": 403, "error": "Forbidden"}`,
			true, "api-keys", 20, 20},
		"quotas page": {`{"statusCode": 403, "message": "Quota exceeded: maximum 20 api-keys allowed per organization (currently: 20)"}`,
			true, "api-keys", 20, 20},
		"another resource":     {`{"statusCode": 403, "message": "Quota exceeded: maximum 5 connections allowed per organization (currently: 7)"}`, true, "connections", 5, 7},
		"no numbers":           {`{"statusCode": 403, "message": "Quota exceeded"}`, true, "", -1, -1},
		"other wording":        {`{"statusCode": 403, "message": "Quota exceeded for connections: limit reached (currently: 3)"}`, true, "", -1, 3},
		"lower case":           {`{"statusCode": 403, "message": "quota exceeded: maximum 1 embedded users allowed per organization"}`, true, "embedded-users", 1, -1},
		"a huge number":        {`{"statusCode": 403, "message": "Quota exceeded: maximum 99999999999999999999 connections allowed (currently: 1)"}`, true, "", -1, 1},
		"a disabled key":       {`{"statusCode": 403, "message": "API key is disabled", "error": "Forbidden"}`, false, "", 0, 0},
		"a missing permission": {`{"statusCode": 403, "message": "Forbidden resource", "error": "Forbidden"}`, false, "", 0, 0},
		"too short":            {`{"statusCode": 403, "message": "Quota"}`, false, "", 0, 0},
		// The resource is server text: kept only when short and plain, else unknown (the message keeps it).
		"resource with escapes": {`{"statusCode": 403, "message": "Quota exceeded: maximum 20 \u001b[31mevil\u001b[0m\u202e allowed (currently: 20)"}`, true, "", 20, 20},
		"resource not ASCII":    {`{"statusCode": 403, "message": "Quota exceeded: maximum 20 clés allowed (currently: 20)"}`, true, "", 20, 20},
		"resource of 64 bytes":  {`{"statusCode": 403, "message": "Quota exceeded: maximum 2 ` + strings.Repeat("a", 62) + `_x allowed"}`, true, strings.Repeat("a", 62) + "_x", 2, -1},
		"resource of 65 bytes":  {`{"statusCode": 403, "message": "Quota exceeded: maximum 2 ` + strings.Repeat("a", 65) + ` allowed"}`, true, "", 2, -1},
		"resource of 60 KB":     {`{"statusCode": 403, "message": "Quota exceeded: maximum 2 ` + strings.Repeat("a", 60_000) + ` allowed"}`, true, "", 2, -1},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			client, _ := newRecorder(t, reply(http.StatusForbidden, tc.body))
			_, err := client.Connections.Create(context.Background(), reeflow.CreateConnectionParams{Name: "n", Config: reeflow.TinybirdConfig{Host: "h"}})
			require.Error(t, err)
			var denied *reeflow.PermissionDeniedError
			require.ErrorAs(t, err, &denied, "still a permission error")
			assert.ErrorIs(t, err, reeflow.ErrForbidden)
			var quota *reeflow.QuotaError
			if !tc.quota {
				assert.NotErrorIs(t, err, reeflow.ErrQuotaExceeded)
				assert.False(t, errors.As(err, &quota))
				return
			}
			assert.ErrorIs(t, err, reeflow.ErrQuotaExceeded)
			require.ErrorAs(t, err, &quota)
			assert.Equal(t, tc.resource, quota.Resource)
			assert.Equal(t, tc.maximum, quota.Maximum)
			assert.Equal(t, tc.current, quota.Current)
			assert.Equal(t, http.StatusForbidden, quota.StatusCode)
			assert.Equal(t, denied.Message, quota.Message, "the message is kept as sent")
			assert.ErrorIs(t, quota, reeflow.ErrQuotaExceeded)
			assert.ErrorIs(t, quota, reeflow.ErrForbidden)
			var apiErr *reeflow.APIError
			assert.ErrorAs(t, quota, &apiErr)
		})
	}
}

// Only a 403 is a quota refusal, whatever another status's message says; CheckResponse, for
// requests built by hand, gives the same error.
func TestQuotaExceededNeedsA403(t *testing.T) {
	t.Parallel()
	const body = `{"message": "Quota exceeded: maximum 20 api-keys allowed per organization (currently: 20)"}`
	for _, status := range []int{http.StatusBadRequest, http.StatusTooManyRequests, http.StatusForbidden} {
		srv := newPlainServer(t, reply(status, body))
		resp, err := srv.Client().Get(srv.URL)
		require.NoError(t, err)
		err = reeflow.CheckResponse(resp)
		_ = resp.Body.Close()
		var quota *reeflow.QuotaError
		assert.Equal(t, status == http.StatusForbidden, errors.Is(err, reeflow.ErrQuotaExceeded), status)
		assert.Equal(t, status == http.StatusForbidden, errors.As(err, &quota), status)
	}
	var nilQuota *reeflow.QuotaError
	assert.NotErrorIs(t, nilQuota, reeflow.ErrQuotaExceeded, "a nil *QuotaError matches nothing and does not panic")
	assert.NoError(t, nilQuota.Unwrap())
}

package reeflow_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

func TestInvalidSessionParamsAreRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(201, `{"token":"t","expires_at":"2030-01-01T00:00:00Z"}`))
	ctx := context.Background()
	for name, p := range map[string]reeflow.CreateSessionParams{
		"no user":          {},
		"user ID too long": {UserID: strings.Repeat("u", 65)},
		"org ID too long":  {UserID: "u", OrganizationID: strings.Repeat("o", 65)},
		"nbf after exp":    {UserID: "u", Expiration: time.Now(), NotBefore: time.Now().Add(time.Hour)},
	} {
		_, err := client.Sessions.Create(ctx, p)
		require.Error(t, err, name)
	}
	assert.Empty(t, rec.all())
}

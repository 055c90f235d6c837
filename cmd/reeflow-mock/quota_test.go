package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// TestQuotaFlag: a client in any language can meet Reeflow's quota refusal: -quota limits a
// resource, and the create beyond it gets the documented 403.
func TestQuotaFlag(t *testing.T) {
	srv, _, _ := startMock(t, "-quota", "connections=1")
	client := srv.Client()
	params := reeflow.CreateConnectionParams{Name: "a", Config: reeflow.TinybirdConfig{Host: "h", Token: "t"}}
	_, err := client.Connections.Create(context.Background(), params)
	require.NoError(t, err)
	params.Name = "b"
	_, err = client.Connections.Create(context.Background(), params)
	require.ErrorIs(t, err, reeflow.ErrQuotaExceeded)
	var quota *reeflow.QuotaError
	require.ErrorAs(t, err, &quota)
	assert.Equal(t, 1, quota.Maximum)
}

func TestBadQuotaFlags(t *testing.T) {
	for name, tc := range map[string]struct{ arg, want string }{
		"no maximum":       {"connections", "want resource=max"},
		"not a number":     {"connections=five", "the maximum is not a whole number"},
		"unknown resource": {"dashboards=1", `unknown resource "dashboards"`},
		"negative":         {"connections=-1", "it must be at least 0"},
	} {
		var stderr bytes.Buffer
		err := run(context.Background(), []string{"-quota", tc.arg}, &bytes.Buffer{}, &stderr, nil)
		require.Error(t, err, name)
		assert.Contains(t, err.Error()+stderr.String(), tc.want, name)
	}
}

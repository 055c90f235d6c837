package reeflow_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

func TestInvalidConnectionParamsAreRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(201, pgConnectionJSON))
	ctx := context.Background()
	var nilPG *reeflow.PostgresConfig
	createCases := map[string]reeflow.CreateConnectionParams{
		"no name":              {Config: reeflow.PostgresConfig{Host: "h"}},
		"no config":            {Name: "x"},
		"nil pointer config":   {Name: "x", Config: nilPG},
		"unknown without type": {Name: "x", Config: reeflow.UnknownConfig{Raw: json.RawMessage(`{}`)}},
		"unknown raw not json": {Name: "x", Config: reeflow.UnknownConfig{Type: "x", Raw: json.RawMessage(`nope`)}},
	}
	for name, p := range createCases {
		_, err := client.Connections.Create(ctx, p)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "create connection", name)
	}
	_, err := client.Connections.Update(ctx, "conn_1", reeflow.UpdateConnectionParams{})
	assert.ErrorContains(t, err, "nothing to update")
	_, err = client.Connections.Update(ctx, "conn_1", reeflow.UpdateConnectionParams{Name: strPtr("")})
	assert.ErrorContains(t, err, "Name is empty")
	//lint:ignore SA1012 a nil context is bad input the SDK must refuse
	_, err = client.Connections.List(nil) //nolint:staticcheck // a nil context is bad input the SDK must refuse
	require.ErrorContains(t, err, "nil context")
	assert.Empty(t, rec.all())
}

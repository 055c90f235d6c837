package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestRunsAgainstTheEmbeddedFake keeps the example from rotting.
func TestRunsAgainstTheEmbeddedFake(t *testing.T) {
	t.Setenv("REEFLOW_API_KEY_ID", "")
	t.Setenv("REEFLOW_API_KEY_SECRET", "")
	var out bytes.Buffer
	require.NoError(t, run(&out))
	assert.Contains(t, out.String(), "embedded fake Reeflow server")
	for _, want := range []string{"unknown key ID           recognised: 401 \"Invalid API key\"", "wrong secret             recognised: 401 \"Invalid API key secret\"", "malformed Basic header   recognised: 401 \"Invalid Basic auth format\"", "two credentials at once  recognised: 400 \"Multiple credentials provided\"", "disabled key             recognised: 403 \"API key is disabled\"", "refused locally"} {
		assert.Contains(t, out.String(), want)
	}
}

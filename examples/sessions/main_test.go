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
	for _, want := range []string{"Minted a session token for user_1234", "hides its token: {[REDACTED]", "A 48-hour session is refused: INVALID_EXPIRATION"} {
		assert.Contains(t, out.String(), want)
	}
}

// Package exampletest runs an example program's run function in a test, so that no example rots.
package exampletest

import (
	"bytes"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// RunAgainstFake clears the credentials from the environment, so the example starts its
// embedded fake server, runs it, and checks that its output says so and contains each of want.
func RunAgainstFake(t *testing.T, run func(io.Writer) error, want ...string) {
	t.Helper()
	t.Setenv("REEFLOW_API_KEY_ID", "")
	t.Setenv("REEFLOW_API_KEY_SECRET", "")
	var out bytes.Buffer
	require.NoError(t, run(&out))
	assert.Contains(t, out.String(), "embedded fake Reeflow server")
	for _, w := range want {
		assert.Contains(t, out.String(), w)
	}
}

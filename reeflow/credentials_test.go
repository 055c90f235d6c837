package reeflow_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

func TestSecretIsOpaque(t *testing.T) {
	t.Parallel()
	s := reeflow.NewSecret(canarySecret)
	assert.Equal(t, canarySecret, s.Reveal())
	assert.True(t, s.Equal(reeflow.NewSecret(canarySecret)))
	assert.False(t, s.Equal(reeflow.NewSecret(canarySecret+"x")))
	assert.Empty(t, reeflow.Secret{}.Reveal())

	var c reeflow.Credentials
	err := json.Unmarshal([]byte(`{"KeyID":"key_1","Secret":"[REDACTED]"}`), &c)
	require.ErrorContains(t, err, "a Secret is not decoded from JSON")

	// A key ID that fails validation may be a secret in the wrong field: it never prints.
	swapped := reeflow.Credentials{KeyID: canarySecret, Secret: reeflow.NewSecret("key_abc")}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, swapped)
		assert.NotContains(t, out, canarySecret, verb)
		assert.Contains(t, out, "[INVALID]", verb)
	}
	assert.Contains(t, fmt.Sprintf("%v", reeflow.Credentials{KeyID: "key_ok", Secret: s}), "key_ok", "a well-formed ID still prints")
}

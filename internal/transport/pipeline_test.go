package transport_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/transport"
)

// New refuses a base URL without the origin that credentials are kept to, so that no call has
// to check for one: a bad configuration is NewClient's error, never a call's.
func TestNewNeedsAnAbsoluteBaseURL(t *testing.T) {
	t.Parallel()
	for _, base := range []string{"", "/connections/", "api.reeflow.com/", "https:///", "https://api.reeflow.com", "://x/"} {
		p, err := transport.New(transport.Config{BaseURL: base})
		require.Error(t, err, "%q", base)
		assert.Nil(t, p)
	}
	p, err := transport.New(transport.Config{BaseURL: "https://api.reeflow.com/v1/"})
	require.NoError(t, err)
	assert.Equal(t, "https://api.reeflow.com/v1/", p.BaseURL())
}

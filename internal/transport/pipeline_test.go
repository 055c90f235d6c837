package transport_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/transport"
)

// New refuses a base URL without the origin that credentials are kept to, so that no call has
// to check for one: a bad configuration is NewClient's error, never a call's.
func TestNewNeedsAnAbsoluteBaseURL(t *testing.T) {
	t.Parallel()
	cfg := transport.Config{
		BaseURL:                "https://api.reeflow.com/v1/",
		StatusError:            func(*transport.FailedResponse) error { return errors.New("status") },
		ErrMultipleCredentials: errors.New("multiple"), ErrRedirectRefused: errors.New("redirect"),
	}
	for _, base := range []string{"", "/connections/", "api.reeflow.com/", "https:///", "https://api.reeflow.com", "://x/"} {
		p, err := transport.New(transport.Config{BaseURL: base, StatusError: cfg.StatusError,
			ErrMultipleCredentials: cfg.ErrMultipleCredentials, ErrRedirectRefused: cfg.ErrRedirectRefused})
		require.Error(t, err, "%q", base)
		assert.Nil(t, p)
	}
	p, err := transport.New(cfg)
	require.NoError(t, err)
	assert.Equal(t, "https://api.reeflow.com/v1/", p.BaseURL())

	// So are missing errors to wrap: a refusal would print "%!w(<nil>)" and match nothing.
	for name, edit := range map[string]func(*transport.Config){
		"StatusError":            func(c *transport.Config) { c.StatusError = nil },
		"ErrMultipleCredentials": func(c *transport.Config) { c.ErrMultipleCredentials = nil },
		"ErrRedirectRefused":     func(c *transport.Config) { c.ErrRedirectRefused = nil },
	} {
		bad := cfg
		edit(&bad)
		_, err := transport.New(bad)
		require.Error(t, err, name)
	}
}

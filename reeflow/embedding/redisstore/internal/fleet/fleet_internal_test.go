package fleet

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An instance that never says it listens fails the start, with what it printed, in bounded time.
// Not parallel: it shortens the package's timeout.
func TestStartOneFailsWhenTheInstanceNeverListens(t *testing.T) {
	prev := readyTimeout
	readyTimeout = 300 * time.Millisecond
	t.Cleanup(func() { readyTimeout = prev })

	began := time.Now()
	inst, err := startOne("/bin/sh", nil, []string{"-c", "echo 'stuck before listening' >&2; exec sleep 60"})
	require.Error(t, err)
	assert.Nil(t, inst)
	assert.Contains(t, err.Error(), "did not listen within 300ms")
	assert.Contains(t, err.Error(), "stuck before listening", "what it printed")
	assert.Less(t, time.Since(began), 20*time.Second, "an upper bound only: the minute's sleep was cut")
}

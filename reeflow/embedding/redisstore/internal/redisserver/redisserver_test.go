package redisserver

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// A redis-server that never says it is ready fails the start, with what it printed, in bounded
// time. Not parallel: it shortens the package's timeout.
func TestStartFailsWhenRedisIsNeverReady(t *testing.T) {
	prev := readyTimeout
	readyTimeout = 300 * time.Millisecond
	t.Cleanup(func() { readyTimeout = prev })
	hung := filepath.Join(t.TempDir(), "redis-server")
	require.NoError(t, os.WriteFile(hung, []byte("#!/bin/sh\necho 'starting, then stuck'\nexec sleep 60\n"), 0o700)) //nolint:gosec // an executable script is the point

	began := time.Now()
	s, err := start(hung)
	require.Error(t, err)
	assert.Nil(t, s)
	assert.Contains(t, err.Error(), "not ready after 300ms")
	assert.Contains(t, err.Error(), "starting, then stuck", "what it printed")
	assert.Less(t, time.Since(began), 20*time.Second, "an upper bound only: the minute's sleep was cut")
}

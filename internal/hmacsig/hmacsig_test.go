package hmacsig_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/reeflow/reeflow-go/internal/hmacsig"
	"github.com/reeflow/reeflow-go/internal/hmacvectors"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestGoldenVectors(t *testing.T) {
	t.Parallel()
	f, err := hmacvectors.Load()
	require.NoError(t, err)
	require.NotEmpty(t, f.Vectors)
	for _, v := range f.Vectors {
		canonical := hmacsig.Default.Append(nil, &hmacsig.Message{
			Method: v.Method, EscapedPath: v.Path, RawQuery: v.Query, Unix: v.Timestamp, Body: v.Body(),
		})
		assert.Equal(t, v.Canonical, string(canonical), v.Name)
		key := hmacsig.NewKey([]byte(v.Secret))
		assert.Equal(t, v.Signature, string(key.AppendSignature(nil, canonical)), v.Name)
		assert.True(t, key.Verify(canonical, v.Signature), v.Name)
		assert.False(t, key.Verify(canonical, v.Signature[:63]+"0"), v.Name)
		assert.False(t, hmacsig.NewKey([]byte("other")).Verify(canonical, v.Signature), v.Name)
	}
}

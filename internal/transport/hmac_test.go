package transport_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/hmacvectors"
	"github.com/reeflow/reeflow-go/internal/transport"
)

// signer signs at the vector's instant.
func signer(keyID string, v hmacvectors.Vector) transport.Editor {
	return transport.HMACEditor(transport.Credentials{KeyID: keyID, Secret: v.Secret}, func() time.Time { return time.Unix(v.Timestamp, 0) })
}

func vectorRequest(t *testing.T, v hmacvectors.Vector) *http.Request {
	t.Helper()
	req, err := v.NewRequest(context.Background(), "https://api.reeflow.com")
	require.NoError(t, err)
	return req
}

func TestHMACAuthGoldenVectors(t *testing.T) {
	t.Parallel()
	f, err := hmacvectors.Load()
	require.NoError(t, err)
	for _, v := range f.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			sign := signer(f.KeyID, v)
			req := vectorRequest(t, v)
			require.NoError(t, sign(context.Background(), req))
			assert.Equal(t, f.KeyID, req.Header.Get("X-API-Key"))
			assert.Equal(t, strconv.FormatInt(v.Timestamp, 10), req.Header.Get("X-API-Timestamp"))
			assert.Equal(t, v.Signature, req.Header.Get("X-API-Signature"))
			assert.Empty(t, req.Header.Get("Authorization"), "the secret never travels")

			first := req.Header.Clone()
			require.NoError(t, sign(context.Background(), req))
			assert.Equal(t, first, req.Header, "signing twice at the same instant gives the same headers")

			if req.Body != nil {
				got, err := io.ReadAll(req.Body)
				require.NoError(t, err)
				assert.Equal(t, v.Body(), got, "signing does not consume the body")
			}
		})
	}
}

func TestHMACAuthIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	f, err := hmacvectors.Load()
	require.NoError(t, err)
	v := f.Vectors[len(f.Vectors)-1]
	sign := signer(f.KeyID, v)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				req := vectorRequest(t, v)
				if assert.NoError(t, sign(context.Background(), req)) {
					assert.Equal(t, v.Signature, req.Header.Get("X-API-Signature"))
				}
			}
		}()
	}
	wg.Wait()
}

// TestHMACSignsTheWholeBodyWhateverItsDeclaredLength: the signature covers the body that will be
// sent, whether its declared length is right, unknown, or shorter than the body.
func TestHMACSignsTheWholeBodyWhateverItsDeclaredLength(t *testing.T) {
	t.Parallel()
	sign := transport.HMACEditor(transport.Credentials{KeyID: "key_1", Secret: "s"}, func() time.Time { return time.Unix(1764158400, 0) })
	body := `{"name":"a longer body than declared"}`
	signature := func(declared int64) string {
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "https://api.reeflow.com/connections", strings.NewReader(body))
		require.NoError(t, err)
		req.ContentLength = declared
		require.NoError(t, sign(context.Background(), req))
		return req.Header.Get("X-API-Signature")
	}
	want := signature(int64(len(body)))
	assert.Equal(t, want, signature(-1), "unknown length")
	assert.Equal(t, want, signature(2), "declared shorter than the body")
	assert.Equal(t, want, signature(int64(len(body))-1), "one byte more than declared")
	assert.Equal(t, want, signature(0), "a declared 0 with a body still signs the body")
}

// TestHMACRefusesAGetBodyThatReturnsNothing: a GetBody that returns no body and no error is a
// body that cannot be replayed, not a panic.
func TestHMACRefusesAGetBodyThatReturnsNothing(t *testing.T) {
	t.Parallel()
	sign := transport.HMACEditor(transport.Credentials{KeyID: "key_1", Secret: "s"}, time.Now)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "https://api.reeflow.com/x", strings.NewReader("{}"))
	require.NoError(t, err)
	req.GetBody = func() (io.ReadCloser, error) { return nil, nil }
	var signErr error
	require.NotPanics(t, func() { signErr = sign(context.Background(), req) })
	assert.ErrorContains(t, signErr, "request body cannot be replayed for signing")
}

package reeflowtest_test

import (
	"context"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/hmacvectors"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// TestVerifierGoldenVectors sends each golden vector as a raw request: the fake accepts the
// expected signature and refuses any other.
func TestVerifierGoldenVectors(t *testing.T) {
	t.Parallel()
	f, err := hmacvectors.Load()
	require.NoError(t, err)
	for _, v := range f.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			t.Parallel()
			srv := reeflowtest.NewServer(t, reeflowtest.WithKey(f.KeyID, v.Secret))
			srv.SetClock(func() time.Time { return time.Unix(v.Timestamp, 0).Add(299 * time.Second) })
			send := func(signature string) (int, string) {
				req, err := v.NewRequest(context.Background(), srv.URL)
				require.NoError(t, err)
				req.Header.Set("X-API-Key", f.KeyID)
				req.Header.Set("X-API-Timestamp", strconv.FormatInt(v.Timestamp, 10))
				req.Header.Set("X-API-Signature", signature)
				resp, err := srv.HTTPClient().Do(req)
				require.NoError(t, err)
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			status, body := send(v.Signature)
			assert.NotContains(t, []int{401, 403}, status, "authentication must pass: %s", body)

			wrong := []byte(v.Signature)
			if wrong[10] == '0' {
				wrong[10] = '1'
			} else {
				wrong[10] = '0'
			}
			status, body = send(string(wrong))
			assert.Equal(t, 401, status)
			assert.Contains(t, body, "Invalid signature")
		})
	}
}

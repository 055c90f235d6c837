package reeflow_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow"
)

// A product with spaces (several products, a comment, as RFC 9110 allows in a User-Agent) is
// accepted and sent exactly as given after the SDK's own product, for the client and for a call.
func TestUserAgentProductWithSpacesIsSentAsGiven(t *testing.T) {
	t.Parallel()
	const product = "billing-service/1.2 (ops team; +https://example.com)  worker/3"
	client, rec := newRecorder(t, reply(200, `[]`), reeflow.WithUserAgent(product))
	_, err := client.Connections.List(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"reeflow-go/" + reeflow.Version + " " + product}, rec.last(t).Header.Values("User-Agent"))

	require.NoError(t, client.Do(context.Background(), http.MethodGet, "connections", nil, nil, reeflow.WithUserAgent("job/2 (nightly)")))
	assert.Equal(t, []string{"reeflow-go/" + reeflow.Version + " job/2 (nightly)"}, rec.last(t).Header.Values("User-Agent"))
}

// A control character in the product, which would split or corrupt the header, is an error
// from the constructor (or the call), never a request net/http refuses later.
func TestUserAgentProductWithControlCharacterIsRefused(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(200, `[]`))
	for _, product := range []string{"svc/1\x7f", "svc/1\tx", "svc/1\r\nX-Injected: 1", "svc\x00/1"} {
		_, err := reeflow.NewClient(reeflow.WithBasicAuth(docKeyID, docSecret), reeflow.WithUserAgent(product))
		require.ErrorContains(t, err, "WithUserAgent: control character in product", "%q", product)
		err = client.Do(context.Background(), http.MethodGet, "connections", nil, nil, reeflow.WithUserAgent(product))
		require.ErrorContains(t, err, "WithUserAgent: control character in product", "%q", product)
	}
	assert.Empty(t, rec.all(), "nothing was sent")
}

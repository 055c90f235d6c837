package reeflow_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"

	"github.com/reeflow/reeflow-go/reeflow"
)

func TestIDsAreCheckedAndEscaped(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(404, `{"message":"Connection not found","error":"Not Found","statusCode":404}`))
	ctx := context.Background()
	for _, id := range []string{"", ".", ".."} {
		_, err := client.Connections.Get(ctx, id)
		require.Error(t, err, "%q", id)
		_, err = client.Connections.Update(ctx, id, reeflow.UpdateConnectionParams{Name: strPtr("x")})
		require.Error(t, err, "%q", id)
		require.Error(t, client.Connections.Delete(ctx, id), "%q", id)
		_, err = client.APIKeys.Get(ctx, id)
		require.Error(t, err, "%q", id)
	}
	assert.Empty(t, rec.all(), "refused IDs are never sent")

	// IDs that are refused are in TestIDsThatCouldReachAnotherEndpointAreRefused; what remains is
	// escaped into one segment.
	for _, id := range []string{"conn_é", "conn_a+b:c", "conn_[1]", "conn_a;b=c", "conn_'1'", "conn_..x"} {
		_, err := client.Connections.Get(ctx, id)
		require.ErrorIs(t, err, reeflow.ErrNotFound)
		got := rec.last(t)
		assert.True(t, strings.HasPrefix(got.RawPath, "/connections/"), "%q reached %s", id, got.RawPath)
		assert.Equal(t, 2, strings.Count(got.RawPath, "/"), "%q must stay one path segment: %s", id, got.RawPath)
		assert.Empty(t, got.Query, "%q", id)
	}
}

// An ID with a character a normalising proxy could read as a separator, an escape, a query or a
// fragment never leaves the client.
func TestIDsThatCouldReachAnotherEndpointAreRefused(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(200, pgConnectionJSON))
	ctx := context.Background()
	for _, id := range []string{"../api-keys", "conn_1/..", `conn_1\..\api-keys`, "conn_%2e%2e", "conn_1?x=1", "conn_1#f", "conn 1", "conn_1\n"} {
		_, err := client.Connections.Get(ctx, id)
		require.Error(t, err, id)
		assert.Contains(t, err.Error(), "connection ID contains", id)
		_, err = client.APIKeys.Get(ctx, id)
		require.ErrorContains(t, err, "API key ID contains", id)
		require.Error(t, client.Connections.Delete(ctx, id), id)
	}
	// Dots only, look-alike dots and ";" parameters included: servers that normalise Unicode
	// read "．．" as "..", and Tomcat, Jetty and Spring read "..;x" as "..".
	for _, id := range []string{".", "..", "...", "．．", "‥", "﹒", "..;", ".;x=1", ";x"} {
		_, err := client.Connections.Get(ctx, id)
		require.ErrorContains(t, err, "connection ID is made of dots only", id)
	}
	assert.Empty(t, rec.all())
	_, err := client.Connections.Get(ctx, "conn_9f2c-ABC.1")
	require.NoError(t, err, "an ordinary ID still works")
}

// An ID that starts with white space or a control character is refused like one that holds
// them further in: "\nconn_1" is a copy-paste mistake, and never leaves the client.
func TestIDStartingWithWhiteSpaceOrControlIsRefused(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(200, pgConnectionJSON))
	ctx := context.Background()
	for _, id := range []string{"\nconn_1", " conn_1", "\tconn_1", "\x00conn_1", "\x7fconn_1", "\u00a0conn_1", "conn_\x001"} {
		_, err := client.Connections.Get(ctx, id)
		require.ErrorContains(t, err, "connection ID contains white space or a control character", "%q", id)
		require.ErrorContains(t, client.Connections.Delete(ctx, id), "connection ID contains white space or a control character", "%q", id)
		_, err = client.APIKeys.Get(ctx, id)
		require.ErrorContains(t, err, "API key ID contains white space or a control character", "%q", id)
	}
	assert.Empty(t, rec.all(), "nothing was sent")
}

// Servers and proxies that normalise Unicode (NFKC) turn look-alikes into the punctuation that
// makes a segment another path: "︰" into "..", "／" into "/", "℀" into "a/c", "；" into ";".
// Every code point whose NFKC form holds ".", "/", "\", ";" or "%" is refused by Do, raw and
// escaped, wherever it stands in a segment; and the table behind the rule holds no other.
func TestDoRefusesEveryUnicodeLookAlikeOfPathPunctuation(t *testing.T) {
	t.Parallel()
	client, rec := newRecorder(t, reply(200, `{}`))
	ctx := context.Background()
	var lookalikes []rune
	for r := rune(utf8.RuneSelf); r <= utf8.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		want := strings.ContainsAny(norm.NFKC.String(string(r)), `./\;%`)
		if got := reeflow.NormalisesToPathPunctuationForTest(r); got != want {
			t.Errorf("%U %q: refused %v, but its NFKC form is %q", r, r, got, norm.NFKC.String(string(r)))
		}
		if want {
			lookalikes = append(lookalikes, r)
		}
	}
	require.Contains(t, lookalikes, '\uFE30', "the walk found the look-alikes the attack used")
	for _, r := range lookalikes {
		for _, seg := range []string{string(r), ".." + string(r) + "admin", "id" + string(r)} {
			for _, path := range []string{"x/" + seg + "/y", "x/" + url.PathEscape(seg) + "/y"} {
				err := client.Do(ctx, http.MethodGet, path, nil, nil)
				require.Error(t, err, "%U in %q", r, path)
			}
		}
		_, err := client.Connections.Get(ctx, "conn_"+string(r))
		require.Error(t, err, "%U in an ID", r)
	}
	for _, path := range []string{"x/︰", "x/…", "x/︙", "x/..／admin", "x/..℀admin", "x/..＼admin", "x/..；", "x/..\u037e", "x/％2e"} {
		assert.ErrorContains(t, client.Do(ctx, http.MethodGet, path, nil, nil), "look-alike", path)
	}
	assert.Empty(t, rec.all(), "nothing was sent")

	// Other letters, accented, CJK or emoji, are sent.
	for _, path := range []string{"users/José", "users/日本", "users/%F0%9F%98%80", "users/ﬁle"} {
		require.NoError(t, client.Do(ctx, http.MethodGet, path, nil, nil), path)
	}
}

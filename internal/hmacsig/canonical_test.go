package hmacsig_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/internal/hmacsig"
)

var message = hmacsig.Message{
	Method: "POST", EscapedPath: "/sessions", RawQuery: "a=1", ContentType: "application/json",
	Unix: 1764158400, Body: []byte(`{"user":{"id":"u"}}`),
}

func TestVariantsBuildTheStringTheyDescribe(t *testing.T) {
	t.Parallel()
	byName := map[string]hmacsig.Variant{}
	for _, v := range hmacsig.Candidates() {
		byName[v.Name] = v
	}
	for name, want := range map[string]string{
		"reeflow-go v0.1":                          "POST\n/sessions?a=1\n1764158400\n" + hexSum,
		"query excluded":                           "POST\n/sessions\n1764158400\n" + hexSum,
		"upper-case hex body hash":                 "POST\n/sessions?a=1\n1764158400\n" + upperHexSum,
		"base64 body hash":                         "POST\n/sessions?a=1\n1764158400\n" + base64Sum,
		"raw body":                                 "POST\n/sessions?a=1\n1764158400\n" + `{"user":{"id":"u"}}`,
		"lower-case method":                        "post\n/sessions?a=1\n1764158400\n" + hexSum,
		"content type before body":                 "POST\n/sessions?a=1\n1764158400\napplication/json\n" + hexSum,
		"timestamp first":                          "1764158400\nPOST\n/sessions?a=1\n" + hexSum,
		"concatenated, timestamp first, raw body":  `1764158400POST/sessions?a=1{"user":{"id":"u"}}`,
		"dot-separated, timestamp first, raw body": `1764158400.POST./sessions?a=1.{"user":{"id":"u"}}`,
	} {
		v, ok := byName[name]
		require.True(t, ok, name)
		assert.Equal(t, want, string(v.Append([]byte("prefix:"), &message)[len("prefix:"):]), name)
	}
}

// The SHA-256 of message.Body in each encoding, computed independently of this package with
// Python's hashlib.
const (
	hexSum      = "c2ed0f38051d7524a2b21ef4969d89332ce057a42d9203cc65f13e0c5f172d44"
	upperHexSum = "C2ED0F38051D7524A2B21EF4969D89332CE057A42D9203CC65F13E0C5F172D44"
	base64Sum   = "wu0POAUddSSish70lp2JMyzgV6QtkgPMZfE+DF8XLUQ="
)

func TestDefaultIsTheFirstCandidateAndDescribesItself(t *testing.T) {
	t.Parallel()
	candidates := hmacsig.Candidates()
	require.NotEmpty(t, candidates)
	assert.Equal(t, hmacsig.Default, candidates[0])
	assert.Equal(t, `METHOD "\n" PATH?QUERY "\n" TIMESTAMP "\n" hex(sha256(BODY))`, hmacsig.Default.String())
}

// TestCandidatesAreDistinctAndCoverWhatReeflowDocuments: each candidate must be a real
// alternative (a different string for a request with a query, a body and a Content-Type), and
// each must cover the method, path, timestamp and body, as Reeflow documents the signature does.
func TestCandidatesAreDistinctAndCoverWhatReeflowDocuments(t *testing.T) {
	t.Parallel()
	candidates := hmacsig.Candidates()
	assert.LessOrEqual(t, len(candidates), 20, "each candidate costs one request against the real API")
	names, built := map[string]bool{}, map[string]string{}
	for _, v := range candidates {
		assert.False(t, names[v.Name], "duplicate name %q", v.Name)
		names[v.Name] = true
		s := string(v.Append(nil, &message))
		if other, dup := built[s]; dup {
			t.Errorf("%q and %q build the same string", v.Name, other)
		}
		built[s] = v.Name
		covered := map[hmacsig.Part]bool{}
		for _, p := range v.Parts {
			covered[p] = true
		}
		for _, p := range []hmacsig.Part{hmacsig.PartMethod, hmacsig.PartPath, hmacsig.PartTimestamp, hmacsig.PartBody} {
			assert.True(t, covered[p], "%q does not cover part %d", v.Name, p)
		}
	}
}

// TestCandidatesAreFreshCopies is not parallel: were the copy shallow, it would change Default
// under the other tests' feet.
func TestCandidatesAreFreshCopies(t *testing.T) {
	c := hmacsig.Candidates()
	c[0].Parts[0] = hmacsig.PartBody
	assert.Equal(t, hmacsig.PartMethod, hmacsig.Default.Parts[0], "changing a candidate must not change Default")
}

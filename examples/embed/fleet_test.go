package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// TestInstancesShareTokensThroughRedis runs two instances of the example on one Redis and one
// Reeflow, as a fleet behind a load balancer: a user's first page views on both cost one
// session, where two instances without Redis mint one each.
func TestInstancesShareTokensThroughRedis(t *testing.T) {
	redisAddr := startRedis(t)
	fake := reeflowtest.NewServer(t, reeflowtest.WithoutTLS())
	key := fake.Key()
	t.Setenv("REEFLOW_API_KEY_ID", key.ID)
	t.Setenv("REEFLOW_API_KEY_SECRET", key.Secret)
	t.Setenv("REEFLOW_BASE_URL", fake.URL)
	t.Setenv("REEFLOW_AUTH_MODE", "")
	sealingKey, err := parseSealingKey(strings.Repeat("5a", 32))
	require.NoError(t, err)

	out := &lockedBuffer{} // both instances' output, their logs among it
	instance := func(redisAddr string) *server {
		app, err := start(out, config{addr: "127.0.0.1:0", sdkURL: defaultSDKURL,
			margin: defaultRefreshMargin, redisAddr: redisAddr, sealingKey: sealingKey})
		require.NoError(t, err)
		t.Cleanup(func() { assert.NoError(t, app.Close()) })
		return app
	}
	sessions := func() int {
		n := 0
		for _, r := range fake.Requests() {
			if r.Method == http.MethodPost && r.Path == "/sessions" {
				n++
			}
		}
		return n
	}

	a, b := instance(redisAddr), instance(redisAddr)
	alice := firstPageView(t, a, "alice")
	assert.Equal(t, alice, firstPageView(t, b, "alice"), "the second instance serves the token the first minted")
	assert.Equal(t, 1, sessions(), "one POST /sessions for Alice's first page views on two instances")
	bob := firstPageView(t, b, "bob")
	assert.Equal(t, bob, firstPageView(t, a, "bob"))
	assert.Equal(t, 2, sessions(), "one POST /sessions for Bob's")
	claims, err := fake.ParseSessionToken(bob)
	require.NoError(t, err)
	assert.Equal(t, "bob", claims.UserID, "Bob's token is Bob's")
	assert.Contains(t, out.String(), "through Redis at "+redisAddr)

	// Without Redis, each instance mints its own: what the shared store saves.
	c, d := instance(""), instance("")
	firstPageView(t, c, "alice")
	firstPageView(t, d, "alice")
	assert.Equal(t, 4, sessions(), "two instances without Redis: one POST /sessions each")
}

// firstPageView logs user in on app, in a browser of its own, and returns the token the page
// gets from the token endpoint.
func firstPageView(t *testing.T, app *server, user string) string {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	b := &browser{t: t, http: &http.Client{Jar: jar}, base: app.URL}
	defer b.http.CloseIdleConnections()
	resp, _ := b.do(http.MethodPost, "/login", url.Values{"user": {user}}, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, body := b.do(http.MethodPost, tokenPath, nil, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var session struct {
		Token string `json:"token"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &session))
	require.NotEmpty(t, session.Token)
	return session.Token
}

// TestParseSealingKey checks that the sealing key is 64 hex digits, and that no error shows it.
func TestParseSealingKey(t *testing.T) {
	good := strings.Repeat("0f", 32)
	key, err := parseSealingKey(good)
	require.NoError(t, err)
	assert.Equal(t, bytes.Repeat([]byte{0x0f}, 32), key)

	_, err = parseSealingKey("")
	require.ErrorContains(t, err, "-redis-addr needs a sealing key in REEFLOW_EMBED_SEALING_KEY")
	for _, bad := range []string{
		strings.Repeat("0f", 31),                   // 31 bytes
		strings.Repeat("0f", 33),                   // 33 bytes
		strings.Repeat("zz", 32),                   // not hex
		good[:63],                                  // an odd number of digits
		"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IS0=", // base64
	} {
		_, err := parseSealingKey(bad)
		require.ErrorContains(t, err, "REEFLOW_EMBED_SEALING_KEY is not 64 hex digits", bad)
		assert.NotContains(t, err.Error(), bad, "the error shows the key")
	}
}

// TestStartRefusesABadRedisSetUp checks that a sealing key of the wrong size is an error at
// start-up, not at the first page view.
func TestStartRefusesABadRedisSetUp(t *testing.T) {
	t.Setenv("REEFLOW_API_KEY_ID", "") // the embedded fake, stopped again by start
	t.Setenv("REEFLOW_API_KEY_SECRET", "")
	_, err := start(io.Discard, config{addr: "127.0.0.1:0", sdkURL: defaultSDKURL, margin: defaultRefreshMargin,
		redisAddr: "127.0.0.1:1", sealingKey: []byte("short")})
	require.ErrorContains(t, err, "redisstore")
}

// lockedBuffer collects what instances write while their requests run.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

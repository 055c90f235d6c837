package fleet_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/reeflow/reeflow-go/reeflow/embedding/redisstore/internal/fleet"
	"github.com/reeflow/reeflow-go/reeflow/embedding/redisstore/internal/redisserver"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// startFleet starts n instances on one fake Reeflow and, when redisAddr is set, one Redis; they
// stop when t ends.
func startFleet(t *testing.T, redisAddr string, n int, args ...string) (*reeflowtest.Server, []*fleet.Instance, *http.Client) {
	t.Helper()
	fake := reeflowtest.NewServer(t, reeflowtest.WithoutTLS(), reeflowtest.WithRequestLogLimit(100_000))
	// A budget far above the default: on a busy machine, a lease holder's mint may take longer than
	// the half-budget the others wait for it, and they would then mint too.
	args = append([]string{"-budget", "1m"}, args...)
	insts, err := fleet.Start(fleet.Config{Bin: instanceBin, Fake: fake, RedisAddr: redisAddr, Args: args}, n)
	require.NoError(t, err)
	t.Cleanup(func() { fleet.Stop(insts) })
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	t.Cleanup(client.CloseIdleConnections)
	return fake, insts, client
}

// viewAll runs every view concurrently and returns the tokens, failing t on any unanswered one.
func viewAll(t *testing.T, client *http.Client, insts []*fleet.Instance, users []string) []fleet.Token {
	t.Helper()
	tokens := make([]fleet.Token, len(users))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, user := range users {
		wg.Go(func() {
			<-start
			tok, err := fleet.View(context.Background(), client, insts[i%len(insts)], user)
			assert.NoError(t, err, "view %d", i)
			tokens[i] = tok
		})
	}
	close(start)
	wg.Wait()
	return tokens
}

func TestFleetMintsOneTokenForConcurrentFirstRequests(t *testing.T) {
	t.Parallel()
	srv := redisserver.ForTest(t)
	fake, insts, client := startFleet(t, srv.Addr, 4)

	users := make([]string, 200)
	for i := range users {
		users[i] = "alice"
	}
	tokens := viewAll(t, client, insts, users)

	assert.Equal(t, 1, fleet.SessionCreates(fake), "4 instances, 200 concurrent first requests for one user: one POST /sessions")
	for i, tok := range tokens {
		require.Equal(t, tokens[0].Token, tok.Token, "view %d got the one token", i)
	}
	claims, err := fake.ParseSessionToken(tokens[0].Token)
	require.NoError(t, err)
	assert.Equal(t, "alice", claims.UserID)
}

func TestFleetWithoutAStoreMintsPerInstance(t *testing.T) {
	t.Parallel()
	fake, insts, client := startFleet(t, "", 4)
	users := make([]string, 200)
	for i := range users {
		users[i] = "alice"
	}
	viewAll(t, client, insts, users)
	assert.Equal(t, 4, fleet.SessionCreates(fake), "the baseline the shared store improves on: one call per instance")
}

// TestFleetSharesTokensOverTime runs 1,000 page views from 50 users over 4 instances in rounds
// that are a token lifetime apart (the lifetime shortened to seconds, as a simulated hour
// shortens its hour): every round needs one new token per user, fleet-wide, exactly as one
// process would need.
func TestFleetSharesTokensOverTime(t *testing.T) {
	t.Parallel()
	srv := redisserver.ForTest(t)
	// A token is handed out for at least 4 s (6 s, less the 1 s margin and the 1 s resolution of
	// Reeflow's times): far longer than a round takes.
	fake, insts, client := startFleet(t, srv.Addr, 4, "-lifetime", "6s", "-refresh-margin", "1s")

	const users, views, rounds = 50, 1000, 2
	for round := range rounds {
		names := make([]string, views/rounds)
		for i := range names {
			names[i] = fmt.Sprintf("user-%02d", (i*7)%users) // every user on several instances
		}
		tokens := viewAll(t, client, insts, names)
		require.Equal(t, users*(round+1), fleet.SessionCreates(fake), "round %d: one POST /sessions per user", round)
		if round < rounds-1 {
			// Let the round's tokens expire: the "time passes" of the simulated hour.
			var last time.Time
			for _, tok := range tokens {
				exp, err := time.Parse(time.RFC3339, tok.ExpiresAt)
				require.NoError(t, err)
				if exp.After(last) {
					last = exp
				}
			}
			time.Sleep(time.Until(last.Add(time.Second)))
		}
	}
}

func TestFleetAnswersEveryViewWhenRedisStops(t *testing.T) {
	t.Parallel()
	srv := redisserver.ForTest(t)
	fake, insts, client := startFleet(t, srv.Addr, 4)

	const users = 10
	first := make([]string, 200)
	for i := range first {
		first[i] = fmt.Sprintf("user-%d", i%users)
	}
	viewAll(t, client, insts, first)
	require.Equal(t, users, fleet.SessionCreates(fake))

	srv.Stop()
	viewAll(t, client, insts, first) // every view answered: assert.NoError in viewAll
	extra := fleet.SessionCreates(fake) - users
	t.Logf("Redis stopped: %d page views made %d more POST /sessions", len(first), extra)
	assert.Positive(t, extra, "without Redis, the instances mint directly")
	assert.LessOrEqual(t, extra, len(first), "at most one call per page view")
	for _, inst := range insts {
		assert.Contains(t, inst.Stderr(), "session store", "each instance logs that Redis failed")
	}
}

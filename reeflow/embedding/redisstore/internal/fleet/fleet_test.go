package fleet_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
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

// TestFleetSharesTokensOverTime runs 1,000 page views from 50 users over 4 instances sharing
// Redis, in two rounds a token lifetime apart (a simulated hour shortened to seconds), and the
// same views at the same moments against one process with its own cache: the fleet makes no more
// POST /sessions than the one process, and both make exactly one per user per round.
//
// The lifetime is real time, since the instances are separate processes on the real clock, so it
// is long next to the work: a token is handed out for at least 17 s (20 s, less the 1 s margin
// and up to 2 s of the 1 s resolution of Reeflow's Date and expires_at), and a round of 500 views
// takes well under a second on an idle machine; the test logs how long each took. A round that
// outlasted those 17 s would see a user's token refreshed within it: one more call per such
// user, for the fleet and for the one process alike.
func TestFleetSharesTokensOverTime(t *testing.T) {
	t.Parallel()
	srv := redisserver.ForTest(t)
	args := []string{"-lifetime", "20s", "-refresh-margin", "1s"}
	fake, insts, client := startFleet(t, srv.Addr, 4, args...)
	oneFake, one, _ := startFleet(t, "", 1, args...)

	const users, views, rounds = 50, 1000, 2
	for round := range rounds {
		names := make([]string, views/rounds)
		for i := range names {
			names[i] = fmt.Sprintf("user-%02d", (i*7)%users) // every user on several instances
		}
		began := time.Now()
		var tokens []fleet.Token
		var wg sync.WaitGroup
		wg.Go(func() { tokens = viewAll(t, client, insts, names) })
		wg.Go(func() { viewAll(t, client, one, names) })
		wg.Wait()
		t.Logf("round %d: %d views on the fleet and on one process in %v", round, len(names), time.Since(began))

		fleetCalls, oneCalls := fleet.SessionCreates(fake), fleet.SessionCreates(oneFake)
		assert.LessOrEqual(t, fleetCalls, oneCalls, "round %d: the fleet makes no more POST /sessions than one process", round)
		require.Equal(t, users*(round+1), fleetCalls, "round %d: one POST /sessions per user, fleet-wide", round)
		require.Equal(t, users*(round+1), oneCalls, "round %d: as one process makes", round)
		if round < rounds-1 {
			// Wait until the round's tokens have expired: the "time passes" of the simulated hour.
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

// TestFleetAnswersEveryViewWhenRedisStops stops Redis while page views are in flight: 16 at a
// time, 400 in all, from 50 users whose views come in turn (8 each), so that the users after the
// stop are new to every instance and need a token that Redis can no longer share.
func TestFleetAnswersEveryViewWhenRedisStops(t *testing.T) {
	t.Parallel()
	srv := redisserver.ForTest(t)
	fake, insts, client := startFleet(t, srv.Addr, 4)

	const views, perUser, workers, stopAfter = 400, 8, 16, 100
	var next, answered, afterStop atomic.Int64
	stopped := make(chan struct{})
	var stopOnce sync.Once
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= views {
					return
				}
				_, err := fleet.View(context.Background(), client, insts[i%len(insts)], fmt.Sprintf("user-%02d", i/perUser))
				assert.NoError(t, err, "view %d", i)
				select {
				case <-stopped:
					afterStop.Add(1)
				default:
				}
				if answered.Add(1) == stopAfter {
					// The other workers go on meanwhile: views are in flight while Redis stops.
					go stopOnce.Do(func() { srv.Stop(); close(stopped) })
				}
			}
		})
	}
	wg.Wait()
	<-stopped

	calls := fleet.SessionCreates(fake)
	users := views / perUser
	t.Logf("Redis stopped after %d of %d views: %d views answered after it stopped; %d POST /sessions for %d users", stopAfter, views, afterStop.Load(), calls, users)
	assert.Equal(t, int64(views), answered.Load(), "every view answered")
	assert.Positive(t, afterStop.Load(), "views went on after Redis stopped")
	assert.Greater(t, calls, users, "without Redis, the instances mint directly, each for itself")
	assert.LessOrEqual(t, calls, users*len(insts), "at most one call per user and instance: each keeps its tokens in memory")
	for _, inst := range insts {
		assert.Contains(t, inst.Stderr(), "session store", "each instance logs that Redis failed")
	}
}

// Command fleetbench measures a fleet of instances (separate processes on loopback) in front of
// one fake Reeflow and one real redis-server, for BENCHMARKS.md:
//
//	go run ./internal/fleetbench
package main

import (
	"context"
	crand "crypto/rand"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/embedding"
	"github.com/reeflow/reeflow-go/reeflow/embedding/redisstore"
	"github.com/reeflow/reeflow-go/reeflow/embedding/redisstore/internal/fleet"
	"github.com/reeflow/reeflow-go/reeflow/embedding/redisstore/internal/redisserver"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

func main() {
	flag.DurationVar(&hour, "hour", hour, "length of the simulated hour")
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "fleetbench:", err)
		os.Exit(1)
	}
}

// hour is the simulated hour (-hour, default 30 s: compressed 120 times), the tokens' lifetime;
// the refresh margin is a twelfth of it, as 5 minutes is of an hour. The fake and the instances
// run on the real clock; only the lengths shrink, and the one-second resolution of Reeflow's Date
// and expires_at weighs that many times more than in a real hour.
var hour = 30 * time.Second

func run() error {
	dir, err := os.MkdirTemp("", "fleetbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin, err := fleet.Build(dir)
	if err != nil {
		return err
	}
	rs, err := redisserver.Start()
	if err != nil {
		return err
	}
	defer rs.Stop()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	defer client.CloseIdleConnections()

	fmt.Println("| scenario | POST /sessions |")
	fmt.Println("| --- | --- |")
	for _, c := range []struct {
		name  string
		redis string
		n     int
	}{{"200 concurrent first requests, one user, 4 instances, per-process caches", "", 4}, {"the same, 4 instances sharing Redis", rs.Addr, 4}} {
		n, err := firstRequests(bin, c.redis, c.n, client)
		if err != nil {
			return err
		}
		fmt.Printf("| %s | %d |\n", c.name, n)
	}
	for _, c := range []struct {
		name  string
		redis string
		n     int
	}{{"1,000 views, 50 users, simulated hour: 1 process", "", 1}, {"the same over 4 instances, per-process caches", "", 4}, {"the same over 4 instances sharing Redis", rs.Addr, 4}} {
		n, err := simulatedHour(bin, c.redis, c.n, client)
		if err != nil {
			return err
		}
		fmt.Printf("| %s | %d |\n", c.name, n)
	}
	if err := redisStops(bin, client); err != nil {
		return err
	}
	return latency(rs.Addr)
}

func startFleet(bin, redisAddr string, n int, args ...string) (*reeflowtest.Server, []*fleet.Instance, error) {
	fake, err := reeflowtest.Start(reeflowtest.WithoutTLS(), reeflowtest.WithRequestLogLimit(100_000))
	if err != nil {
		return nil, nil, err
	}
	insts, err := fleet.Start(fleet.Config{Bin: bin, Fake: fake, RedisAddr: redisAddr, Args: args}, n)
	if err != nil {
		fake.Close()
		return nil, nil, err
	}
	return fake, insts, nil
}

// views runs the views, view i on instance i%n for user users[i] at offset at[i] (nil: all at
// once), and fails on the first unanswered one.
func views(client *http.Client, insts []*fleet.Instance, users []string, at []time.Duration) error {
	var wg sync.WaitGroup
	errs := make([]error, len(users))
	start := time.Now()
	for i, u := range users {
		wg.Go(func() {
			if at != nil {
				time.Sleep(time.Until(start.Add(at[i])))
			}
			_, errs[i] = fleet.View(context.Background(), client, insts[i%len(insts)], u)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("view %d: %w", i, err)
		}
	}
	return nil
}

func firstRequests(bin, redisAddr string, n int, client *http.Client) (int, error) {
	fake, insts, err := startFleet(bin, redisAddr, n)
	if err != nil {
		return 0, err
	}
	defer fake.Close()
	defer fleet.Stop(insts)
	users := slices.Repeat([]string{"alice"}, 200)
	if err := views(client, insts, users, nil); err != nil {
		return 0, err
	}
	return fleet.SessionCreates(fake), nil
}

// simulatedHour spreads 1,000 views from 50 users uniformly over the hour (the same seeded
// schedule for every run), with tokens that live an hour.
func simulatedHour(bin, redisAddr string, n int, client *http.Client) (int, error) {
	fake, insts, err := startFleet(bin, redisAddr, n, "-lifetime", hour.String(), "-refresh-margin", (hour / 12).String())
	if err != nil {
		return 0, err
	}
	defer fake.Close()
	defer fleet.Stop(insts)
	r := rand.New(rand.NewPCG(1, 2)) //nolint:gosec // a seeded schedule, the same for every run on purpose
	users := make([]string, 1000)
	at := make([]time.Duration, len(users))
	for i := range users {
		users[i] = fmt.Sprintf("user-%02d", r.IntN(50))
		at[i] = time.Duration(r.Int64N(int64(hour)))
	}
	if err := views(client, insts, users, at); err != nil {
		return 0, err
	}
	return fleet.SessionCreates(fake), nil
}

// redisStops runs 1,000 views from 50 users over 4 instances, stopping a Redis of its own after
// the first half.
func redisStops(bin string, client *http.Client) error {
	rs, err := redisserver.Start()
	if err != nil {
		return err
	}
	defer rs.Stop()
	fake, insts, err := startFleet(bin, rs.Addr, 4)
	if err != nil {
		return err
	}
	defer fake.Close()
	defer fleet.Stop(insts)
	users := make([]string, 500)
	for i := range users {
		users[i] = fmt.Sprintf("user-%02d", (i*7)%50)
	}
	if err := views(client, insts, users, nil); err != nil {
		return err
	}
	before := fleet.SessionCreates(fake)
	rs.Stop()
	start := time.Now()
	if err := views(client, insts, users, nil); err != nil {
		return err
	}
	known := fleet.SessionCreates(fake) - before
	// 50 users who had no token yet: what a Redis outage costs, one mint per user per instance.
	fresh := make([]string, len(users))
	for i := range fresh {
		fresh[i] = fmt.Sprintf("new-user-%02d", (i*7)%50)
	}
	if err := views(client, insts, fresh, nil); err != nil {
		return err
	}
	fmt.Printf("| Redis stopped after 500 views (50 users, 4 instances): every view answered | %d before; %d for 500 more views of the same users (%v); %d for 500 views of 50 new users |\n",
		before, known, time.Since(start).Round(time.Millisecond), fleet.SessionCreates(fake)-before-known)
	return nil
}

// latency compares a cache hit through Redis with an uncached POST /sessions to the fake, both in
// this process over loopback.
func latency(redisAddr string) error {
	fake, err := reeflowtest.Start(reeflowtest.WithoutTLS())
	if err != nil {
		return err
	}
	defer fake.Close()
	rc := fake.Client()
	defer rc.CloseIdleConnections()
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr, ContextTimeoutEnabled: true})
	defer rdb.Close()
	key := make([]byte, 32)
	_, _ = crand.Read(key)
	store, err := redisstore.New(rdb, redisstore.WithSealingKeys(key), redisstore.WithKeyPrefix("fleetbench:"))
	if err != nil {
		return err
	}
	// Memory holds one token, and the views alternate between two users: every Get misses
	// memory and is a hit through Redis.
	cache, err := embedding.NewCache(rc.Sessions, embedding.WithStore(store), embedding.WithMaxCachedSessions(1))
	if err != nil {
		return err
	}
	ctx := context.Background()
	users := []reeflow.CreateSessionParams{
		{UserID: "alice", UserAttributes: reeflow.Attributes{"region": "eu"}},
		{UserID: "bob", UserAttributes: reeflow.Attributes{"region": "us"}},
	}
	for _, p := range users {
		if _, err := cache.Get(ctx, p); err != nil {
			return err
		}
	}
	const n = 2000
	i := 0
	hit := measure(n, func() error { i++; _, err := cache.Get(ctx, users[i%2]); return err })
	memory := measure(n, func() error { _, err := cache.Get(ctx, users[i%2]); return err })
	mint := measure(n, func() error { _, err := rc.Sessions.Create(ctx, users[0]); return err })
	if hit.err != nil || memory.err != nil || mint.err != nil {
		return fmt.Errorf("latency: %w, %w, %w", hit.err, memory.err, mint.err)
	}
	fmt.Println()
	fmt.Println("| one token, in-process, loopback | p50 | p99 |")
	fmt.Println("| --- | --- | --- |")
	fmt.Printf("| cache hit in memory, the first tier (Cache.Get) | %v | %v |\n", memory.p50, memory.p99)
	fmt.Printf("| cache hit through Redis, memory missed (Cache.Get) | %v | %v |\n", hit.p50, hit.p99)
	fmt.Printf("| uncached POST /sessions to the fake (Sessions.Create) | %v | %v |\n", mint.p50, mint.p99)
	return nil
}

type percentiles struct {
	p50, p99 time.Duration
	err      error
}

func measure(n int, f func() error) percentiles {
	d := make([]time.Duration, n)
	for i := range d {
		start := time.Now()
		if err := f(); err != nil {
			return percentiles{err: err}
		}
		d[i] = time.Since(start)
	}
	slices.Sort(d)
	return percentiles{p50: d[n/2].Round(time.Microsecond), p99: d[n*99/100].Round(time.Microsecond)}
}

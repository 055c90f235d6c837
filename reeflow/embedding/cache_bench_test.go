package embedding_test

// Benchmarks of the cache against minting a token per page view, on the fake server. The counts
// of POST /sessions are reported as metrics; see BENCHMARKS.md.

import (
	"context"
	"sync"
	"testing"

	"github.com/reeflow/reeflow-go/reeflow"
)

// embedParams is what a typical resolver returns: a user, an organization, a few attributes.
var embedParams = reeflow.CreateSessionParams{
	UserID: "user_1234", OrganizationID: "org_acme",
	UserAttributes:         reeflow.Attributes{"region": "eu", "level": 3, "admin": false},
	OrganizationAttributes: reeflow.Attributes{"plan": "enterprise"},
}

func BenchmarkSessionToken(b *testing.B) {
	ctx := context.Background()
	b.Run("CacheHit", func(b *testing.B) {
		f := newFixture(b)
		cache := f.cache(b)
		if _, err := cache.Get(ctx, embedParams); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cache.Get(ctx, embedParams); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(f.minted()), "POST/sessions")
	})
	b.Run("CacheHitNoAttributes", func(b *testing.B) {
		f := newFixture(b)
		cache := f.cache(b)
		p := reeflow.CreateSessionParams{UserID: embedParams.UserID, OrganizationID: embedParams.OrganizationID}
		if _, err := cache.Get(ctx, p); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := cache.Get(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("CacheHitParallel", func(b *testing.B) {
		f := newFixture(b)
		cache := f.cache(b)
		if _, err := cache.Get(ctx, embedParams); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := cache.Get(ctx, embedParams); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	// Baseline: a call to Reeflow (here, the fake on loopback) per page view.
	b.Run("Uncached", func(b *testing.B) {
		f := newFixture(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.client.Sessions.Create(ctx, embedParams); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSessionPageViews replays 1,000 page views from 50 users over a simulated hour.
func BenchmarkSessionPageViews(b *testing.B) {
	views := simulatedPageViews()
	ctx := context.Background()
	b.Run("Cache", func(b *testing.B) {
		var posts int
		for b.Loop() {
			f := newFixture(b)
			cache := f.cache(b)
			for _, v := range views {
				f.clock.Advance(v.wait)
				if _, err := cache.Get(ctx, v.params); err != nil {
					b.Fatal(err)
				}
			}
			posts = f.minted()
		}
		b.ReportMetric(float64(posts), "POST/1000views")
	})
	b.Run("Uncached", func(b *testing.B) {
		var posts int
		for b.Loop() {
			f := newFixture(b)
			for _, v := range views {
				f.clock.Advance(v.wait)
				if _, err := f.client.Sessions.Create(ctx, v.params); err != nil {
					b.Fatal(err)
				}
			}
			posts = f.minted()
		}
		b.ReportMetric(float64(posts), "POST/1000views")
	})
}

// BenchmarkSessionStampede has 200 callers ask for one user's first token at once.
func BenchmarkSessionStampede(b *testing.B) {
	ctx := context.Background()
	var posts int
	for b.Loop() {
		f := newFixture(b)
		cache := f.cache(b)
		var wg sync.WaitGroup
		for range 200 {
			wg.Go(func() {
				if _, err := cache.Get(ctx, embedParams); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		posts = f.minted()
	}
	b.ReportMetric(float64(posts), "POST/200callers")
}

package reeflowtest_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// WithQuota makes the fake refuse a create beyond a quota, with Reeflow's documented 403, so
// that code that handles a full organization can be tested.
func ExampleWithQuota() {
	srv, err := reeflowtest.Start(reeflowtest.WithQuota("connections", 1))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	if _, err := srv.SeedConnection(reeflow.Connection{Name: "Events", Config: reeflow.TinybirdConfig{Host: "api.tinybird.co", Token: "p.token"}}); err != nil {
		log.Fatal(err)
	}

	_, err = srv.Client().Connections.Create(context.Background(), reeflow.CreateConnectionParams{
		Name: "More events", Config: reeflow.TinybirdConfig{Host: "api.tinybird.co", Token: "p.token"},
	})
	fmt.Println(errors.Is(err, reeflow.ErrQuotaExceeded))
	var apiErr *reeflow.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Message)
	}
	// Output:
	// true
	// 403 Quota exceeded: maximum 1 connections allowed per organization (currently: 1)
}

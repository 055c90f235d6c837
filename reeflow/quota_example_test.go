package reeflow_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// A create beyond the organization's quota is refused with 403 "Quota exceeded: …": it matches
// ErrQuotaExceeded (and is still a *PermissionDeniedError), and a *QuotaError gives its numbers.
// The fake enforces a quota on connections when asked to.
func ExampleQuotaError() {
	srv, err := reeflowtest.Start(reeflowtest.WithQuota("connections", 1))
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	for _, name := range []string{"Events", "More events"} {
		_, err = client.Connections.Create(ctx, reeflow.CreateConnectionParams{Name: name, Config: reeflow.TinybirdConfig{Host: "api.tinybird.co", Token: "p.token"}})
	}
	var quota *reeflow.QuotaError
	if errors.Is(err, reeflow.ErrQuotaExceeded) && errors.As(err, &quota) {
		fmt.Printf("%d of at most %d %s: delete one first\n", quota.Current, quota.Maximum, quota.Resource)
	}
	var denied *reeflow.PermissionDeniedError
	fmt.Println(errors.As(err, &denied))
	// Output:
	// 1 of at most 1 connections: delete one first
	// true
}

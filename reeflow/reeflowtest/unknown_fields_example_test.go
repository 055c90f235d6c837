package reeflowtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"

	"github.com/reeflow/reeflow-go/reeflow"
	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// WithUnknownFields lets a test send a field the SDK does not model, and check it was sent.
func ExampleWithUnknownFields() {
	srv, err := reeflowtest.Start(reeflowtest.WithUnknownFields())
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	client := srv.Client()

	_, err = client.Connections.Create(context.Background(), reeflow.CreateConnectionParams{
		Name: "Analytics",
		Config: reeflow.PostgresConfig{
			Host: "db.example.com", Port: 5432, Database: "analytics", User: "reader", Password: "pw", SSL: true,
		},
	}, reeflow.WithBodyField("config.sslmode", "verify-full"))
	fmt.Println(err)

	var sent struct{ Config map[string]any }
	_ = json.Unmarshal(srv.Requests()[0].Body, &sent)
	fmt.Println(sent.Config["sslmode"], sent.Config["password"])
	// Output:
	// <nil>
	// verify-full [REDACTED]
}

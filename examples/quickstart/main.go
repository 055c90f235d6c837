// Command quickstart lists, creates, reads and deletes a PostgreSQL connection.
//
// With REEFLOW_API_KEY_ID and REEFLOW_API_KEY_SECRET set it talks to Reeflow; otherwise it
// runs against an embedded fake server.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/reeflow/reeflow-go/examples/internal/exampleenv"
	"github.com/reeflow/reeflow-go/reeflow"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	// Without credentials in the environment, fake holds the options that reach an embedded
	// fake server; with them, it is empty and NewClient reads the environment.
	fake, _, stop, err := exampleenv.FakeUnlessConfigured(w)
	if err != nil {
		return err
	}
	defer stop()
	client, err := reeflow.NewClient(append(fake, reeflow.WithUserAgent("reeflow-quickstart"))...)
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	conns, err := client.Connections.List(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "The organization has %d connection(s).\n", len(conns))

	created, err := client.Connections.Create(ctx, reeflow.CreateConnectionParams{
		Name: "Quickstart database",
		Config: reeflow.PostgresConfig{
			Host: "db.example.com", Port: 5432, Database: "analytics", User: "reeflow_reader",
			Password: "example-password", SSL: true,
		},
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Created connection %q (type %s).\n", created.Name, created.Type)

	got, err := client.Connections.Get(ctx, created.ID)
	if err != nil {
		return err
	}
	pg, ok := got.Config.(reeflow.PostgresConfig)
	if !ok {
		return fmt.Errorf("connection %s has a %s config", got.ID, got.Type)
	}
	fmt.Fprintf(w, "Read it back: %s@%s:%d/%s, ssl=%t, password returned: %t.\n",
		pg.User, pg.Host, pg.Port, pg.Database, pg.SSL, pg.Password != "")

	if err := client.Connections.Delete(ctx, created.ID); err != nil {
		return err
	}
	fmt.Fprintln(w, "Deleted it.")
	return nil
}

package reeflow_test

import (
	"context"
	"fmt"
	"log"

	"github.com/reeflow/reeflow-go/reeflow"
)

// exampleKeyFile stands for the JSON key file of a service account, as Google Cloud downloads it
// (read it with os.ReadFile).
var exampleKeyFile = []byte(`{
  "type": "service_account",
  "project_id": "my-gcp-project",
  "private_key_id": "0123456789abcdef",
  "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg...\n-----END PRIVATE KEY-----\n",
  "client_email": "reeflow-reader@my-gcp-project.iam.gserviceaccount.com",
  "token_uri": "https://oauth2.googleapis.com/token"
}`)

// A BigQuery connection from the service account's key file: the key is checked before anything
// is sent, the project ID comes from it, and neither the API nor printing ever shows the key.
func ExampleBigQueryConfigFromKey() {
	srv := fake()
	defer srv.Close()
	client := srv.Client()

	cfg, err := reeflow.BigQueryConfigFromKey(exampleKeyFile, "EU")
	if err != nil {
		log.Fatal(err)
	}
	conn, err := client.Connections.Create(context.Background(), reeflow.CreateConnectionParams{Name: "Warehouse", Config: cfg})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(conn.Type, conn.Config)
	fmt.Printf("%+v\n", cfg)

	_, err = reeflow.BigQueryConfigFromKey([]byte(`{"type": "authorized_user", "refresh_token": "…"}`), "EU")
	fmt.Println(err)
	// Output:
	// bigquery { my-gcp-project EU}
	// {ServiceAccountKey:[REDACTED] ProjectID:my-gcp-project Location:EU}
	// reeflow: BigQuery service-account key is not a service account's key: its "type" is not "service_account" (download a JSON key of a service account, not an OAuth client or user credential)
}

// A Snowflake connection with a user's Programmatic Access Token, which Reeflow never returns
// and printing never shows.
func ExampleSnowflakeConfig() {
	srv := fake()
	defer srv.Close()
	client := srv.Client()

	cfg := reeflow.SnowflakeConfig{
		Account: "myorg-myaccount", User: "REEFLOW_READER", Token: "pat-from-snowsight",
		Warehouse: "ANALYTICS_WH", Database: "ANALYTICS", Schemas: []string{"PUBLIC"},
	}
	conn, err := client.Connections.Create(context.Background(), reeflow.CreateConnectionParams{Name: "Snow", Config: cfg})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s %+v\n", conn.Type, conn.Config)
	fmt.Printf("%+v\n", cfg)
	// Output:
	// snowflake {Account:myorg-myaccount User:REEFLOW_READER Token: Warehouse:ANALYTICS_WH Database:ANALYTICS Schemas:[PUBLIC]}
	// {Account:myorg-myaccount User:REEFLOW_READER Token:[REDACTED] Warehouse:ANALYTICS_WH Database:ANALYTICS Schemas:[PUBLIC]}
}

package reeflow_test

import (
	"context"
	"fmt"
	"log"

	"github.com/reeflow/reeflow-go/reeflow"
)

// Attributes carry the values Reeflow's row filters read with RF_USER_ATTR('name'). Values of
// the wrong type are refused before anything is sent, naming the attribute; Validate says so
// without sending.
func ExampleAttributes() {
	srv := fake()
	defer srv.Close()
	client := srv.Client()

	sess, err := client.Sessions.Create(context.Background(), reeflow.CreateSessionParams{
		UserID:                 "user_1234",
		UserAttributes:         reeflow.Attributes{"region": "eu", "max_level": 3, "is_manager": true},
		OrganizationID:         "org_acme",
		OrganizationAttributes: reeflow.Attributes{"plan": "enterprise"},
	})
	if err != nil {
		log.Fatal(err)
	}
	claims, _ := srv.ParseSessionToken(sess.Token)
	fmt.Println(claims.UserAttributes["region"], claims.UserAttributes["max_level"], claims.OrganizationAttributes["plan"])

	bad := reeflow.CreateSessionParams{UserID: "user_1234", UserAttributes: reeflow.Attributes{"regions": []string{"eu", "us"}}}
	fmt.Println(bad.Validate())
	_, err = client.Sessions.Create(context.Background(), bad)
	fmt.Println(err)
	// Output:
	// eu 3 enterprise
	// user attribute "regions": value is a []string, not a string, number or boolean
	// reeflow: create session: user attribute "regions": value is a []string, not a string, number or boolean
}

package reeflowtest_test

import (
	"fmt"

	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// Validate says what AddFault would refuse, before a program that reads faults from its users
// starts serving.
func ExampleFault_Validate() {
	fmt.Println(reeflowtest.Fault{Method: "POST", Path: "/sessions", Status: 503}.Validate())
	fmt.Println(reeflowtest.Fault{Path: "/sessions", Status: 200}.Validate())
	// Output:
	// <nil>
	// status 200 is not a failure status: use 400 to 599
}

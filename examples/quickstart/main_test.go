package main

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/reeflow/reeflow-go/examples/internal/exampletest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestRunsAgainstTheEmbeddedFake keeps the example from rotting.
func TestRunsAgainstTheEmbeddedFake(t *testing.T) {
	exampletest.RunAgainstFake(t, run,
		"Created connection \"Quickstart database\" (type pg).",
		"password returned: false",
		"Deleted it.",
	)
}

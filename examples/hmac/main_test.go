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
		"Signed GET /connections: 0 connection(s).",
		"Signed POST /sessions",
		"verified the hmac signature of each request",
		"the client corrected its timestamps",
	)
}

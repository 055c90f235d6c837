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
		"unknown key ID           recognised: 401 \"Invalid API key\"",
		"wrong secret             recognised: 401 \"Invalid API key secret\"",
		"malformed Basic header   recognised: 401 \"Invalid Basic auth format\"",
		"two credentials at once  recognised: 400 \"Multiple credentials provided\"",
		"disabled key             recognised: 403 \"API key is disabled\"",
		"refused locally",
	)
}

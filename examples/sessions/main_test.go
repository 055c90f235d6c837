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
		"Minted a session token for user_1234",
		"hides its token: {[REDACTED]",
		"A 48-hour session is refused: INVALID_EXPIRATION",
	)
}

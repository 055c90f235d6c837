package embedding_test

import (
	"log/slog"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// The handler and the cache log to slog.Default() unless told otherwise; tests that check
	// what they log give them a logger, or set the default themselves.
	slog.SetDefault(slog.New(slog.DiscardHandler))
	goleak.VerifyTestMain(m)
}

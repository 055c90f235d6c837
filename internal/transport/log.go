package transport

import (
	"context"
	"log/slog"
	"time"

	"github.com/reeflow/reeflow-go/internal/safetext"
)

// logAttempt writes one record per attempt: Debug when it succeeded, Warn when it failed, with
// the wait before the next attempt when there is one. It logs an allow-list of metadata only:
// never headers, credentials or bodies.
func (p *Pipeline) logAttempt(ctx context.Context, l *slog.Logger, call *Call, attempt int, res *attemptResult, retryWait time.Duration) {
	if l == nil {
		return
	}
	level := slog.LevelDebug
	if res.err != nil {
		level = slog.LevelWarn
	}
	if !l.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 9)
	attrs = append(attrs,
		slog.String("op", call.Name),
		slog.String("method", res.method),
		slog.String("path", res.path),
		slog.Int("attempt", attempt),
		slog.Int("status", res.status),
		slog.Duration("duration", res.duration),
	)
	if res.requestID != "" {
		// The server's text: bounded and cleaned, as the error's is.
		attrs = append(attrs, slog.String("request_id", safetext.Clean(res.requestID, safetext.MaxID)))
	}
	if retryWait > 0 {
		attrs = append(attrs, slog.Duration("retry_wait", retryWait))
	}
	if res.err != nil {
		attrs = append(attrs, slog.String("error", res.err.Error()))
	}
	l.LogAttrs(ctx, level, "reeflow: request", attrs...)
}

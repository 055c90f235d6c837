package reeflow

import (
	"context"
	"log/slog"
	"time"
)

// logAttempt writes one record per attempt: Debug when it succeeded, Warn when it failed, with
// the wait before the next attempt when there is one. It logs an allow-list of metadata only:
// never headers, credentials or bodies.
func (c *client) logAttempt(ctx context.Context, op operation, attempt int, res attemptResult, retryWait time.Duration) {
	if c.logger == nil {
		return
	}
	level := slog.LevelDebug
	if res.err != nil {
		level = slog.LevelWarn
	}
	if !c.logger.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs,
		slog.String("op", op.name),
		slog.String("method", res.method),
		slog.String("path", res.path),
		slog.Int("attempt", attempt),
		slog.Int("status", res.status),
		slog.Duration("duration", res.duration),
	)
	if res.requestID != "" {
		attrs = append(attrs, slog.String("request_id", res.requestID))
	}
	if retryWait > 0 {
		attrs = append(attrs, slog.Duration("retry_wait", retryWait))
	}
	if res.err != nil {
		attrs = append(attrs, slog.String("error", res.err.Error()))
	}
	c.logger.LogAttrs(ctx, level, "reeflow: request", attrs...)
}

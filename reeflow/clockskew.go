package reeflow

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/reeflow/reeflow-go/internal/hmacsig"
)

// defaultMaxClockSkew bounds the clock offset the client learns from a server. A larger offset
// would let anyone who can forge one 401 make the client sign requests far in the future, which
// a captured request could then be replayed against for as long: HMAC's promise that a captured
// request expires after about five minutes rests on this bound.
const defaultMaxClockSkew = 15 * time.Minute

// learnClockSkew handles an HMAC "Request timestamp expired" answer: it takes the server's
// clock from its Date header and, when the offset is within the client's bound, keeps it for this
// and later requests. It reports whether the request should be signed again with the corrected
// clock. Any other failure, a Date it cannot read, or an offset beyond the bound teaches nothing.
func (c *client) learnClockSkew(ctx context.Context, op operation, res attemptResult) bool {
	if c.auth.mode() != AuthHMAC || res.apiErr == nil || res.apiErr.StatusCode != http.StatusUnauthorized ||
		res.apiErr.Message != hmacsig.MessageTimestampExpired {
		return false
	}
	serverNow, err := http.ParseTime(res.header.Get("Date"))
	if err != nil {
		c.logSkew(ctx, op, slog.LevelWarn, "reeflow: clock offset not learned: the response has no valid Date header", 0)
		return false
	}
	skew := serverNow.Sub(c.now())
	if skew > c.maxClockSkew || skew < -c.maxClockSkew {
		c.logSkew(ctx, op, slog.LevelWarn, "reeflow: clock offset refused: beyond the client's bound (WithMaxClockSkew)", skew)
		return false
	}
	c.skew.Store(int64(skew))
	c.logSkew(ctx, op, slog.LevelWarn, "reeflow: clock offset learned from the server's Date header", skew)
	return true
}

func (c *client) logSkew(ctx context.Context, op operation, level slog.Level, msg string, skew time.Duration) {
	if c.logger == nil || !c.logger.Enabled(ctx, level) {
		return
	}
	c.logger.LogAttrs(ctx, level, msg, slog.String("op", op.name), slog.Duration("offset", skew),
		slog.Duration("max_offset", c.maxClockSkew))
}

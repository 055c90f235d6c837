package transport

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/reeflow/reeflow-go/internal/hmacsig"
)

// DefaultMaxClockSkew bounds the clock offset the client learns from a server. A larger offset
// would let anyone who can forge one 401 make the client sign requests far in the future, which
// a captured request could then be replayed against for as long: HMAC's promise that a captured
// request expires after about five minutes rests on this bound.
const DefaultMaxClockSkew = 15 * time.Minute

// learnClockSkew handles an HMAC "Request timestamp expired" answer: it takes the server's
// clock from its Date header and, when the offset is within the bound, keeps it for this and
// later requests. It reports whether the request should be signed again with the corrected
// clock. Any other failure, a Date it cannot read, an offset beyond the bound, or an
// authenticator that does not sign with the pipeline's clock (an HMACAuth editor given as an
// option: signing again would send the same timestamp) teaches nothing.
func (p *Pipeline) learnClockSkew(ctx context.Context, s *Settings, call *Call, res *attemptResult) bool {
	if !s.Auth.SignsWithPipelineClock() || res.status != http.StatusUnauthorized ||
		ParseErrorBody(res.body).Message != hmacsig.MessageTimestampExpired {
		return false
	}
	serverNow, err := http.ParseTime(res.header.Get("Date"))
	if err != nil {
		p.logSkew(ctx, s.Logger, call, "reeflow: clock offset not learned: the response has no valid Date header", 0)
		return false
	}
	skew := serverNow.Sub(p.clock.Now())
	if skew > p.maxClockSkew || skew < -p.maxClockSkew {
		p.logSkew(ctx, s.Logger, call, "reeflow: clock offset refused: beyond the client's bound (WithMaxClockSkew)", skew)
		return false
	}
	p.skew.Store(int64(skew))
	p.logSkew(ctx, s.Logger, call, "reeflow: clock offset learned from the server's Date header", skew)
	return true
}

func (p *Pipeline) logSkew(ctx context.Context, l *slog.Logger, call *Call, msg string, skew time.Duration) {
	if l == nil || !l.Enabled(ctx, slog.LevelWarn) {
		return
	}
	l.LogAttrs(ctx, slog.LevelWarn, msg, slog.String("op", call.Name), slog.Duration("offset", skew),
		slog.Duration("max_offset", p.maxClockSkew))
}

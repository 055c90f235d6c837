package reeflow

import (
	"context"
	"net/http"

	"github.com/reeflow/reeflow-go/internal/hmacsig"
)

// learnClockSkew handles an HMAC "Request timestamp expired" answer: it takes the server's
// clock from its Date header and keeps the offset for this and later requests. It reports
// whether the request should be signed again with the corrected clock.
func (c *client) learnClockSkew(_ context.Context, res attemptResult) bool {
	if c.auth.mode() != AuthHMAC || res.apiErr == nil || res.apiErr.StatusCode != http.StatusUnauthorized ||
		res.apiErr.Message != hmacsig.MessageTimestampExpired {
		return false
	}
	serverNow, err := http.ParseTime(res.header.Get("Date"))
	if err != nil {
		return false
	}
	c.skew.Store(int64(serverNow.Sub(c.now())))
	return true
}

package reeflow

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// call is one API call as the services and Client.Do describe it.
type call struct {
	op    operation
	build func(base string) (*http.Request, error) // a fresh request per attempt
	// decode receives a 2xx body; nil when the call expects none.
	decode func([]byte) error
}

// do sends an API call: per attempt it builds the request, applies the editors, extra headers,
// body fields and the authentication, sends it, classifies the response, and waits before a
// retry. It fills the call's WithResponseInto, if any, from the last attempt.
func (c *client) do(ctx context.Context, cl call, opts []CallOption) error {
	if ctx == nil {
		return opError(cl.op, errors.New("nil context"))
	}
	cfg := newCallConfig(opts)
	if cfg.err != nil {
		return opError(cl.op, cfg.err)
	}
	if len(cfg.bodyFields) > 0 && !cl.op.sendsBody {
		return opError(cl.op, fmt.Errorf("WithBodyField: %s sends no request body", cl.op.name))
	}
	policy := cl.op.retry
	if cfg.idempotent && cl.op.raw {
		policy = retryIdempotent
	}
	maxRetries := c.maxRetries
	if cfg.maxRetries != nil {
		maxRetries = *cfg.maxRetries
	}
	timeout := c.timeout
	if cfg.attemptTimeout != nil {
		timeout = *cfg.attemptTimeout
	}
	a := attempt{c: c, call: cl, cfg: &cfg, policy: policy, timeout: timeout}

	clockCorrected := false
	for n := 1; ; n++ {
		res := a.send(ctx)
		if cfg.response != nil {
			res.fill(cfg.response, n)
		}
		if res.err == nil {
			c.logAttempt(ctx, cl.op, n, res, 0)
			return nil
		}
		if ctx.Err() != nil {
			c.logAttempt(ctx, cl.op, n, res, 0)
			return opError(cl.op, fmt.Errorf("%w (attempt %d: %w)", context.Cause(ctx), n, res.err))
		}
		if !clockCorrected && c.learnClockSkew(ctx, cl.op, res) {
			c.logAttempt(ctx, cl.op, n, res, 0)
			clockCorrected = true
			n-- // a clock correction is not a retry
			continue
		}
		if !res.retryable || n > maxRetries {
			c.logAttempt(ctx, cl.op, n, res, 0)
			return opError(cl.op, finalError(cl.op, policy, n, res))
		}
		var retryAfter time.Duration
		if res.apiErr != nil {
			retryAfter = res.apiErr.RetryAfter
		}
		wait := c.backoff(n, retryAfter)
		c.logAttempt(ctx, cl.op, n, res, wait)
		if err := c.sleep(ctx, wait); err != nil {
			return opError(cl.op, fmt.Errorf("%w (waiting to retry after attempt %d: %w)", err, n, res.err))
		}
	}
}

// finalError is the error of the attempt a call gives up on. A failure that an idempotent call
// would have retried says why this one was not: the server may have acted on it.
func finalError(op operation, policy retryPolicy, attempts int, res attemptResult) error {
	err := res.err
	if !res.retryable && policy == retryUnsent && res.transient {
		err = fmt.Errorf("%w (not retried: %s)", err, op.notRetried())
	}
	if attempts > 1 {
		return fmt.Errorf("giving up after %d attempts: %w", attempts, err)
	}
	return err
}

func opError(op operation, err error) error {
	return fmt.Errorf("reeflow: %s: %w", op.name, err)
}

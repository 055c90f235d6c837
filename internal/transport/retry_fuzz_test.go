package transport_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reeflow/reeflow-go/internal/transport"
)

func FuzzParseRetryAfter(f *testing.F) {
	for _, seed := range []string{"0", "7", "120", "-1", "", "soon", "Wed, 21 Oct 2015 07:28:00 GMT", "99999999999999999999", " 5 "} {
		f.Add(seed)
	}
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := transport.ParseRetryAfter(v, now)
		if d < 0 {
			t.Fatalf("negative wait %s for %q", d, v)
		}
		if !ok && d != 0 {
			t.Fatalf("wait %s for a malformed %q", d, v)
		}
		if _, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(strings.TrimSpace(v), "-") {
			if !ok || d < time.Duration(1<<62) {
				t.Fatalf("%q (beyond int64) gave %s, %t: want the longest wait", v, d, ok)
			}
		}
		if secs, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && secs >= 0 && secs < 1<<32 {
			if !ok || d != time.Duration(secs)*time.Second {
				t.Fatalf("%q gave %s, %t", v, d, ok)
			}
		}
	})
}

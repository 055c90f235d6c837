package reeflowtest

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/reeflow/reeflow-go/internal/hmacsig"
)

const fuzzKeyID, fuzzSecret = "key_fuzz", "fuzz-secret"

func fuzzState(t *testing.T) *state {
	t.Helper()
	st, err := newState()
	if err != nil {
		t.Fatal(err)
	}
	st.addKey(fuzzKeyID, "fuzz", fuzzSecret)
	st.setClock(func() time.Time { return time.Unix(1764158400, 0) })
	return st
}

func FuzzBasicHeader(f *testing.F) {
	for _, seed := range []string{
		"Basic " + base64.StdEncoding.EncodeToString([]byte(fuzzKeyID+":"+fuzzSecret)),
		"Basic " + base64.StdEncoding.EncodeToString([]byte(fuzzKeyID+":wrong")),
		"Basic " + base64.StdEncoding.EncodeToString([]byte("key_other:x")),
		"Basic !!!", "Bearer x", "Basic", "basic " + base64.StdEncoding.EncodeToString([]byte(":")), "",
	} {
		f.Add(seed)
	}
	allowed := map[string]bool{"": true, msgInvalidAPIKey: true, msgInvalidSecret: true, msgInvalidBasicFormat: true, msgKeyDisabled: true}
	f.Fuzz(func(t *testing.T, header string) {
		st := fuzzState(t)
		_, status, msg := st.checkBasic(header)
		if !allowed[msg] {
			t.Fatalf("undocumented message %q", msg)
		}
		if (status == 0) != (msg == "") {
			t.Fatalf("status %d with message %q", status, msg)
		}
		if status == 0 {
			decoded, err := base64.StdEncoding.DecodeString(header[len("Basic "):])
			if err != nil || string(decoded) != fuzzKeyID+":"+fuzzSecret {
				t.Fatalf("accepted %q", header)
			}
		}
	})
}

func FuzzHMACVerifier(f *testing.F) {
	f.Add("GET", "/connections", "", []byte(nil), int64(1764158400), "")
	f.Add("POST", "/sessions", "", []byte(`{"user":{"id":"u"}}`), int64(1764158400), "")
	f.Add("GET", "/connections/a%2Fb", "x=1", []byte{0, 255}, int64(1764158000), "0000")
	f.Add("DELETE", "/connections/conn_1", "", []byte(nil), int64(-1), "not-hex")
	key := hmacsig.NewKey([]byte(fuzzSecret))
	f.Fuzz(func(t *testing.T, method, path, query string, body []byte, ts int64, forged string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Method = method
		req.URL.RawPath, req.URL.Path, req.URL.RawQuery = "", path, query
		signature := string(key.AppendSignature(nil, hmacsig.Default.Append(nil, &hmacsig.Message{Method: method, EscapedPath: req.URL.EscapedPath(), RawQuery: query, Unix: ts, Body: body})))
		req.Header.Set(hmacsig.HeaderTimestamp, strconv.FormatInt(ts, 10))

		st := fuzzState(t)
		inWindow := ts >= 1764158400-300 && ts <= 1764158400+300
		req.Header.Set(hmacsig.HeaderSignature, signature)
		status, msg := st.checkHMAC(req, fuzzKeyID, body)
		if inWindow && status != 0 {
			t.Fatalf("a correct signature was refused: %d %s", status, msg)
		}
		if !inWindow && msg != msgTimestampExpired {
			t.Fatalf("a timestamp outside the window gave %q", msg)
		}
		if forged != signature {
			req.Header.Set(hmacsig.HeaderSignature, forged)
			if status, _ := st.checkHMAC(req, fuzzKeyID, body); status == 0 {
				t.Fatalf("a forged signature %q was accepted", forged)
			}
		}
	})
}

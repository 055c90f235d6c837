package embedding

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/reeflow/reeflow-go/reeflow"
)

// FuzzCacheKeyMeansTheSameWireBody ties keyOf to what reeflow sends. A memory hit skips
// Validate and hands out the token minted for another caller's params with the same key, so
// keyOf carries a copy of reeflow's number rules (float32 as its shortest decimal, -0 as 0,
// json.Number integers, the 2^53 bound). Should the two ever drift apart, two callers whose
// POST /sessions bodies differ could share a token: this fuzz test builds two attribute values
// of different Go types from the same inputs and checks that whenever their keys are equal,
// Validate judges them alike and the bodies reeflow sends for them are byte for byte the same.
func FuzzCacheKeyMeansTheSameWireBody(f *testing.F) {
	for _, seed := range []struct {
		a, b uint8
		s    string
		i    int64
		fl   float64
	}{
		{9, 10, "", 0, 0.1},                  // float32(0.1) and 0.1
		{9, 11, "", 0, 0.1},                  // float32(0.1) and float64(float32(0.1))
		{10, 9, "", 0, math.Copysign(0, -1)}, // -0 and float32 -0
		{2, 12, "", 1 << 53, 0},              // the edge of exact integers
		{6, 15, "", -(1 << 53) + 1, 0},       // and the other edge
		{7, 12, "", -1, 0},                   // uint64(-1) is 2^64-1
		{14, 2, "1.0", 1, 0},                 // json.Number "1.0" and 1
		{14, 10, "1e2", 0, 100},              // json.Number "1e2" and 100
		{14, 2, " 1", 1, 0},                  // json.Number " 1" and 1
		{14, 10, "Inf", 0, math.Inf(1)},      // json.Number "Inf"
		{14, 10, "1e500", 0, math.Inf(1)},
		{14, 2, "0x10", 16, 0},
		{14, 2, "-0", 0, 0},
		{0, 14, "12", 12, 0},      // the string "12" and json.Number "12"
		{18, 2, "", 1 << 60, 0},   // a named int beyond 2^53
		{19, 9, "", 0, 1.0 / 3.0}, // a named float64 and a float32
		{17, 16, "", 0, 5e-324},
		{9, 23, "", 0, 0.123},             // two neighbouring float32s
		{7, 6, "", 1<<53 - 1, 0},          // the largest exact integer, as uint64 and int64
		{15, 6, "", -(1 << 53) + 1, 0},    // the smallest, as json.Number and int64
		{14, 2, "9007199254740991", 0, 0}, // the largest as a json.Number
	} {
		f.Add(seed.a, seed.b, seed.s, seed.i, seed.fl)
	}
	client := wireRecorder(f)
	f.Fuzz(func(t *testing.T, kindA, kindB uint8, s string, i int64, fl float64) {
		pa := attributeParams(fuzzValue(kindA, s, i, fl))
		pb := attributeParams(fuzzValue(kindB, s, i, fl))
		ka, errA := keyOf(pa)
		kb, errB := keyOf(pb)
		// keyOf refuses only params that Validate refuses: a valid caller always has a key.
		for _, c := range []struct {
			p   reeflow.CreateSessionParams
			err error
		}{{pa, errA}, {pb, errB}} {
			if c.err != nil && c.p.Validate() == nil {
				t.Fatalf("%#v is valid but has no key: %v", c.p.UserAttributes["v"], c.err)
			}
		}
		if errA != nil || errB != nil || ka != kb {
			return
		}
		va, vb := pa.Validate(), pb.Validate()
		if (va == nil) != (vb == nil) {
			t.Fatalf("%#v and %#v share a key, but Validate says %v and %v", pa.UserAttributes["v"], pb.UserAttributes["v"], va, vb)
		}
		if va != nil {
			return
		}
		wa, wb := client.body(t, pa), client.body(t, pb)
		if !bytes.Equal(wa, wb) {
			t.Fatalf("%#v and %#v share a key, but reeflow sends\n%s\nand\n%s", pa.UserAttributes["v"], pb.UserAttributes["v"], wa, wb)
		}
	})
}

type (
	namedInt    int
	namedFloat  float64
	namedString string
	namedBool   bool
	namedUint16 uint16
)

// fuzzValue builds an attribute value of the Go type kind names from the fuzzer's inputs, so
// that two kinds often build the same number in two types.
func fuzzValue(kind uint8, s string, i int64, fl float64) any {
	switch kind % 25 {
	case 0:
		return s
	case 1:
		return i%2 == 0
	case 2:
		return int(i)
	case 3:
		return int8(i)
	case 4:
		return int16(i)
	case 5:
		return int32(i)
	case 6:
		return i
	case 7:
		return uint64(i)
	case 8:
		return uint8(i)
	case 9:
		return float32(fl)
	case 10:
		return fl
	case 11:
		return float64(float32(fl))
	case 12:
		return float64(i)
	case 13:
		return float32(i)
	case 14:
		return json.Number(s)
	case 15:
		return json.Number(strconv.FormatInt(i, 10))
	case 16:
		return json.Number(strconv.FormatFloat(fl, 'g', -1, 64))
	case 17:
		return json.Number(strconv.FormatFloat(fl, 'e', -1, 64))
	case 18:
		return namedInt(i)
	case 19:
		return namedFloat(fl)
	case 20:
		return namedString(s)
	case 21:
		return namedBool(i%2 == 0)
	case 22:
		return json.Number(strconv.FormatFloat(float64(float32(fl)), 'g', -1, 32))
	case 23: // the float32 next to case 9's: two values that must never share a key
		return math.Nextafter32(float32(fl), float32(math.Inf(1)))
	default:
		return namedUint16(i)
	}
}

func attributeParams(v any) reeflow.CreateSessionParams {
	return reeflow.CreateSessionParams{UserID: "u", UserAttributes: reeflow.Attributes{"v": v}}
}

// recorder is a reeflow client whose transport keeps the body of each POST /sessions and
// answers it at once, without a network.
type recorder struct {
	client *reeflow.Client
	mu     sync.Mutex
	last   []byte
}

func wireRecorder(tb testing.TB) *recorder {
	r := &recorder{}
	c, err := reeflow.NewClient(
		reeflow.WithBaseURL("https://reeflow.test"),
		reeflow.WithBasicAuth("key_fuzz", "secret"),
		reeflow.WithHTTPClient(&http.Client{Transport: r}),
	)
	if err != nil {
		tb.Fatal(err)
	}
	r.client = c
	return r
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	b, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.last = b
	r.mu.Unlock()
	const created = `{"token":"t","expires_at":"2099-01-01T00:00:00Z"}`
	return &http.Response{
		StatusCode:    http.StatusCreated,
		ContentLength: int64(len(created)),
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(strings.NewReader(created)),
		Request:       req,
	}, nil
}

// body returns the body reeflow sends to create a session for p.
func (r *recorder) body(t *testing.T, p reeflow.CreateSessionParams) []byte {
	t.Helper()
	if _, err := r.client.Sessions.Create(t.Context(), p); err != nil {
		t.Fatalf("create %#v: %v", p.UserAttributes["v"], err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

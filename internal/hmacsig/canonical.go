package hmacsig

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
)

// Message is what a canonical string is built from: the parts of one request that a
// definition may cover.
type Message struct {
	Method      string
	EscapedPath string // the path as sent, percent-escapes kept
	RawQuery    string // without the "?"
	ContentType string // empty when the request has no body
	Unix        int64  // the X-API-Timestamp value
	Body        []byte
}

// Part is one element of a canonical string.
type Part uint8

// The parts a canonical string can be made of.
const (
	PartMethod      Part = iota + 1 // the method, in the variant's case
	PartPath                        // the escaped path, with "?" and the raw query unless the variant excludes it
	PartTimestamp                   // the Unix timestamp in decimal
	PartBody                        // the body, encoded as the variant says
	PartContentType                 // the Content-Type header, empty when absent
)

// BodyEncoding is how a canonical string carries the body.
type BodyEncoding uint8

// Body encodings.
const (
	BodyHexSHA256      BodyEncoding = iota // lower-case hex SHA-256 of the body
	BodyUpperHexSHA256                     // upper-case hex SHA-256 of the body
	BodyBase64SHA256                       // standard base64 SHA-256 of the body
	BodyRaw                                // the body itself
)

// Variant is one definition of the canonical string. Reeflow documents that the signature
// covers the method, path, timestamp and body but not how they are joined, so the SDK's
// definition (Default) is one variant among the Candidates that cmd/reeflow-conformance
// tries against the real API; when Reeflow's is known, Default changes and nothing else.
type Variant struct {
	Name         string // short and stable, printed by the conformance probe
	Parts        []Part // in order
	Separator    string // between parts
	LowerMethod  bool   // "get" instead of "GET"
	ExcludeQuery bool   // the path without its query string
	Body         BodyEncoding
}

// Default is the SDK's canonical string, used by its signer and by the fake server's verifier:
//
//	METHOD "\n" escaped-path ["?" raw-query] "\n" unix-seconds "\n" hex(sha256(body))
var Default = Variant{
	Name:      "reeflow-go v0.1",
	Parts:     []Part{PartMethod, PartPath, PartTimestamp, PartBody},
	Separator: "\n",
}

// Append appends the canonical string of m to dst.
func (v *Variant) Append(dst []byte, m *Message) []byte {
	for i, p := range v.Parts {
		if i > 0 {
			dst = append(dst, v.Separator...)
		}
		switch p {
		case PartMethod:
			dst = appendMethod(dst, m.Method, v.LowerMethod)
		case PartPath:
			dst = append(dst, m.EscapedPath...)
			if !v.ExcludeQuery && m.RawQuery != "" {
				dst = append(dst, '?')
				dst = append(dst, m.RawQuery...)
			}
		case PartTimestamp:
			dst = strconv.AppendInt(dst, m.Unix, 10)
		case PartBody:
			dst = v.Body.append(dst, m.Body)
		case PartContentType:
			dst = append(dst, m.ContentType...)
		}
	}
	return dst
}

func appendMethod(dst []byte, method string, lower bool) []byte {
	if !lower {
		return append(dst, method...)
	}
	for i := 0; i < len(method); i++ {
		c := method[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

func (e BodyEncoding) append(dst, body []byte) []byte {
	if e == BodyRaw {
		return append(dst, body...)
	}
	sum := sha256.Sum256(body)
	switch e {
	case BodyUpperHexSHA256:
		start := len(dst)
		dst = hex.AppendEncode(dst, sum[:])
		for i := start; i < len(dst); i++ {
			if 'a' <= dst[i] && dst[i] <= 'f' {
				dst[i] -= 'a' - 'A'
			}
		}
		return dst
	case BodyBase64SHA256:
		return base64.StdEncoding.AppendEncode(dst, sum[:])
	default:
		return hex.AppendEncode(dst, sum[:])
	}
}

// String describes the definition as a formula, such as
// METHOD "\n" PATH?QUERY "\n" TIMESTAMP "\n" hex(sha256(BODY)).
func (v Variant) String() string {
	parts := make([]string, len(v.Parts))
	for i, p := range v.Parts {
		switch p {
		case PartMethod:
			parts[i] = "METHOD"
			if v.LowerMethod {
				parts[i] = "method"
			}
		case PartPath:
			parts[i] = "PATH?QUERY"
			if v.ExcludeQuery {
				parts[i] = "PATH"
			}
		case PartTimestamp:
			parts[i] = "TIMESTAMP"
		case PartBody:
			parts[i] = [...]string{"hex(sha256(BODY))", "HEX(sha256(BODY))", "base64(sha256(BODY))", "BODY"}[v.Body]
		case PartContentType:
			parts[i] = "CONTENT-TYPE"
		}
	}
	sep := " "
	if v.Separator != "" {
		sep = " " + strconv.Quote(v.Separator) + " "
	}
	return strings.Join(parts, sep)
}

// Candidates returns the definitions worth trying when Reeflow refuses Default, Default first.
// Each differs from Default in one way (query, body encoding, method case, Content-Type,
// order, separator), plus the common "everything concatenated" shapes; the list is short
// because each candidate costs one request against the real API.
func Candidates() []Variant {
	m, p, t, b, ct := PartMethod, PartPath, PartTimestamp, PartBody, PartContentType
	sdk := Default
	sdk.Parts = slices.Clone(Default.Parts)
	return []Variant{
		sdk,
		{Name: "query excluded", Parts: []Part{m, p, t, b}, Separator: "\n", ExcludeQuery: true},
		{Name: "upper-case hex body hash", Parts: []Part{m, p, t, b}, Separator: "\n", Body: BodyUpperHexSHA256},
		{Name: "base64 body hash", Parts: []Part{m, p, t, b}, Separator: "\n", Body: BodyBase64SHA256},
		{Name: "raw body", Parts: []Part{m, p, t, b}, Separator: "\n", Body: BodyRaw},
		{Name: "lower-case method", Parts: []Part{m, p, t, b}, Separator: "\n", LowerMethod: true},
		{Name: "content type before body", Parts: []Part{m, p, t, ct, b}, Separator: "\n"},
		{Name: "timestamp first", Parts: []Part{t, m, p, b}, Separator: "\n"},
		{Name: "timestamp last", Parts: []Part{m, p, b, t}, Separator: "\n"},
		{Name: "timestamp after method", Parts: []Part{m, t, p, b}, Separator: "\n"},
		{Name: "timestamp first, raw body", Parts: []Part{t, m, p, b}, Separator: "\n", Body: BodyRaw},
		{Name: "concatenated", Parts: []Part{m, p, t, b}},
		{Name: "concatenated, raw body", Parts: []Part{m, p, t, b}, Body: BodyRaw},
		{Name: "concatenated, timestamp first, raw body", Parts: []Part{t, m, p, b}, Body: BodyRaw},
		{Name: "dot-separated, timestamp first, raw body", Parts: []Part{t, m, p, b}, Separator: ".", Body: BodyRaw},
		{Name: "pipe-separated", Parts: []Part{m, p, t, b}, Separator: "|"},
	}
}

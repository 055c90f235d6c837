package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Source says whether Reeflow documents a fact or this SDK assumes it, as openapi.yaml's
// x-reeflow-source does.
type Source string

// Sources.
const (
	Documented Source = "documented"
	Assumed    Source = "assumed"
)

// Result is what the probe found out about a fact.
type Result string

// Results.
const (
	Confirmed    Result = "confirmed"    // the API behaves as the fact says
	Contradicted Result = "contradicted" // the API behaves otherwise: the evidence says how
	Inconclusive Result = "inconclusive" // the answer could not decide (an error, a rate limit, nothing to look at)
	Skipped      Result = "skipped"      // not tried (needs -write, or an earlier step failed)
)

// Row is one fact and what the probe found. Evidence holds statuses, messages and header or
// field names, never a secret, token, password or claim value other than a time.
type Row struct {
	ID       string `json:"id"`
	Fact     string `json:"fact"`
	Source   Source `json:"source"`
	Result   Result `json:"result"`
	Evidence string `json:"evidence"`
}

func writeJSON(w io.Writer, rows []Row) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(rows)
}

func writeText(w io.Writer, rows []Row) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RESULT\tSOURCE\tFACT\tEVIDENCE")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Result, r.Source, r.Fact, r.Evidence)
	}
	_ = tw.Flush()
}

func summarize(rows []Row, requests int, elapsed time.Duration) string {
	count := map[Result]int{}
	documented := 0
	for _, r := range rows {
		count[r.Result]++
		if r.Result == Contradicted && r.Source == Documented {
			documented++
		}
	}
	return fmt.Sprintf("%d facts: %d confirmed, %d contradicted (%d of them documented), %d inconclusive, %d skipped; %d requests in %s",
		len(rows), count[Confirmed], count[Contradicted], documented, count[Inconclusive], count[Skipped],
		requests, elapsed.Round(10*time.Millisecond))
}

func documentedContradicted(rows []Row) bool {
	for _, r := range rows {
		if r.Result == Contradicted && r.Source == Documented {
			return true
		}
	}
	return false
}

package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/reeflow/reeflow-go/reeflow/reeflowtest"
)

// faultUsage documents -fault in -help.
const faultUsage = `inject a fault, as reeflowtest.Fault does (repeatable; applied in the order given):
  '[METHOD] [PATH] key=value...'  with METHOD such as POST or * (any), PATH a net/http pattern
  such as /connections/{id} (none: any path), and keys:
    status=503       answer with this status (400 to 599) and the fake's error body
    retry-after=2s   add a Retry-After header (needs status)
    delay=500ms      wait before answering (or before serving normally, without status or drop)
    drop             close the connection after reading the request, without answering
    times=1          affect this many matching requests (default: every one)
  example: -fault 'POST /sessions status=503 retry-after=2s times=1'`

// faultFlags collects the -fault flags.
type faultFlags []reeflowtest.Fault

func (f *faultFlags) String() string { return fmt.Sprintf("%d fault(s)", len(*f)) }

func (f *faultFlags) Set(spec string) error {
	fault, err := parseFault(spec)
	if err != nil {
		return err
	}
	*f = append(*f, fault)
	return nil
}

// parseFault reads one -fault value, and refuses what AddFault would refuse.
func parseFault(spec string) (reeflowtest.Fault, error) {
	var f reeflowtest.Fault
	fields := strings.Fields(spec)
	if len(fields) > 0 && !strings.Contains(fields[0], "=") && !strings.HasPrefix(fields[0], "/") && fields[0] != "drop" {
		if fields[0] != "*" {
			f.Method = fields[0]
		}
		fields = fields[1:]
	}
	if len(fields) > 0 && strings.HasPrefix(fields[0], "/") {
		f.Path = fields[0]
		fields = fields[1:]
	}
	for _, field := range fields {
		if err := setFaultKey(&f, field); err != nil {
			return reeflowtest.Fault{}, err
		}
	}
	if err := f.Validate(); err != nil {
		return reeflowtest.Fault{}, err
	}
	return f, nil
}

func setFaultKey(f *reeflowtest.Fault, field string) error {
	key, value, hasValue := strings.Cut(field, "=")
	var err error
	switch key {
	case "status":
		f.Status, err = strconv.Atoi(value)
	case "times":
		f.Times, err = strconv.Atoi(value)
	case "retry-after":
		f.RetryAfter, err = time.ParseDuration(value)
	case "delay":
		f.Delay, err = time.ParseDuration(value)
	case "drop":
		f.Drop = true
		if hasValue {
			f.Drop, err = strconv.ParseBool(value)
		}
	default:
		return fmt.Errorf("unknown key %q: use status, retry-after, delay, drop or times", key)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	return nil
}

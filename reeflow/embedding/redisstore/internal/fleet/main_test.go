package fleet_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/reeflow/reeflow-go/reeflow/embedding/redisstore/internal/fleet"
)

// instanceBin is the instance program, built once for every test.
var instanceBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fleet-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	instanceBin, err = fleet.Build(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

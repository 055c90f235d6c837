package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCheckTracked(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		file trackedFile
		bad  bool
	}{
		{"Go source", trackedFile{path: "reeflow/client.go", mode: "100644", size: 5000, head: []byte("pack")}, false},
		{"CI script with shebang", trackedFile{path: ".ci/run", mode: "100755", size: 900, head: []byte("#!/u")}, false},
		{"large file in testdata", trackedFile{path: "reeflow/testdata/big.json", mode: "100644", size: 3 << 20, head: []byte("{\"a\"")}, false},
		{"large file in root testdata", trackedFile{path: "testdata/big.json", mode: "100644", size: 3 << 20, head: []byte("[1,2")}, false},
		{"ELF test binary", trackedFile{path: "reeflow.test", mode: "100755", size: 900 << 10, head: []byte("\x7fELF")}, true},
		{"ELF without executable bit", trackedFile{path: "tool", mode: "100644", size: 100, head: []byte("\x7fELF")}, true},
		{"Mach-O binary", trackedFile{path: "reeflow-mock", mode: "100644", size: 100, head: []byte("\xcf\xfa\xed\xfe")}, true},
		{"PE binary", trackedFile{path: "reeflow-mock.exe", mode: "100644", size: 100, head: []byte("MZ\x90\x00")}, true},
		{"executable without shebang", trackedFile{path: "run", mode: "100755", size: 100, head: []byte("echo")}, true},
		{"large file outside testdata", trackedFile{path: "docs/video.mp4", mode: "100644", size: 1<<20 + 1, head: []byte("\x00\x00\x00\x18")}, true},
		{"a directory named like testdata is not exempt", trackedFile{path: "mytestdata/x.bin", mode: "100644", size: 2 << 20, head: []byte("abcd")}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			problems := checkTracked([]trackedFile{tc.file})
			if tc.bad {
				assert.Len(t, problems, 1, "file should be refused")
			} else {
				assert.Empty(t, problems)
			}
		})
	}
}

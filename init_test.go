package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// initTrace is one line of GODEBUG=inittrace=1: a package's init and what
// it allocated.
type initTrace struct {
	pkg           string
	bytes, allocs int
}

// heavyInit lists the packages allowed to allocate more than
// perPackageInitBytes at init, with their ceiling. The JSON Schema
// validator compiles its meta-schemas in its own init (about 1.7 MB); the
// mcp-go client, the bare client bench-peers.sh measures sonde against,
// links and pays for the same package.
var heavyInit = map[string]int{
	"github.com/santhosh-tekuri/jsonschema/v6": 2 << 20,
}

const (
	perPackageInitBytes = 128 << 10 // any other package
	otherInitBytes      = 512 << 10 // all other packages together
	// ownInitBytes holds sonde's own packages to less: they compile no
	// regular expression and build no document or table at init (each
	// is a sync.OnceValue, made when first used). Before: mcp's
	// regexps 34 KB, demo's documents 23 KB, fixture's and serverreq's
	// regexps 19 KB each.
	ownInitBytes = 16 << 10
)

// ownPackage is the prefix of sonde's own import paths.
const ownPackage = "github.com/sonde-mcp/sonde/"

// TestInitStaysLight runs this binary (it links every package sonde does)
// with GODEBUG=inittrace=1 and holds package initialisation to the budget:
// nothing builds tables, lexers, styles or compiled schemas before main
// runs. It counts allocations, which do not depend on the machine's load;
// scripts/init-budget.sh compares the time against the bare client.
// Before: chroma's lexers and styles allocated 4.6 MB at init (some 30 ms).
func TestInitStaysLight(t *testing.T) {
	if os.Getenv("SONDE_INITTRACE_CHILD") == "1" {
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestInitStaysLight$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1", "SONDE_INITTRACE_CHILD=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\n%s", err, stderr.String())
	}
	traces := parseInitTrace(stderr.Bytes())
	if len(traces) < 50 {
		t.Fatalf("only %d inittrace lines: is GODEBUG=inittrace=1 still the format?\n%s", len(traces), stderr.String())
	}
	other := 0
	for _, tr := range traces {
		if strings.HasPrefix(tr.pkg, "github.com/alecthomas/chroma") {
			t.Errorf("%s is linked: its init builds every lexer and style (use internal/jsonhl)", tr.pkg)
		}
		if ceiling, ok := heavyInit[tr.pkg]; ok {
			if tr.bytes > ceiling {
				t.Errorf("%s allocates %d bytes at init, over its %d", tr.pkg, tr.bytes, ceiling)
			}
			continue
		}
		if strings.HasPrefix(tr.pkg, ownPackage) && tr.bytes > ownInitBytes {
			t.Errorf("%s allocates %d bytes (%d allocations) at init, over %d for sonde's own packages: build it on first use (sync.OnceValue)", tr.pkg, tr.bytes, tr.allocs, ownInitBytes)
		}
		if tr.bytes > perPackageInitBytes {
			t.Errorf("%s allocates %d bytes (%d allocations) at init, over %d: build it on first use (sync.OnceValue)", tr.pkg, tr.bytes, tr.allocs, perPackageInitBytes)
		}
		other += tr.bytes
	}
	if other > otherInitBytes {
		t.Errorf("package initialisation allocates %d bytes outside the validator, over %d", other, otherInitBytes)
	}
	t.Logf("%d packages initialised, %d bytes outside the validator", len(traces), other)
}

// parseInitTrace reads lines such as
// "init net/http @6.8 ms, 0.038 ms clock, 4712 bytes, 49 allocs".
func parseInitTrace(out []byte) []initTrace {
	var traces []initTrace
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 11 || f[0] != "init" || f[8] != "bytes," || f[10] != "allocs" {
			continue
		}
		b, err1 := strconv.Atoi(f[7])
		a, err2 := strconv.Atoi(f[9])
		if err1 != nil || err2 != nil {
			continue
		}
		traces = append(traces, initTrace{pkg: f[1], bytes: b, allocs: a})
	}
	return traces
}

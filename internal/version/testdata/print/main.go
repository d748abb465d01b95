// Command print prints version.Get() as JSON, for the package's test of
// the -ldflags -X names.
package main

import (
	"encoding/json"
	"os"

	"github.com/sonde-mcp/sonde/internal/version"
)

func main() { json.NewEncoder(os.Stdout).Encode(version.Get()) }

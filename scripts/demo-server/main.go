// Command demo-server serves the demo server `sonde demo` embeds
// (demo.Start) on its own, for benchmarks and screenshots that attach sonde
// to it like to any server: it prints the Streamable HTTP URL on the first
// line of stdout and serves until it is killed or stdin closes.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/sonde-mcp/sonde/demo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := demo.Start(ctx, demo.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo-server:", err)
		os.Exit(1)
	}
	defer r.Close()
	fmt.Println(r.URL)
	go func() {
		io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	<-ctx.Done()
}

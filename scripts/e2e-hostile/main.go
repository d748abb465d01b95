// Command e2e-hostile serves hostile.NewServer (internal/hostile) on loopback for
// scripts/e2e-tui.sh: it prints the Streamable HTTP URL on the first line
// of stdout, then the origin fixtures (a same-origin redirect, a redirect
// to another origin, a legacy SSE endpoint on another origin) one per
// line, and serves until it is killed or stdin closes.
package main

import (
	"context"
	"fmt"
	"github.com/sonde-mcp/sonde/internal/hostile"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/sonde-mcp/sonde/demo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := demo.Serve(ctx, hostile.NewServer(), demo.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e-hostile:", err)
		os.Exit(1)
	}
	defer r.Close()
	fmt.Println(r.URL)
	fmt.Println(r.RedirectURL)
	fmt.Println(r.CrossOriginRedirectURL)
	fmt.Println(r.CrossOriginSSEURL)
	go func() {
		io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	<-ctx.Done()
}

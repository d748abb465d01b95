// Command offspec-server serves demo's two servers that do not follow the
// specification on loopback, for a person to try sonde's --endpoint and
// raw composer on them, and for scripts/e2e-tui.sh: it prints the
// split-endpoint server's stream URL on the first line of stdout, the
// event-named server's on the second, then the sonde commands that attach
// to them, and serves until it is killed or stdin closes.
//
//	go run ./scripts/offspec-server [-keepalive 30s] [-keepalive-data '{"type":"hb"}']
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sonde-mcp/sonde/demo"
)

func main() {
	keepalive := flag.Duration("keepalive", 30*time.Second, "interval of the keepalive data messages (0: none)")
	kaData := flag.String("keepalive-data", "", `the split-endpoint server's keepalive message (default {"type":"keepalive"}; one sonde does not know needs --keepalive-match)`)
	addr := flag.String("addr", "", "loopback address to listen on (default: a free port on 127.0.0.1)")
	flag.Parse()
	if *keepalive == 0 {
		*keepalive = -1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := demo.ServeOffSpec(ctx, *addr, demo.OffSpecOptions{Keepalive: *keepalive, KeepaliveData: *kaData})
	if err != nil {
		fmt.Fprintln(os.Stderr, "offspec-server:", err)
		os.Exit(1)
	}
	defer r.Close()
	fmt.Println(r.SplitURL)
	fmt.Println(r.EventsURL)
	fmt.Printf("# split endpoint:  sonde %s --endpoint '%s'\n", r.SplitURL, demo.SplitEndpoint)
	fmt.Printf("# event-named:     sonde %s --endpoint %s\n", r.EventsURL, demo.EventsEndpoint)
	fmt.Printf("#                  sonde raw %s --endpoint %s '{\"session_id\":\"{session}\",\"tool\":\"add\",\"args\":{\"a\":2,\"b\":3}}'\n", r.EventsURL, demo.EventsEndpoint)
	go func() {
		io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	<-ctx.Done()
}

package oauth_test

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/sonde-mcp/sonde/internal/testenv"
	"github.com/sonde-mcp/sonde/oauth"
)

// The loopback listener takes one callback: another path (a browser's
// favicon) changes nothing, and once the redirect came back the port is
// closed, so nothing else on the machine can hand sonde a second code.
func TestLoopbackTakesOneCallback(t *testing.T) {
	b := &oauth.Loopback{Timeout: 10 * time.Second}
	cb, err := b.Begin(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cb.Close)
	redirect, err := url.Parse(cb.RedirectURI())
	if err != nil || redirect.Hostname() != "127.0.0.1" {
		t.Fatalf("redirect %q: %v", cb.RedirectURI(), err)
	}
	get := func(path string) (int, error) {
		c := http.Client{Timeout: 5 * time.Second}
		resp, err := c.Get("http://" + redirect.Host + path)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if code, err := get("/favicon.ico"); err != nil || code != http.StatusNotFound {
		t.Fatalf("favicon: %d %v", code, err)
	}
	if code, err := get("/callback?code=c1&state=s1"); err != nil || code != http.StatusOK {
		t.Fatalf("the callback: %d %v", code, err)
	}
	closed := testenv.Poll(5*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", redirect.Host, time.Second)
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
	if !closed {
		t.Fatalf("%s still accepts connections after the callback", redirect.Host)
	}
}

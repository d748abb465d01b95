package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/http/httpproxy"
)

// expirySoon is when a certificate's coming expiry is worth a warning.
const expirySoon = 14 * 24 * time.Hour

// network checks DNS, the proxy, TCP and TLS; it reports whether the
// server can be reached at all (the rest needs it).
func (x *run) network(ctx context.Context) bool {
	u, err := url.Parse(x.o.Config.URL)
	if err != nil || u.Host == "" {
		x.add("target", Fail, fmt.Sprintf("%q is not a URL: %v", x.r.Target, err))
		return false
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	dialHost := host
	// The proxy first: with one, sonde resolves and connects to it.
	proxy, perr := httpproxy.FromEnvironment().ProxyFunc()(u)
	switch {
	case perr != nil:
		x.add("proxy", Fail, "the proxy settings in the environment do not parse: "+perr.Error())
	case proxy == nil:
		x.add("proxy", OK, "none: sonde connects to the server itself (no HTTP_PROXY, HTTPS_PROXY or ALL_PROXY applies; NO_PROXY considered)")
	default:
		x.add("proxy", OK, fmt.Sprintf("through %s (from the environment): DNS, TCP and the answers below are the proxy's", redactUser(proxy)))
		dialHost, port = proxy.Hostname(), proxy.Port()
		if port == "" {
			port = "80"
			if proxy.Scheme == "https" {
				port = "443"
			}
		}
	}
	addrs := []string{dialHost}
	if ip := net.ParseIP(dialHost); ip != nil {
		x.add("dns", OK, dialHost+" is an address: nothing to look up")
	} else {
		start := time.Now()
		lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		got, err := x.o.Resolver.LookupHost(lctx, dialHost)
		cancel()
		if err != nil || len(got) == 0 {
			x.add("dns", Fail, fmt.Sprintf("%s does not resolve: %v", dialHost, err))
			x.find("dns", fmt.Sprintf("The name %s does not resolve: a typo in the URL, a name only a VPN or another network knows, or a DNS problem on this machine.", dialHost))
			return false
		}
		addrs = got
		x.add("dns", OK, fmt.Sprintf("%s is %s (%s)", dialHost, strings.Join(got, ", "), ms(time.Since(start))))
	}
	start := time.Now()
	d := net.Dialer{Timeout: 10 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(dialHost, port))
	if err != nil {
		x.add("tcp", Fail, fmt.Sprintf("%s port %s (%s): %v", dialHost, port, strings.Join(addrs, ", "), err))
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			x.find("refused", fmt.Sprintf("Nothing listens on %s port %s: the server is not running, or listens on another port or address (a server on 127.0.0.1 is not reachable as the machine's other addresses).", dialHost, port))
		default:
			x.find("unreachable", fmt.Sprintf("%s port %s cannot be reached (%v): a firewall, a network that does not route there, or a server that does not answer.", dialHost, port, err))
		}
		return false
	}
	x.add("tcp", OK, fmt.Sprintf("%s port %s connected in %s", conn.RemoteAddr().(*net.TCPAddr).IP, port, ms(time.Since(start))))
	conn.Close()
	if u.Scheme != "https" {
		x.add("tls", OK, "not used: the URL is http")
		return true
	}
	if proxy != nil {
		x.add("tls", OK, "through the proxy's tunnel: checked by the requests below")
		return true
	}
	return x.tls(ctx, host, port)
}

// tls checks the server's certificate: version, names, expiry, trust.
func (x *run) tls(ctx context.Context, host, port string) bool {
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second},
		Config: &tls.Config{ServerName: host, InsecureSkipVerify: true}} //nolint:gosec // verified below, to say what is wrong
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		x.add("tls", Fail, "handshake: "+err.Error())
		x.find("tls", fmt.Sprintf("The TLS handshake with %s failed (%v): the port may not speak TLS (try http://), or the server and this machine share no TLS version.", host, err))
		return false
	}
	st := c.(*tls.Conn).ConnectionState()
	c.Close()
	if len(st.PeerCertificates) == 0 {
		x.add("tls", Fail, "the server sent no certificate")
		return false
	}
	leaf := st.PeerCertificates[0]
	names := leaf.DNSNames
	for _, ip := range leaf.IPAddresses {
		names = append(names, ip.String())
	}
	detail := fmt.Sprintf("%s, certificate for %s, valid until %s", tls.VersionName(st.Version), strings.Join(names, ", "), leaf.NotAfter.UTC().Format("2006-01-02"))
	pool := x509.NewCertPool()
	for _, ic := range st.PeerCertificates[1:] {
		pool.AddCert(ic)
	}
	_, verr := leaf.Verify(x509.VerifyOptions{DNSName: host, Intermediates: pool, Roots: x.roots()})
	left := time.Until(leaf.NotAfter)
	switch {
	case left <= 0:
		x.add("tls", Fail, detail+": expired")
		x.find("tls", fmt.Sprintf("The server's certificate expired on %s: clients refuse it. The server's operator must renew it (--insecure skips the check, for a test only).", leaf.NotAfter.UTC().Format("2006-01-02")))
		return !x.o.Config.Insecure
	case verr != nil && x.o.Config.Insecure:
		x.add("tls", Warn, detail+": not trusted ("+verr.Error()+"), used anyway: --insecure")
	case verr != nil:
		x.add("tls", Fail, detail+": "+verr.Error())
		var he x509.HostnameError
		if errors.As(verr, &he) {
			x.find("tls", fmt.Sprintf("The certificate is for %s, not %s: use the name it was issued for, or ask the operator for a certificate with this one.", strings.Join(names, ", "), host))
		} else {
			x.find("tls", "The certificate is not signed by an authority this machine trusts (self-signed, or a private CA): add that CA to the system's trust store, or --insecure for a test only.")
		}
		return false
	case left < expirySoon:
		x.add("tls", Warn, fmt.Sprintf("%s: expires in %d days", detail, int(left.Hours()/24)))
	default:
		x.add("tls", OK, detail)
	}
	return true
}

// roots are the authorities the connection trusts: those of a client the
// caller gave (tests), else the system's (nil).
func (x *run) roots() *x509.CertPool {
	if c := x.o.Config.HTTPClient; c != nil {
		if tr, ok := c.Transport.(*http.Transport); ok && tr.TLSClientConfig != nil {
			return tr.TLSClientConfig.RootCAs
		}
	}
	return nil
}

func redactUser(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}

// ms writes a duration in milliseconds: "0.4 ms", "12 ms".
func ms(d time.Duration) string {
	f := float64(d.Microseconds()) / 1000
	if f < 10 {
		return fmt.Sprintf("%.1f ms", f)
	}
	return fmt.Sprintf("%.0f ms", f)
}

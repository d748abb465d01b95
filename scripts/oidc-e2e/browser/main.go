// Command browser stands in for a person at a browser in scripts/oidc-e2e.sh: sonde runs it as
// $BROWSER with the authorization URL, and it signs in at oidc-provider's development login page
// (any user name and password), gives consent, and follows the redirect back to sonde's loopback
// listener, all over HTTP (with BROWSER_PRINT=FILE it writes the URL it was sent back to in FILE
// instead, as a person on another machine copies it for sonde --no-browser). It logs each page to
// stderr (BROWSER_LOG, a file).
package main

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
)

var (
	formRE  = regexp.MustCompile(`(?s)<form[^>]*action="([^"]*)"[^>]*>(.*?)</form>`)
	inputRE = regexp.MustCompile(`<input[^>]*>`)
	nameRE  = regexp.MustCompile(`name="([^"]*)"`)
	valueRE = regexp.MustCompile(`value="([^"]*)"`)
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: browser URL")
		os.Exit(2)
	}
	logw := io.Writer(os.Stderr)
	if p := os.Getenv("BROWSER_LOG"); p != "" {
		if f, err := os.OpenFile(p, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); err == nil {
			logw = f
		}
	}
	// Return at once, as a browser does; the sign-in goes on in the background.
	if os.Getenv("BROWSER_CHILD") == "" {
		exe, _ := os.Executable()
		p, err := os.StartProcess(exe, os.Args, &os.ProcAttr{Env: append(os.Environ(), "BROWSER_CHILD=1"), Files: []*os.File{nil, nil, os.Stderr}})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		p.Release()
		return
	}
	if err := signIn(os.Args[1], logw); err != nil {
		fmt.Fprintln(logw, "browser:", err)
		os.Exit(1)
	}
}

func signIn(authURL string, logw io.Writer) error {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Path == "/callback" {
				return http.ErrUseLastResponse // sonde's listener: visited below
			}
			return nil
		}}
	resp, err := c.Get(authURL)
	for step := 0; step < 8; step++ {
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		fmt.Fprintf(logw, "browser: %s %s -> %d\n", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode)
		if loc := resp.Header.Get("Location"); loc != "" && strings.Contains(loc, "/callback") {
			back, err := resp.Request.URL.Parse(loc)
			if err != nil {
				return err
			}
			if f := os.Getenv("BROWSER_PRINT"); f != "" {
				// a browser on another machine: the person copies the
				// address bar (sonde --no-browser takes it pasted)
				fmt.Fprintln(logw, "browser: sent back to sonde's address; written to", f)
				return os.WriteFile(f, []byte(back.String()+"\n"), 0o600)
			}
			r, err := http.Get(back.String()) // sonde's loopback listener
			if err != nil {
				return err
			}
			r.Body.Close()
			fmt.Fprintf(logw, "browser: back to sonde -> %d\n", r.StatusCode)
			return nil
		}
		m := formRE.FindSubmatch(body)
		if m == nil {
			return fmt.Errorf("page %s has no form: %.300s", resp.Request.URL, body)
		}
		action, err := resp.Request.URL.Parse(html.UnescapeString(string(m[1])))
		if err != nil {
			return err
		}
		form := url.Values{}
		for _, in := range inputRE.FindAll(m[2], -1) {
			name := nameRE.FindSubmatch(in)
			if name == nil {
				continue
			}
			value := ""
			if v := valueRE.FindSubmatch(in); v != nil {
				value = html.UnescapeString(string(v[1]))
			}
			form.Set(string(name[1]), value)
		}
		if form.Has("login") {
			form.Set("login", "alice")
			form.Set("password", "any password will do")
		}
		resp, err = c.PostForm(action.String(), form)
	}
	return fmt.Errorf("still no redirect back to sonde after 8 pages")
}

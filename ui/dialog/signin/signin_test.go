package signin

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/sonde-mcp/sonde/oauth"
	"github.com/sonde-mcp/sonde/themes"
	"github.com/sonde-mcp/sonde/ui/common"
	"github.com/sonde-mcp/sonde/ui/component"
	ct "github.com/sonde-mcp/sonde/ui/component/componenttest"
)

const redirect = "http://127.0.0.1:5555/callback"

func newDialog(noBrowser bool, stepUp ...string) (*Dialog, *oauth.Prompt) {
	th, _ := themes.Get("")
	c := &common.Common{Styles: common.NewStyles(th, true), HL: common.NewHighlighter()}
	p := oauth.NewPrompt(oauth.SignIn{Server: "https://mcp.example/mcp", Issuer: "https://login.example", Scopes: []string{"mcp", "offline_access"},
		StepUp: stepUp, URL: "https://login.example/authorize?client_id=sonde&state=S1"}, redirect, noBrowser)
	d := New(c, p)
	d.Guard = 0
	return d, p
}

func answer(t *testing.T, p *oauth.Prompt) (string, error) {
	t.Helper()
	select {
	case <-p.Done():
		t.Fatal("answered twice")
	default:
	}
	u, err := p.Answer(context.Background())
	if u == nil {
		return "", err
	}
	return u.String(), err
}

func TestOpenCopyCancel(t *testing.T) {
	d, p := newDialog(false)
	v := ansi.Strip(d.View(100, 30))
	for _, want := range []string{"https://mcp.example/mcp needs you to sign in", "https://login.example", "mcp offline_access", redirect, "enter open in the browser"} {
		if !strings.Contains(v, want) {
			t.Fatalf("view lacks %q:\n%s", want, v)
		}
	}
	if a, _ := d.Update(ct.Key("enter")); a != (Open{URL: p.URL}) {
		t.Fatalf("enter: %#v", a)
	}
	if a, _ := d.Update(ct.Key("c")); a != (component.Copy{What: "the sign-in URL", Text: p.URL}) {
		t.Fatalf("c: %#v", a)
	}
	a, _ := d.Update(ct.Key("esc"))
	if b, ok := a.(component.Batch); !ok || b[0] != (component.Close{}) {
		t.Fatalf("esc: %#v", a)
	}
	if _, err := answer(t, p); !errors.Is(err, oauth.ErrCancelled) {
		t.Fatalf("esc did not cancel: %v", err)
	}
}

// With --no-browser there is nothing to open: the person pastes. A paste
// that is not the URL is refused with the reason, and what was pasted
// (which carries the code) is never drawn.
func TestPaste(t *testing.T) {
	d, p := newDialog(true)
	if a, _ := d.Update(ct.Key("enter")); a != nil {
		t.Fatalf("enter opened with --no-browser: %#v", a)
	}
	d.Update(ct.Key("p"))
	for _, r := range "http://evil.example/?code=SECRETCODE1" {
		d.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	if a, _ := d.Update(ct.Key("enter")); a != nil {
		t.Fatalf("a wrong URL was taken: %#v", a)
	}
	v := ansi.Strip(d.View(100, 30))
	if !strings.Contains(v, "does not lead to "+redirect) || strings.Contains(v, "SECRETCODE1") {
		t.Fatalf("after a wrong paste:\n%s", v)
	}
	d.Update(ct.Key("esc")) // leaves the field, does not cancel
	if a, _ := d.Update(tea.PasteMsg{Content: " " + redirect + "?code=SECRETCODE2&state=S1\n"}); a == nil {
		t.Fatal("a good paste was not taken")
	}
	if strings.Contains(ansi.Strip(d.View(100, 30)), "SECRETCODE2") {
		t.Fatal("the pasted code is on screen")
	}
	got, err := answer(t, p)
	if err != nil || !strings.Contains(got, "code=SECRETCODE2") {
		t.Fatalf("answer %q, %v", got, err)
	}
}

func TestStepUpSays(t *testing.T) {
	d, _ := newDialog(false, "mcp:admin")
	v := ansi.Strip(d.View(100, 30))
	if !strings.Contains(v, "wants more access: mcp:admin (403 insufficient_scope)") {
		t.Fatalf("step-up:\n%s", v)
	}
}

func TestHelpIsHonest(t *testing.T) {
	ct.HelpHonesty(t, []ct.Fixture{
		func() component.Component { d, _ := newDialog(false); return d },
		func() component.Component { d, _ := newDialog(true); return d },
	})
}
